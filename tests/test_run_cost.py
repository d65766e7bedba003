"""A grid's measured cost, from the seconds its archived runs recorded (pipeline.report.run_cost)."""

import pytest

from pipeline.errors import InputError
from pipeline.io import write_json
from pipeline.report import run_cost

EPYC = {"cpu": "AMD EPYC", "cpu_bf16": "avx512_bf16", "torch": "2.13.0+cpu"}


def _run(root, run, steps, seconds, decode=None, resumed=()):
    write_json(
        root / run / "train.json",
        {"steps": steps, "seconds": seconds, "resumed_from_steps": list(resumed), "machine": EPYC},
    )
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


def test_a_resumed_runs_seconds_are_left_out_but_the_run_is_counted_at_its_peers_mean(tmp_path):
    """A resumed run's seconds cover its last attempt only."""
    _run(tmp_path, "x/e2e/m/prefix/full/seed1", 600, 3600)
    _run(tmp_path, "x/e2e/m/prefix/full/seed2", 600, 100, resumed=[550])
    text = run_cost.table(run_cost.measured(tmp_path))
    assert "| x | prefix | full | 2 (1 resumed) | 600 | 3600 | 6.0 | – | 2.00 |" in text


def test_an_empty_archive_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputError, match=str(tmp_path)):
        run_cost.main(["--runs", str(tmp_path)])
