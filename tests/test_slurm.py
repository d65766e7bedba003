"""The cluster profile against a real (throwaway, single-node) SLURM.

.ci/run brings SLURM up with scripts/slurm-up.sh (two fake GPUs) and sets PREFIX_REPRO_SLURM=1;
elsewhere this test is skipped. It submits a slice of the smoke DAG (one training and one
decoding job, the training job asking for a GPU) through profiles/slurm and checks that both
went through sbatch and that the outputs equal a local run's.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_workflow import copy_project, snakemake, two_processes

TARGET = "results/smoke/runs/lowdata/e2e/tiny-gpt2/prefix/low8s1/seed1/test.hyp.txt"

pytestmark = pytest.mark.skipif(
    os.environ.get("PREFIX_REPRO_SLURM") != "1" or not shutil.which("sbatch"),
    reason="needs the throwaway SLURM of .ci/run (PREFIX_REPRO_SLURM=1)",
)


def test_profile_dry_run_says_what_it_would_submit(tmp_path):
    copy_project(tmp_path)
    res = snakemake(
        tmp_path, TARGET, "-n", "--profile", "profiles/slurm", "--configfile", "config/smoke.yaml"
    )
    out = res.stdout + res.stderr
    assert "rule train" in out and "rule decode" in out


def test_train_and_decode_go_through_sbatch_with_a_gpu_and_match_a_local_run(tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    for d in (local, cluster):
        d.mkdir()
        copy_project(d)
    snakemake(local, TARGET, "--cores", "1", "--configfile", "config/smoke.yaml")
    # the same configuration, with one GPU per training job (the fake GRES of slurm-up.sh)
    smoke = (cluster / "config/smoke.yaml").read_text()
    gpu = smoke.replace(
        "resources: {train_threads: 1,", "resources: {train_gpu: 1, train_threads: 1,"
    )
    assert gpu != smoke
    (cluster / "config/smoke-gpu.yaml").write_text("name: smoke\n" + gpu)  # same root
    snakemake(
        cluster, TARGET, "--profile", "profiles/slurm", "--configfile", "config/smoke-gpu.yaml"
    )

    assert (cluster / TARGET).read_text() == (local / TARGET).read_text()
    logs = cluster / ".snakemake" / "slurm_logs"
    assert list(logs.glob("rule_train/**/*.log")) and list(logs.glob("rule_decode/**/*.log"))
    # every job of this run is known to SLURM; the training job carried the GPU request
    fields = "JobID:12,Comment:200,State:12,tres-per-job:40"
    jobs = subprocess.run(
        ["squeue", "--states=all", "-h", "-O", fields], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    # the newest job of each rule (job ids grow; older runs may still be listed)
    train = sorted((j.split() for j in jobs if "rule_train" in j), key=lambda j: int(j[0]))
    decode = sorted((j.split() for j in jobs if "rule_decode" in j), key=lambda j: int(j[0]))
    assert train[-1][2] == "COMPLETED" and decode[-1][2] == "COMPLETED"
    assert train[-1][3] == "gres:gpu:1"  # resources: gpu=1 reached sbatch as --gpus=1
    assert decode[-1][3] == "N/A"
    # local rules stayed local: no SLURM log for data preparation or model acquisition
    assert not list(logs.glob("rule_prepare*")) and not list(logs.glob("rule_acquire_model*"))


def test_a_two_process_training_job_asks_slurm_for_two_gpus_on_one_node(tmp_path):
    """processes: 2 -> one SLURM job with --gpus=2 running torchrun with two processes (gloo
    on this CPU node), whose weights equal a local one-process run's (tests/test_distributed)."""
    from safetensors.torch import load_file

    target = TARGET.replace("test.hyp.txt", "train.json")
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    for d in (local, cluster):
        d.mkdir()
        copy_project(d)
    # fp32 on both sides: in bf16 the two processes' smaller batches round differently (1e-2)
    fp32 = ["--config", "precision=fp32"]
    snakemake(local, target, "--cores", "1", "--configfile", "config/smoke.yaml", *fp32)
    two = two_processes((cluster / "config/smoke.yaml").read_text())
    (cluster / "config/smoke-ddp.yaml").write_text("name: smoke\n" + two)
    snakemake(
        cluster,
        target,
        "--profile",
        "profiles/slurm",
        "--configfile",
        "config/smoke-ddp.yaml",
        *fp32,
    )
    summary = json.loads((cluster / target).read_text())
    assert summary["processes"] == 2 and summary["precision"] == "fp32"
    run = Path(target).parent
    a = load_file(local / run / "prefix.safetensors")
    b = load_file(cluster / run / "prefix.safetensors")
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-5
    fields = "JobID:12,Comment:200,State:12,tres-per-job:40"
    jobs = subprocess.run(
        ["squeue", "--states=all", "-h", "-O", fields], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    train = sorted((j.split() for j in jobs if "rule_train" in j), key=lambda j: int(j[0]))
    assert train[-1][2] == "COMPLETED" and train[-1][3] == "gres:gpu:2"
