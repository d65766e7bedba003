"""One run as two processes (gloo on CPU) equals the one-process run: same global batch,
schedule, data order and clipping; rank 0 writes; a checkpoint resumes with any number of
processes; decoding shards its batches and reassembles the outputs in test order.

Tolerance 1e-5 on every weight: the two processes' gradients are summed in another order
than one process sums the whole batch, so each gradient element differs by a few fp32 ulps,
and Adam's per-element normalisation keeps those differences relative. Measured after the 12
steps at lr 3e-3: 3.6e-7 (GPT-2), 1.9e-7 (BART). The usual sharing mistake, averaging each
process's own mean loss (unequal shares of 2 and 1 examples), moves the weights by 0.11 and
0.08: four orders of magnitude above the tolerance.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from pipeline.models.load import acquire
from tests.conftest import TINY_BART, TINY_GPT2
from tests.test_robustness import wait_for_file

TOLERANCE = 1e-5
NO_DROPOUT = {
    "gpt2": {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0},
    "bart": {"dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0},
}
HP = {
    "type": "prefix",
    "prefix_length": 3,
    "mid_dim": 16,
    "lr": 3e-3,
    "batch_size": 3,  # 2 + 1 examples per process: unequal shares
    "max_steps": 12,
    "eval_every": 4,
    "max_length": 64,
}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Tiny GPT-2 and BART without dropout (dropout masks are per-process streams)."""
    root = tmp_path_factory.mktemp("ddp-models")
    out = {}
    for name, spec in (("gpt2", TINY_GPT2), ("bart", TINY_BART)):
        spec = {**spec, "config": {**spec["config"], **NO_DROPOUT[name]}}
        acquire(name, spec, root / name)
        out[name] = root / name
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp-data")
    rows = [
        {
            "source": f"name : Place {i} | food : dish {i % 4}",
            "target": f"Place {i} serves {i % 4}.",
        }
        for i in range(20)
    ]
    for name, part in (("train", rows[:14]), ("dev", rows[14:])):
        (root / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
    return root


def command(processes: int, module: str, *args: str) -> list[str]:
    if processes == 1:
        return [sys.executable, "-m", module, *args]
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={processes}",
        "-m",
        module,
        *args,
    ]


ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def train_args(hp, model_dir, data, out):
    return [
        "--hparams", json.dumps(hp), "--model-dir", str(model_dir),
        "--train", str(data / "train.jsonl"), "--dev", str(data / "dev.jsonl"),
        "--out-dir", str(out), "--seed", "1", "--threads", "1", "--device", "cpu",
    ]  # fmt: skip


def train(processes, hp, model_dir, data, out) -> dict:
    res = subprocess.run(
        command(processes, "pipeline.train", *train_args(hp, model_dir, data, out)),
        capture_output=True, text=True, env=ENV, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-4000:]
    return json.loads((out / "train.json").read_text())


def weights(out: Path) -> dict[str, torch.Tensor]:
    return load_file(out / "prefix.safetensors")


def max_difference(a: Path, b: Path) -> float:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    return max((wa[k].float() - wb[k].float()).abs().max().item() for k in wa)


@pytest.mark.parametrize("arch", ["gpt2", "bart"])
def test_two_processes_train_what_one_process_trains(models, data, tmp_path, arch):
    one = train(1, HP, models[arch], data, tmp_path / "one")
    two = train(2, HP, models[arch], data, tmp_path / "two")
    assert two["processes"] == 2 and one["processes"] == 1
    assert max_difference(tmp_path / "one", tmp_path / "two") < TOLERANCE
    # the dev loss (sharded too) and the checkpoint it selects agree
    for a, b in zip(one["dev_history"], two["dev_history"], strict=True):
        assert a["step"] == b["step"] and a["dev_loss"] == pytest.approx(b["dev_loss"], rel=1e-5)
    assert one["selected_step"] == two["selected_step"]
    assert one["train_loss"] == pytest.approx(two["train_loss"], rel=1e-4)
    # only rank 0 wrote: one summary, one set of weights, no checkpoint left behind
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(
        p.name for p in (tmp_path / "one").iterdir()
    )


def kill_tree(pid: int) -> None:
    """SIGKILL a launcher and every process below it (torchrun starts each worker in a
    session of its own, out of reach of a process-group kill; SLURM kills the job's cgroup)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, []))
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_two_process_run_resumes_from_its_checkpoint_with_one_or_two_processes(
    models, data, tmp_path
):
    hp = {**HP, "max_steps": 300, "eval_every": None, "checkpoint_every": 2, "lr": 1e-3}
    train(2, hp, models["gpt2"], data, tmp_path / "straight")
    for n in (1, 2):
        out = tmp_path / f"resumed-{n}"
        proc = subprocess.Popen(
            command(2, "pipeline.train", *train_args(hp, models["gpt2"], data, out)),
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_for_file(out / "checkpoint.pt", proc, 300)
        kill_tree(proc.pid)  # the node died: no time to write anything
        proc.wait()
        assert (out / "checkpoint.pt").exists() and not (out / "train.json").exists()
        summary = train(n, hp, models["gpt2"], data, out)
        assert summary["resumed_from_steps"] and summary["resumed_from_steps"][0] < 300
        assert max_difference(tmp_path / "straight", out) < TOLERANCE


def test_two_processes_decode_the_same_outputs_in_test_order(models, data, tmp_path):
    run = tmp_path / "run"
    train(1, {**HP, "max_steps": 4}, models["gpt2"], data, run)
    test = tmp_path / "test.jsonl"
    rows = [{"source": f"name : Place {i} | food : dish {i % 3}", "refs": ["x"]} for i in range(11)]
    test.write_text("".join(json.dumps(r) + "\n" for r in rows))
    decoding = {"num_beams": 2, "max_new_tokens": 6, "min_new_tokens": 1, "batch_size": 2}
    outs = {}
    for n in (1, 2):
        hyp = tmp_path / f"hyp{n}.txt"
        args = [
            "--hparams", json.dumps({**HP, "max_steps": 4}), "--run-dir", str(run),
            "--model-dir", str(models["gpt2"]), "--test", str(test),
            "--decoding", json.dumps(decoding), "--out", str(hyp),
            "--info", str(tmp_path / f"info{n}.json"), "--device", "cpu",
        ]  # fmt: skip
        res = subprocess.run(
            command(n, "pipeline.decode", *args), capture_output=True, text=True, env=ENV
        )
        assert res.returncode == 0, res.stderr[-4000:]
        outs[n] = hyp.read_text()
        assert json.loads((tmp_path / f"info{n}.json").read_text())["processes"] == n
    assert outs[1] == outs[2] and len(outs[1].splitlines()) == len(rows)
