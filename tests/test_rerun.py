"""Machine spread: one run trained twice, compared output by output."""

import json

import pytest

from pipeline.errors import PipelineError
from pipeline.report import rerun


def _write_run(root, path, hyps, bleu, dev, hparams=None, machine=None):
    d = root / path
    d.mkdir(parents=True)
    (d / "test.hyp.txt").write_text("\n".join(hyps) + "\n")
    (d / "test.metrics.json").write_text(json.dumps({"scores": {"BLEU": bleu}}))
    summary = {
        "hparams": hparams or {"type": "prefix", "lr": 3e-4},
        "train_examples": 100,
        "seed": 1,
        "dev_history": [{"step": 10 * (i + 1), "dev_loss": x} for i, x in enumerate(dev)],
        "selected_step": 10 * (dev.index(min(dev)) + 1),
        "machine": machine or {"cpu": "Xeon", "cpu_kernels": {"aten": "AVX512"}},
    }
    (d / "train.json").write_text(json.dumps(summary))


def test_a_rerun_reports_its_dev_loss_gap_changed_outputs_and_bleu_shift(tmp_path):
    path = "claims/e2e/m/prefix/low100s1/seed1"
    _write_run(tmp_path / "a", path, ["x", "y", "z"], 0.50, [2.0, 1.8, 1.9])
    avx2 = {"cpu": "Xeon", "cpu_kernels": {"aten": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}}
    _write_run(tmp_path / "b", path, ["x", "y2", "z"], 0.48, [2.01, 1.75, 1.7], machine=avx2)
    (row,) = rerun.compare(tmp_path / "a", tmp_path / "b")
    assert row["outputs_differ"] == 1 and row["outputs"] == 3
    assert row["dev_loss_max_gap"] == pytest.approx(0.2)
    assert (row["selected_step_original"], row["selected_step_rerun"]) == (20, 30)
    assert row["bleu_delta"] == pytest.approx(-2.0)
    assert "kernels capped MKL_ENABLE_INSTRUCTIONS=AVX2" in row["machine_rerun"]
    md = rerun.markdown([row])
    assert "| 1 of 3 |" in md and "| prefix | 1 | 2.00 | 2.00 |" in md


def test_runs_with_different_hyper_parameters_are_not_compared(tmp_path):
    path = "claims/e2e/m/prefix/low100s1/seed1"
    _write_run(tmp_path / "a", path, ["x"], 0.5, [2.0])
    _write_run(tmp_path / "b", path, ["x"], 0.5, [2.0], hparams={"type": "prefix", "lr": 1e-3})
    with pytest.raises(PipelineError, match="hparams differs.*not the same run"):
        rerun.compare(tmp_path / "a", tmp_path / "b")


def test_only_runs_finished_on_both_sides_are_compared(tmp_path):
    _write_run(tmp_path / "a", "claims/x/seed1", ["x"], 0.5, [2.0])
    _write_run(tmp_path / "a", "claims/y/seed1", ["x"], 0.5, [2.0])
    _write_run(tmp_path / "b", "claims/x/seed1", ["x"], 0.5, [2.0])
    assert [r["run"] for r in rerun.compare(tmp_path / "a", tmp_path / "b")] == ["claims/x/seed1"]
    with pytest.raises(PipelineError, match="no finished run in common"):
        rerun.compare(tmp_path / "a", tmp_path / "c")
