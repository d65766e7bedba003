"""Archive finished runs (hypotheses, scores, training summary) so that the grid can grow.

A long experiment (``config/cpu-lowdata.yaml``) runs across machines and sessions. Its
finished runs are copied into a committed folder; an experiment with ``archive: DIR`` reads a
run from ``DIR/{run path}`` when it is there and trains only the runs that are not, so a new
machine extends the grid instead of restarting it.

A replicate's runs are compared pair by pair, and rounding differs between CPU kinds, so the
runs of one replicate must share a machine: ``--set-aside DIR --runs ...`` moves those of the
named runs that another machine trained out of the archive (to ``DIR/{run path}``), so that
the replicate is trained again here whole; what was set aside measures the machines' spread
(``python -m pipeline.report.rerun``).

Runs that are only trained (a learning-rate choice reads their dev loss; nothing is decoded)
are archived with ``--trained-only``: their ``train.json``.

Usage: python -m pipeline.report.archive --results results/<config>/runs --archive DIR
           [--experiment E] [--trained-only]
       python -m pipeline.report.archive --archive DIR --set-aside DIR2 [--results DIR3]
           --runs RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.io import atomic_path, read_json
from pipeline.report.collect import machine_label
from pipeline.runtime import entry_point

# small files only: the exhibits and the significance test need nothing else; the first
# file marks a finished run
ARCHIVED = ("test.metrics.json", "test.hyp.txt", "train.json", "test.decode.json")
TRAINED = ("train.json",)  # a run only trained (its dev loss chooses a learning rate)


def archive_runs(
    results: str | Path,
    archive: str | Path,
    experiment: str | None = None,
    files: tuple[str, ...] = ARCHIVED,
) -> list[str]:
    """Copy every finished run (one with ``files[0]``) not yet archived; return them."""
    results, archive = Path(results), Path(archive)
    done = []
    pattern = f"{experiment}/**/{files[0]}" if experiment else f"**/{files[0]}"
    for marker in sorted(results.glob(pattern)):
        run = marker.parent.relative_to(results)
        dest = archive / run
        if all((dest / f).exists() for f in files):
            continue
        for name in files:
            with atomic_path(dest / name) as tmp:
                shutil.copyfile(marker.parent / name, tmp)
        done.append(str(run))
    return done


def this_machine() -> str:
    """This machine as a run trained here would record it (``collect.machine_label``)."""
    import torch

    from pipeline.device import Placement

    return machine_label(Placement(torch.device("cpu"), "fp32").describe())


def trained_on(run_dir: Path) -> set[str] | None:
    """The machines that trained the run in ``run_dir``, one label per machine kind: from its
    ``train.json`` when it finished (every attempt's, ``machines``; runs from before that was
    recorded: ``machine``), else from its checkpoint's ``checkpoint.json``; None when neither
    exists. A checkpoint without its description (written before machines were recorded)
    counts as another machine's: resuming it here could mix machines."""
    for name in ("train.json", "checkpoint.json"):
        if (run_dir / name).exists():
            t = read_json(run_dir / name)
            return {machine_label(m) for m in t.get("machines") or [t.get("machine") or {}]}
    if (run_dir / "checkpoint.pt").exists():
        return {"unknown: a checkpoint without checkpoint.json"}
    return None


def set_aside(
    archive: str | Path,
    runs: list[str],
    aside: str | Path,
    machine: str,
    results: str | Path | None = None,
) -> list[str]:
    """Move the archived ``runs`` that a machine other than ``machine`` trained (wholly or in
    part: a run resumed on another machine) to ``aside``; return them. Runs not archived, or
    archived from ``machine`` alone, stay where they are.

    With ``results`` (the runs' folder, ``results/<config>/runs``), a run not archived that
    another machine trained there, finished (a sitting that stopped before its replicate
    finished, so before archiving) or begun (its checkpoint), is moved out of the way too, to
    ``results/<config>/set-aside``: left there, Snakemake would count a finished one as done,
    the training job would resume a begun one, and the archive would take it into a replicate
    trained here."""
    moved = []
    for run in runs:
        src, dest = Path(archive) / run, Path(aside) / run
        machines = trained_on(src)
        if machines is None and results is not None:
            src, dest = Path(results) / run, Path(results).parent / "set-aside" / run
            machines = trained_on(src)
        if machines in (None, {machine}):
            continue
        if dest.exists():
            raise PipelineError(f"{dest}: a run is already set aside there; move it first")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(src, dest)
        moved.append(run)
    return moved


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--results",
        help="results/<config>/runs: archive its finished runs (with --set-aside: "
        "set aside the runs another machine trained there)",
    )
    p.add_argument("--archive", required=True)
    p.add_argument("--experiment", default=None)
    p.add_argument("--set-aside", help="move the --runs another machine trained here")
    p.add_argument("--runs", nargs="+", default=[], help="run paths (with --set-aside)")
    p.add_argument("--trained-only", action="store_true", help="archive train.json of trained runs")
    a = p.parse_args(argv)
    if not (a.set_aside or a.results):
        p.error("give --results (archive finished runs) or --set-aside with --runs")
    if a.set_aside:  # --results: also the runs' folder, for runs trained but not archived
        machine = this_machine()
        for run in set_aside(a.archive, a.runs, a.set_aside, machine, a.results):
            print(f"set aside {run} (not trained on {machine})")
        return
    files = TRAINED if a.trained_only else ARCHIVED
    for run in archive_runs(a.results, a.archive, a.experiment, files):
        print(f"archived {run}")


if __name__ == "__main__":
    entry_point(main)
