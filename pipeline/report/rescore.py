"""Re-score archived runs from their own outputs, as a reader would.

An archived run keeps its outputs (``test.hyp.txt``) and its scores (``test.metrics.json``,
which names the test set and the scoring protocol). For every run this calls ``python -m
pipeline.evaluate`` on the archived outputs, in a process of its own, and compares every score
and every metric signature with the archived ones, exactly (the kits are deterministic): a
table rebuilt from the archive then rests on numbers that its outputs give again, not on a
stale or hand-edited file.

The test sets are the prepared ones the runs were scored on (``results/<config>/data/...``);
one that is missing is named, with the Snakemake target that prepares it.

Usage: python -m pipeline.report.rescore --archive DIR [DIR ...] [--jobs N] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.errors import InputError, PipelineError
from pipeline.io import read_json, write_text
from pipeline.runtime import entry_point


def archived_runs(archive: str | Path) -> list[Path]:
    """Every run under ``archive`` that was decoded and scored."""
    return sorted(m.parent for m in Path(archive).glob("**/test.metrics.json"))


def differences(archived: dict, fresh: dict, where: str = "") -> list[str]:
    """Each score or signature that differs between two results (nested keys joined by '.')."""
    out = []
    for key in sorted(set(archived) | set(fresh)):
        name = f"{where}{key}"
        a, f = archived.get(key), fresh.get(key)
        if isinstance(a, dict) and isinstance(f, dict):
            out += differences(a, f, f"{name}.")
        elif a != f:
            out.append(f"{name}: archived {a!r}, re-scored {f!r}")
    return out


def rescore(run: Path, tercom_jar: str | None = None) -> list[str]:
    """Score ``run``'s outputs again with ``python -m pipeline.evaluate``; return what differs."""
    archived = read_json(run / "test.metrics.json")
    test = Path(archived["test"])
    if not test.exists():
        # results/<config>/data/<dataset>/test.jsonl comes from config/<config>.yaml
        config = test.parts[-4] if len(test.parts) >= 4 else "<config>"
        raise InputError(
            f"{run}: its test set {test} is missing; prepare it with "
            f"`snakemake --cores 1 {test} --configfile config/{config}.yaml`"
        )
    protocol = archived["signature"].get("protocol", "official")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "metrics.json"
        cmd = [sys.executable, "-m", "pipeline.evaluate", "--dataset", archived["dataset"]]
        cmd += ["--hyp", str(run / "test.hyp.txt"), "--test", str(test), "--protocol", protocol]
        cmd += ["--tercom-jar", tercom_jar] if tercom_jar else []
        done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True)
        if done.returncode:
            raise PipelineError(f"{run}: pipeline.evaluate failed:\n{done.stderr[-2000:]}")
        fresh = read_json(out)
    return differences(
        {"scores": archived["scores"], "signature": archived["signature"]},
        {"scores": fresh["scores"], "signature": fresh["signature"]},
    )


def report(archives: list[str], results: dict[Path, list[str]]) -> str:
    """A Markdown record of the check: how many runs re-score, and what differs where."""
    bad = {run: d for run, d in results.items() if d}
    lines = [
        "# Re-scoring the archived runs from their own outputs",
        "",
        "Written by `python -m pipeline.report.rescore --archive "
        + " ".join(archives)
        + "`: every run's `test.hyp.txt` scored again by `python -m pipeline.evaluate` against "
        "the test set its `test.metrics.json` names, every score and metric signature compared "
        "exactly.",
        "",
        f"**{len(results) - len(bad)} of {len(results)} runs re-score to their archived numbers.**",
    ]
    for run, diffs in bad.items():
        lines += ["", f"- `{run}`:", *[f"  - {d}" for d in diffs]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--archive", nargs="+", required=True, help="archived runs' folders")
    p.add_argument("--jobs", type=int, default=1, help="runs scored side by side")
    p.add_argument(
        "--tercom-jar", default=None, help="as the runs were scored (evaluation.tercom_jar)"
    )
    p.add_argument("--out", default=None, help="write the record here (Markdown)")
    a = p.parse_args(argv)
    runs = [run for archive in a.archive for run in archived_runs(archive)]
    if not runs:
        raise InputError(f"no scored run (test.metrics.json) under {' '.join(a.archive)}")
    with ThreadPoolExecutor(a.jobs) as pool:
        results = dict(zip(runs, pool.map(lambda r: rescore(r, a.tercom_jar), runs)))
    text = report(a.archive, results)
    if a.out:
        write_text(a.out, text)
    print(text, end="")
    if any(results.values()):
        raise PipelineError(f"{sum(map(bool, results.values()))} runs do not re-score")


if __name__ == "__main__":
    entry_point(main)
