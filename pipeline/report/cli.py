"""The command line shared by every exhibit builder: a JSON spec in, files under a prefix out."""

from __future__ import annotations

import argparse

from pipeline.io import read_json
from pipeline.runtime import entry_point


def exhibit_main(build, description: str) -> None:
    def main(argv=None) -> None:
        p = argparse.ArgumentParser(description=description)
        p.add_argument(
            "--spec", required=True, help="a spec file (JSON: runs, scale, notes, paper_source)"
        )
        p.add_argument("--out-prefix", required=True)
        p.add_argument("--results-dir", default="results")
        a = p.parse_args(argv)
        build(read_json(a.spec), a.out_prefix, a.results_dir)

    entry_point(main)
