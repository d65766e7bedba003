"""What the archived runs of a grid cost, measured: seconds of training and decoding per run.

Every run records its own seconds (``train.json``: training, the dev-loss measurements
included; ``test.decode.json``: decoding the test set) and the machine it ran on. This sums
them per arm (method and training regime, seeds and subsets pooled): runs, steps, seconds of
training per run and per step, seconds of decoding per run, and CPU-hours (one thread per job,
so seconds are CPU-seconds). A resumed run costs the sum of its attempts (``attempt_seconds``:
each timed up to its last checkpoint; work after that was redone); one archived before attempts
were timed (its ``seconds`` cover the last attempt only) is estimated at that attempt's pace
over all its steps, and said to be. Scoring (seconds per run, mostly the JVM) is left out.

Usage: python -m pipeline.report.run_cost --runs DIR [--out FILE.md]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from statistics import mean

from pipeline.config import lowdata_size
from pipeline.errors import InputError
from pipeline.io import read_json, write_text
from pipeline.report.archive import trained_on
from pipeline.runtime import entry_point


def arm_of(run: str) -> tuple[str, str, str]:
    """(experiment, method, regime) of ``experiment/dataset/model/method/regime/seed``, the
    regime without its subset: ``low500s2`` -> ``low500``."""
    experiment, _dataset, _model, method, regime, _seed = run.split("/")
    size = lowdata_size(regime)
    return experiment, method, regime if size is None else f"low{size}"


def seconds(run_dir: Path, summary: dict) -> dict:
    """What one run measured of itself: steps, seconds of training (``summary``, its
    train.json; every attempt's), of decoding (None when not decoded), whether training
    resumed, and whether its seconds are an estimate (resumed before attempts were timed)."""
    decode = run_dir / "test.decode.json"
    steps, resumed = summary["steps"], summary.get("resumed_from_steps") or []
    attempts = summary.get("attempt_seconds") or []
    estimated = bool(resumed) and len(attempts) != len(resumed) + 1
    if estimated:  # the last attempt's pace, over every step
        train = summary["seconds"] * steps / max(steps - resumed[-1], 1)
    else:
        train = sum(attempts) if resumed else summary["seconds"]
    return {
        "steps": steps,
        "train_seconds": train,
        "decode_seconds": read_json(decode)["seconds"] if decode.exists() else None,
        "resumed": bool(resumed),
        "estimated": estimated,
    }


def measured(runs_dir: str | Path) -> list[dict]:
    """Each archived run's seconds, steps, machines and whether its training resumed."""
    runs_dir = Path(runs_dir)
    return [
        {
            "run": str(summary.parent.relative_to(runs_dir)),
            **seconds(summary.parent, read_json(summary)),
            "machines": trained_on(summary.parent),
        }
        for summary in sorted(runs_dir.glob("**/train.json"))
    ]


def table(runs: list[dict]) -> str:
    arms = defaultdict(list)
    for r in runs:
        arms[arm_of(r["run"])].append(r)
    lines = [
        "| experiment | method | regime | runs | steps | train s per run | s per step "
        "| decode s per run | CPU-h |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    total = 0.0
    for (experiment, method, regime), rs in sorted(arms.items()):
        decoded = [r["decode_seconds"] for r in rs if r["decode_seconds"] is not None]
        train = [r["train_seconds"] for r in rs]
        hours = sum(train) + sum(decoded)
        total += hours
        step = mean(r["train_seconds"] / max(r["steps"], 1) for r in rs)
        lines.append(
            f"| {experiment} | {method} | {regime} | {len(rs)}{_resumed(rs)}"
            f" | {_range(r['steps'] for r in rs)} | {_span(train)} | {step:.1f}"
            f" | {_span(decoded)} | {hours / 3600:.2f} |"
        )
    machines = sorted(set().union(*(r["machines"] for r in runs)))
    return (
        "\n".join(lines)
        + f"\n\n{len(runs)} runs, {total / 3600:.1f} CPU-hours of training and decoding "
        "(one thread per job; two jobs side by side on 2 cores); machines: "
        + "; ".join(machines)
        + "\n"
        + (
            "\nResumed runs count every attempt's seconds up to its last checkpoint; *estimated*: "
            "resumed before attempts were timed, so counted at its last attempt's seconds per "
            "step over all its steps.\n"
            if any(r["resumed"] for r in runs)
            else ""
        )
    )


def _resumed(rs) -> str:
    resumed = sum(r["resumed"] for r in rs)
    estimated = sum(r["estimated"] for r in rs)
    if not resumed:
        return ""
    return f" ({resumed} resumed" + (f", {estimated} estimated)" if estimated else ")")


def _span(xs) -> str:
    """Mean (min-max) of a few seconds, or – when none was measured."""
    xs = list(xs)
    if not xs:
        return "–"
    if len(xs) == 1:
        return f"{xs[0]:.0f}"
    return f"{mean(xs):.0f} ({min(xs):.0f}-{max(xs):.0f})"


def _range(xs) -> str:
    xs = sorted(set(xs))
    return str(xs[0]) if len(xs) == 1 else f"{xs[0]}-{xs[-1]}"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", required=True, help="an archive of runs (train.json per run)")
    p.add_argument("--out", default=None, help="write the table here (Markdown)")
    a = p.parse_args(argv)
    runs = measured(a.runs)
    if not runs:
        raise InputError(f"{a.runs}: no archived run (train.json)")
    text = f"# Measured cost of the runs in {a.runs}\n\n" + table(runs)
    if a.out:
        write_text(a.out, text)
    print(text, end="")


if __name__ == "__main__":
    entry_point(main)
