"""A crash loses no work, the same seed gives the same result, bad input stops cleanly."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

PY = sys.executable
HP = {
    "type": "prefix",
    "prefix_length": 4,
    "mid_dim": 32,
    "lr": 5e-3,
    "max_steps": 24,
    "batch_size": 4,
    "eval_every": 10,
    "checkpoint_every": 3,
}


def run(args, check=True, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([PY, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, **kw)
    if check and res.returncode != 0:
        raise AssertionError(res.stderr[-3000:])
    return res


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from pipeline.data.prepare import prepare

    out = tmp_path_factory.mktemp("data")
    prepare("e2e", FIXTURES / "mirror" / "e2e", out, train_pool="train")
    return out


def train_args(hp, model_dir, data, out):
    return [
        "pipeline.train",
        "--hparams",
        json.dumps(hp),
        "--model-dir",
        str(model_dir),
        "--train",
        str(data / "train.jsonl"),
        "--dev",
        str(data / "dev.jsonl"),
        "--out-dir",
        str(out),
        "--seed",
        "3",
        "--threads",
        "1",
    ]


def start_training_until_a_checkpoint(hp, model, data, out: Path) -> subprocess.Popen:
    """A training process, returned once its first periodic checkpoint is on disk."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [PY, "-m", *train_args(hp, model, data, out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_file(out / "checkpoint.pt", proc, 120)
    return proc


def wait_for_file(path: Path, proc: subprocess.Popen, seconds: float) -> None:
    """Until ``path`` exists, ``proc`` has ended, or ``seconds`` have passed."""
    deadline = time.time() + seconds
    while not path.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("mtype", ["finetune"])  # prefix: the Snakemake-path test below
def test_kill_9_mid_training_then_rerun_ends_with_identical_weights(
    tmp_path, tiny_models, data, mtype
):
    hp = {**HP, "type": mtype, "lr": 5e-3 if mtype == "prefix" else 1e-3}
    model = tiny_models["gpt2"]
    run(train_args(hp, model, data, tmp_path / "straight"))

    crashed = tmp_path / "crashed"
    proc = start_training_until_a_checkpoint(hp, model, data, crashed)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert (crashed / "checkpoint.pt").exists() and not (crashed / "train.json").exists()
    # what the checkpoint holds, readable without torch: where the run stands and trained
    info = json.loads((crashed / "checkpoint.json").read_text())
    assert info["step"] >= 3 and len(info["machines"]) == 1

    run(train_args(hp, model, data, crashed))
    summary = json.loads((crashed / "train.json").read_text())
    assert summary["resumed_from_steps"] and summary["resumed_from_steps"][0] >= 3
    assert summary["machines"] == [info["machines"][0], summary["machine"]]  # both attempts
    assert not (crashed / "checkpoint.pt").exists()  # removed once the output is complete
    assert not (crashed / "checkpoint.json").exists()
    weights = "prefix.safetensors" if mtype == "prefix" else "model/model.safetensors"
    assert digest(crashed / weights) == digest(tmp_path / "straight" / weights)
    straight = json.loads((tmp_path / "straight" / "train.json").read_text())
    assert summary["train_loss"] == straight["train_loss"]


def test_the_same_seed_gives_byte_identical_weights(tmp_path, tiny_models, data):
    hp = {**HP, "max_steps": 6, "checkpoint_every": None}
    run(train_args(hp, tiny_models["gpt2"], data, tmp_path / "a"))
    run(train_args(hp, tiny_models["gpt2"], data, tmp_path / "b"))
    assert digest(tmp_path / "a" / "prefix.safetensors") == digest(
        tmp_path / "b" / "prefix.safetensors"
    )


def test_a_nan_loss_stops_with_the_step_number(tmp_path, tiny_models, data):
    hp = {**HP, "lr": 1e30, "max_steps": 30, "checkpoint_every": None, "grad_clip": 1e30}
    res = run(train_args(hp, tiny_models["gpt2"], data, tmp_path / "nan"), check=False)
    assert res.returncode == 1
    assert "non-finite training loss" in res.stderr and "at step" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "nan" / "train.json").exists()


def test_a_hypothesis_file_of_the_wrong_length_is_rejected(tmp_path, data):
    hyp = tmp_path / "hyp.txt"
    hyp.write_text("one line only\n")
    out = tmp_path / "metrics.json"
    res = run(
        [
            "pipeline.evaluate",
            "--dataset",
            "e2e",
            "--hyp",
            str(hyp),
            "--test",
            str(data / "test.jsonl"),
            "--out",
            str(out),
        ],
        check=False,
    )
    assert res.returncode == 1 and "hyp.txt: 1 lines" in res.stderr
    assert not out.exists()


def test_a_malformed_csv_stops_prepare_and_leaves_no_output(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("trainset.csv", "testset_w_refs.csv"):
        (raw / name).write_bytes((FIXTURES / "mirror" / "e2e" / name).read_bytes())
    (raw / "devset.csv").write_text('mr,ref\n"name[A], eatType[pub]",fine\n"name[B]",x,y\n')
    out = tmp_path / "out"
    res = run(
        ["pipeline.data.prepare", "--dataset", "e2e", "--raw-dir", str(raw), "--out-dir", str(out)],
        check=False,
    )
    assert res.returncode == 1 and "devset.csv:3" in res.stderr
    assert not out.exists() or not any(out.iterdir())


def test_an_unreachable_model_id_names_the_id(tmp_path, monkeypatch):
    from pipeline.models import load

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(load.ModelAcquisitionError, match="no-such-org/no-such-model"):
        load.acquire("x", {"source": "hub", "id": "no-such-org/no-such-model"}, tmp_path)


def test_kill_9_of_snakemake_mid_training_then_rerun_resumes_to_the_same_weights(tmp_path):
    """The Snakemake path: kill the whole job tree, rerun with --rerun-incomplete."""
    from tests.test_workflow import copy_project, snakemake

    target = "results/smoke/runs/lowdata/e2e/tiny-gpt2/prefix/low8s1/seed1/train.json"
    dirs = {}
    for name in ("straight", "crashed"):
        d = copy_project(tmp_path / name)
        cfg = (d / "config/smoke.yaml").read_text()
        resumable = cfg.replace(
            "max_steps: 4, eval_every: 2, batch_size: 4}",
            "max_steps: 24, eval_every: 2, batch_size: 4, checkpoint_every: 2}",
        )
        assert resumable != cfg
        (d / "config/resumable.yaml").write_text("name: smoke\n" + resumable)  # same root
        dirs[name] = d
    snakemake(dirs["straight"], target, "--cores", "1", "--configfile", "config/resumable.yaml")

    crashed = dirs["crashed"]
    ckpt = crashed / Path(target).parent / "checkpoint.pt"
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    proc = subprocess.Popen(
        [
            str(bindir / "snakemake"),
            target,
            "--cores",
            "1",
            "--configfile",
            "config/resumable.yaml",
        ],
        cwd=crashed,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_file(ckpt, proc, 180)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert ckpt.exists() and not (crashed / target).exists()

    # a killed Snakemake leaves its lock behind: --unlock, then rerun
    snakemake(crashed, "--unlock", "--configfile", "config/resumable.yaml")
    snakemake(
        crashed,
        target,
        "--cores",
        "1",
        "--rerun-incomplete",
        "--configfile",
        "config/resumable.yaml",
    )
    summary = json.loads((crashed / target).read_text())
    assert summary["resumed_from_steps"]
    run = Path(target).parent
    assert digest(crashed / run / "prefix.safetensors") == digest(
        dirs["straight"] / run / "prefix.safetensors"
    )


def test_no_pickle_is_loaded_from_outside():
    """Weights are safetensors; the only torch.load (our own checkpoints) is weights_only."""
    for path in (ROOT / "pipeline").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if "torch.load(" in line:
                assert "weights_only=True" in line, f"{path}:{n}"


def test_a_hub_model_fetches_only_config_tokenizer_and_safetensors_at_its_commit(
    tmp_path, monkeypatch, tiny_models
):
    import shutil

    import huggingface_hub

    from pipeline.models import load

    calls = []

    def snapshot(repo_id, **kw):  # stands in for the hub: the tiny model as a snapshot
        calls.append((repo_id, kw))
        shutil.copytree(tiny_models["gpt2"], tmp_path / "snap")
        return str(tmp_path / "snap")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot)
    commit = "6dcaa7a952f72f9298047fd5137cd6e4f05f41da"
    spec = {"source": "hub", "id": "org/model", "revision": commit, "cache_dir": "/hf"}
    info = load.acquire("m", spec, tmp_path / "out")
    repo, kw = calls[0]
    assert repo == "org/model" and kw["revision"] == commit and kw["cache_dir"] == "/hf"
    assert "*.safetensors" in kw["allow_patterns"] and "*.bin" not in kw["allow_patterns"]
    assert "local_dir" not in kw  # the HF cache holds it, not a temporary copy
    assert info["parameters"] > 0
    with pytest.raises(load.ModelAcquisitionError, match="not a full commit"):
        load.acquire("m", {**spec, "revision": "main"}, tmp_path / "out2")


def test_sigterm_checkpoints_the_last_step_and_the_rerun_ends_identical(
    tmp_path, tiny_models, data
):
    """A SLURM time limit: the job is told to stop, saves where it is, and resumes."""
    hp = {**HP, "checkpoint_every": 50, "max_steps": 150, "eval_every": None}
    model = tiny_models["gpt2"]
    run(train_args(hp, model, data, tmp_path / "straight"))
    stopped = tmp_path / "stopped"  # mid-training: the periodic checkpoint of step 50 is there
    proc = start_training_until_a_checkpoint(hp, model, data, stopped)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "stopped by signal" in err and "Traceback" not in err
    assert (stopped / "checkpoint.pt").exists() and not (stopped / "train.json").exists()
    # the stopped attempt is timed up to its checkpoint, so the run's cost survives the resume
    first = json.loads((stopped / "checkpoint.json").read_text())["attempt_seconds"]
    assert len(first) == 1 and first[0] > 0
    run(train_args(hp, model, data, stopped))
    summary = json.loads((stopped / "train.json").read_text())
    assert 50 <= summary["resumed_from_steps"][0] < 150
    assert summary["attempt_seconds"] == [first[0], summary["seconds"]]
    straight = tmp_path / "straight" / "prefix.safetensors"
    assert digest(stopped / "prefix.safetensors") == digest(straight)
