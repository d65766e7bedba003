"""The archive a long grid grows in, across sittings and machines."""

import json

import pytest

from pipeline.errors import PipelineError
from pipeline.report import archive
from pipeline.report.collect import machine_label

XEON = {"cpu": "Intel(R) Xeon(R) Processor", "cpu_bf16": None, "torch": "2.13.0+cpu"}
EPYC = {"cpu": "AMD EPYC 7B13", "cpu_bf16": None, "torch": "2.13.0+cpu"}


def _archived(root, run, machine):
    d = root / run
    d.mkdir(parents=True)
    (d / "train.json").write_text(json.dumps({"machine": machine}))
    (d / "test.metrics.json").write_text("{}")


def test_a_replicate_begun_on_another_machine_is_set_aside_to_be_trained_again_here(tmp_path):
    """Pairs of one replicate must share a machine: the runs another machine trained leave the
    archive (kept elsewhere, as a measurement of machine spread); this machine's stay."""
    runs = ["claims/m/prefix/low50s3/seed1", "claims/m/finetune/low50s3/seed1", "not/yet/run"]
    _archived(tmp_path / "runs", runs[0], EPYC)
    _archived(tmp_path / "runs", runs[1], XEON)
    moved = archive.set_aside(tmp_path / "runs", runs, tmp_path / "aside", machine_label(XEON))
    assert moved == [runs[0]]
    assert (tmp_path / "aside" / runs[0] / "train.json").exists()
    assert not (tmp_path / "runs" / runs[0]).exists()
    assert (tmp_path / "runs" / runs[1] / "train.json").exists()
    _archived(tmp_path / "runs", runs[0], EPYC)  # trained on the EPYC again, somehow
    with pytest.raises(PipelineError, match="already set aside"):
        archive.set_aside(tmp_path / "runs", runs, tmp_path / "aside", machine_label(XEON))


def test_a_replicates_run_another_machine_finished_but_never_archived_is_trained_again(tmp_path):
    """A sitting that stops mid-replicate leaves finished runs in results/, not yet archived:
    on another machine they are moved out of the way, or Snakemake would count them done and
    the archive would take them into a replicate trained here. This machine's stay."""
    runs = [
        "t5/m/emb-1/low500s1/seed1",
        "t5/m/prefix/low500s1/seed1",
        "t5/m/infix-1/low500s1/seed1",
    ]
    results = tmp_path / "results" / "cpu-ablations" / "runs"
    _archived(results, runs[0], EPYC)
    _archived(results, runs[1], XEON)
    moved = archive.set_aside(
        tmp_path / "archive", runs, tmp_path / "aside", machine_label(XEON), results
    )
    assert moved == [runs[0]]
    assert not (results / runs[0]).exists()
    assert (tmp_path / "results" / "cpu-ablations" / "set-aside" / runs[0] / "train.json").exists()
    assert (results / runs[1] / "train.json").exists()
    # the committed set-aside folder holds archived runs only
    assert not (tmp_path / "aside").exists()


def test_a_capped_kernel_path_counts_as_another_machine(monkeypatch):
    """Runs trained with MKL capped at AVX2 round like a CPU without AVX-512: they must not be
    paired with this host's uncapped runs."""
    for name in ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA"):
        monkeypatch.delenv(name, raising=False)
    plain = archive.this_machine()
    monkeypatch.setenv("MKL_ENABLE_INSTRUCTIONS", "AVX2")
    capped = archive.this_machine()
    assert capped != plain and capped.startswith(plain.rsplit(", torch", 1)[0])
    assert "kernels capped MKL_ENABLE_INSTRUCTIONS=AVX2" in capped


def test_runs_only_trained_are_archived_by_their_training_summary(tmp_path):
    """A learning-rate choice reads dev losses: its runs are trained, never decoded."""
    results = tmp_path / "results"
    trained = results / "lr/webnlg/m/prefix-lr3e-4/full/seed1"
    trained.mkdir(parents=True)
    (trained / "train.json").write_text(json.dumps({"dev_loss": 1.5}))
    assert archive.archive_runs(results, tmp_path / "a") == []  # not finished as a test run
    done = archive.archive_runs(results, tmp_path / "a", files=archive.TRAINED)
    assert done == ["lr/webnlg/m/prefix-lr3e-4/full/seed1"]
    assert (tmp_path / "a" / done[0] / "train.json").read_text() == '{"dev_loss": 1.5}'
    assert archive.archive_runs(results, tmp_path / "a", files=archive.TRAINED) == []


def test_a_run_begun_on_another_machine_is_trained_again_here_not_resumed(tmp_path):
    """A long run checkpoints, so a sitting that stops mid-run leaves a checkpoint: resumed on
    another CPU kind, the run would be trained partly on each. Its folder is moved out of the
    way (training starts afresh here); a checkpoint of this machine's is resumed."""
    runs = ["x/webnlg/m/finetune/full/seed1", "x/webnlg/m/prefix/full/seed1"]
    results = tmp_path / "results" / "cpu-extrapolation" / "runs"
    for run, machine in zip(runs, (EPYC, XEON)):
        (results / run).mkdir(parents=True)
        (results / run / "checkpoint.pt").write_bytes(b"")
        (results / run / "checkpoint.json").write_text(
            json.dumps({"step": 300, "machines": [machine]})
        )
    moved = archive.set_aside(
        tmp_path / "archive", runs, tmp_path / "aside", machine_label(XEON), results
    )
    assert moved == [runs[0]]
    assert not (results / runs[0]).exists()
    assert (results / runs[1] / "checkpoint.pt").exists()
    # a checkpoint that does not say where it was trained is not resumed here either
    (results / runs[1] / "checkpoint.json").unlink()
    moved = archive.set_aside(
        tmp_path / "archive", runs, tmp_path / "aside", machine_label(XEON), results
    )
    assert moved == [runs[1]]


def test_a_run_resumed_on_another_machine_counts_as_that_machines_too(tmp_path):
    """train.json lists every attempt's machine: one resumed here after another machine's
    attempt is not this machine's run, though its last attempt was."""
    run = "x/webnlg/m/prefix/full/seed2"
    d = tmp_path / "runs" / run
    d.mkdir(parents=True)
    (d / "train.json").write_text(json.dumps({"machine": XEON, "machines": [EPYC, XEON]}))
    moved = archive.set_aside(tmp_path / "runs", [run], tmp_path / "aside", machine_label(XEON))
    assert moved == [run]
    assert archive.trained_on(tmp_path / "aside" / run) == {
        machine_label(EPYC),
        machine_label(XEON),
    }
