"""A grid's measured cost, from the seconds its archived runs recorded (pipeline.report.run_cost)."""

import pytest

from pipeline.errors import InputError
from pipeline.io import write_json
from pipeline.report import run_cost

EPYC = {"cpu": "AMD EPYC", "cpu_bf16": "avx512_bf16", "torch": "2.13.0+cpu"}


def _run(root, run, steps, seconds, decode=None, resumed=(), attempts=None):
    summary = {"steps": steps, "seconds": seconds, "resumed_from_steps": list(resumed)}
    if attempts is not None:
        summary["attempt_seconds"] = attempts
    write_json(root / run / "train.json", {**summary, "machine": EPYC})
    if decode is not None:
        write_json(root / run / "test.decode.json", {"seconds": decode})


def test_an_arm_pools_its_subsets_and_seeds_into_seconds_per_run_and_per_step(tmp_path):
    _run(tmp_path, "table5/e2e/m/emb-1/low500s1/seed1", 100, 600, decode=100)
    _run(tmp_path, "table5/e2e/m/emb-1/low500s2/seed1", 100, 800, decode=140)
    _run(tmp_path, "table5/e2e/m/prefix/low500s1/seed1", 100, 1000)
    text = run_cost.table(run_cost.measured(tmp_path))
    # 2 runs x 700 s of training + 240 s of decoding = 1,640 CPU-s
    assert (
        "| table5 | emb-1 | low500 | 2 | 100 | 700 (600-800) | 7.0 | 120 (100-140) | 0.46 |" in text
    )
    assert "| table5 | prefix | low500 | 1 | 100 | 1000 | 10.0 | – | 0.28 |" in text
    assert "3 runs, 0.7 CPU-hours" in text
    assert "AMD EPYC, avx512_bf16, torch 2.13.0+cpu" in text


def test_a_resumed_run_costs_the_sum_of_its_attempts(tmp_path):
    """Each attempt is timed up to its last checkpoint (train.json attempt_seconds)."""
    _run(tmp_path, "x/e2e/m/prefix/full/seed1", 600, 3600)
    _run(tmp_path, "x/e2e/m/prefix/full/seed2", 600, 100, resumed=[550], attempts=[3000, 100])
    text = run_cost.table(run_cost.measured(tmp_path))
    # (3600 + 3100) / 2 per run; 6,700 s = 1.86 CPU-h
    assert "| x | prefix | full | 2 (1 resumed) | 600 | 3350 (3100-3600) | 5.6 | – | 1.86 |" in text
    assert "estimated" not in text.split("\n\n")[0]  # the table: measured, not estimated


def test_a_run_resumed_before_attempts_were_timed_is_estimated_at_its_last_attempts_pace(
    tmp_path,
):
    """Its seconds cover the last attempt only: 100 s for the 50 steps after step 550."""
    _run(tmp_path, "x/e2e/m/prefix/full/seed2", 600, 100, resumed=[550])
    text = run_cost.table(run_cost.measured(tmp_path))
    assert (
        "| x | prefix | full | 1 (1 resumed, 1 estimated) | 600 | 1200 | 2.0 | – | 0.33 |" in text
    )
    assert "*estimated*" in text


def test_an_empty_archive_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputError, match=str(tmp_path)):
        run_cost.main(["--runs", str(tmp_path)])
