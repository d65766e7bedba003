"""``snakemake -n`` time for the paper's full DAG (target <= 5 s), median of --repeats.

Beside it, interleaved run for run, Snakemake's own floor on this machine at that moment: a
generated workflow with the same number of jobs, each a one-input, one-output rule with no
log, params, resources or environment. The ratio says what our rules cost over Snakemake's
per-job work (this box's speed drifts by +-30% within minutes, so only side-by-side figures
compare).

Usage: python benchmarks/dag_plan.py [--repeats 7] [--configfile config/config.yaml]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")

# runs x (train -> decode -> score -> join) after one data job, like the paper's run chain
FLOOR_SNAKEFILE = """\
RUNS = range({runs})
rule all:
    input: expand("r/{{run}}/metrics.json", run=RUNS)
rule data:
    output: "r/test.jsonl"
    shell: "touch {{output}}"
rule train:
    input: "r/test.jsonl"
    output: "r/{{run}}/train.json"
    shell: "touch {{output}}"
rule decode:
    input: "r/{{run}}/train.json"
    output: "r/{{run}}/hyp.txt"
    shell: "touch {{output}}"
rule score:
    input: "r/{{run}}/hyp.txt"
    output: "r/{{run}}/half.json"
    shell: "touch {{output}}"
rule join:
    input: "r/{{run}}/half.json"
    output: "r/{{run}}/metrics.json"
    shell: "touch {{output}}"
"""


def plan(cwd: Path, extra: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    res = subprocess.run(
        [SNAKEMAKE, "-n", "--quiet", "rules", *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t0, res.stdout + res.stderr


def count(out: str, rule: str) -> int | None:
    m = re.search(rf"^{rule}\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--configfile", default=None)
    a = p.parse_args()
    extra = ["--configfile", a.configfile] if a.configfile else []
    _, out = plan(ROOT, extra)  # warm the file cache; also tells the job count
    jobs = count(out, "total")
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir = Path(tmp)
        (floor_dir / "Snakefile").write_text(FLOOR_SNAKEFILE.format(runs=(jobs - 2) // 4))
        ours, floor = [], []
        for _ in range(a.repeats):
            ours.append(plan(ROOT, extra)[0])
            t, floor_out = plan(floor_dir, [])
            floor.append(t)
        floor_jobs = count(floor_out, "total")
    mo, mf = statistics.median(ours), statistics.median(floor)
    print(f"# snakemake -n, {a.configfile or 'config/config.yaml (paper)'}")
    print(f"machine: {machine()}")
    print(f"jobs: {jobs} ({count(out, 'train')} training)")
    print(
        f"wall seconds: median {mo:.2f} (runs: {', '.join(f'{t:.2f}' for t in ours)}); "
        "target <= 5 s"
    )
    print(
        f"Snakemake's floor, {floor_jobs} one-file jobs: median {mf:.2f} "
        f"(runs: {', '.join(f'{t:.2f}' for t in floor)}); ours / floor = {mo / mf:.2f}"
    )


if __name__ == "__main__":
    main()
