"""``snakemake -n`` time for the paper's full DAG (target <= 5 s), median of --repeats.

Usage: python benchmarks/dag_plan.py [--repeats 3] [--configfile config/config.yaml]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, machine


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--configfile", default=None)
    a = p.parse_args()
    cmd = [str(Path(sys.executable).parent / "snakemake"), "-n", "--quiet", "rules"]
    if a.configfile:
        cmd += ["--configfile", a.configfile]
    times, out = [], ""
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
        out = res.stdout + res.stderr
    total = re.search(r"^total\s+(\d+)", out, re.M)
    train = re.search(r"^train\s+(\d+)", out, re.M)
    print(f"# snakemake -n, {a.configfile or 'config/config.yaml (paper)'}")
    print(f"machine: {machine()}")
    print(f"jobs: {total.group(1) if total else '?'} ({train.group(1) if train else '?'} training)")
    print(
        f"wall seconds: median {statistics.median(times):.2f} "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}); target <= 5 s"
    )


if __name__ == "__main__":
    main()
