"""Archive finished runs (hypotheses, scores, training summary) so that the grid can grow.

A long experiment (``config/cpu-lowdata.yaml``) runs across machines and sessions. Its
finished runs are copied into a committed folder; an experiment with ``archive: DIR`` reads a
run from ``DIR/{run path}`` when it is there and trains only the runs that are not, so a new
machine extends the grid instead of restarting it.

Usage: python -m pipeline.report.archive --results results/<config>/runs --archive DIR [--experiment E]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from pipeline.io import atomic_path
from pipeline.runtime import entry_point

# small files only: the exhibits and the significance test need nothing else
ARCHIVED = ("test.metrics.json", "test.hyp.txt", "train.json")


def archive_runs(
    results: str | Path, archive: str | Path, experiment: str | None = None
) -> list[str]:
    """Copy every finished run (one with ``test.metrics.json``) not yet archived; return them."""
    results, archive = Path(results), Path(archive)
    done = []
    pattern = f"{experiment}/**/test.metrics.json" if experiment else "**/test.metrics.json"
    for metrics in sorted(results.glob(pattern)):
        run = metrics.parent.relative_to(results)
        dest = archive / run
        if all((dest / f).exists() for f in ARCHIVED):
            continue
        for name in ARCHIVED:
            with atomic_path(dest / name) as tmp:
                shutil.copyfile(metrics.parent / name, tmp)
        done.append(str(run))
    return done


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", required=True, help="results/<config>/runs")
    p.add_argument("--archive", required=True)
    p.add_argument("--experiment", default=None)
    a = p.parse_args(argv)
    for run in archive_runs(a.results, a.archive, a.experiment):
        print(f"archived {run}")


if __name__ == "__main__":
    entry_point(main)
