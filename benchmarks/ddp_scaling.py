"""Data-parallel scaling of one training run: 1 process vs N (torchrun), same global batch.

A random GPT-2-medium geometry (``--model gpt2-small`` for a quick check; nothing to download) trains prefix-tuning and fine-tuning for
``--steps`` steps on synthetic table-to-text rows through ``python -m pipeline.train``, once
with one process and once with N; printed: seconds per step (from the runs' own training
time, model loading excluded by differencing two step counts), the speed-up and the parallel
efficiency. On GPUs N defaults to the visible count; without two GPUs it says so and exits 0
unless ``--device cpu`` asks for gloo processes (a correctness exercise, not a speed claim).

Usage: python benchmarks/ddp_scaling.py [--processes N] [--device cuda|cpu] [--precision bf16]
       [--batch 16] [--steps 40]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import GPT2_MEDIUM, GPT2_SMALL, ROOT


def run(processes: int, hp: dict, model: Path, data: Path, out: Path, device: str, precision: str):
    launch = (
        [sys.executable, "-m"]
        if processes == 1
        else [sys.executable, "-m", "torch.distributed.run", "--standalone",
              f"--nproc-per-node={processes}", "-m"]
    )  # fmt: skip
    args = [
        "pipeline.train", "--hparams", json.dumps(hp), "--model-dir", str(model),
        "--train", str(data / "train.jsonl"), "--dev", str(data / "dev.jsonl"),
        "--out-dir", str(out), "--seed", "1", "--threads", "1",
        "--device", device, "--precision", precision,
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run(launch + args, check=True, env=env, cwd=ROOT, capture_output=True)
    return json.loads((out / "train.json").read_text())["seconds"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--precision", default="bf16")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--model", default="gpt2-medium", choices=["gpt2-medium", "gpt2-small"])
    a = p.parse_args()
    import torch

    from pipeline.models.load import acquire

    if a.device == "cuda":
        gpus = torch.cuda.device_count()
        if gpus < 2:
            print(f"ddp_scaling: {gpus} CUDA GPU(s) visible; scaling needs 2 or more: not measured")
            return
    n = a.processes or (torch.cuda.device_count() if a.device == "cuda" else 2)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = tmp / a.model
        geometry = GPT2_MEDIUM if a.model == "gpt2-medium" else GPT2_SMALL
        acquire(a.model, {"source": "random", "arch": "gpt2", "config": geometry}, model)
        data = tmp / "data"
        data.mkdir()
        rows = [
            {"source": f"name : Place {i} | area : riverside | food : dish {i % 7} | "
             f"priceRange : moderate", "target": f"Place {i} is a moderate place by the river "
             f"serving dish {i % 7}, liked by families and students alike."}
            for i in range(4 * a.batch * a.steps)
        ]  # fmt: skip
        for name, part in (("train", rows), ("dev", rows[: a.batch])):
            (data / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
        print(f"{a.model} (random), {a.device} x {n}, {a.precision}, global batch {a.batch}")
        print("| method | processes | s/step | speed-up | efficiency |")
        print("|---|---|---|---|---|")
        for method in ("prefix", "finetune"):
            per_step = {}
            for procs in (1, n):
                hp = {"type": method, "prefix_length": 10, "mid_dim": 512, "lr": 5e-5,
                      "batch_size": a.batch, "max_length": 128}  # fmt: skip
                long = run(procs, {**hp, "max_steps": a.steps}, model, data,
                           tmp / f"{method}{procs}a", a.device, a.precision)  # fmt: skip
                short = run(procs, {**hp, "max_steps": a.steps // 4}, model, data,
                            tmp / f"{method}{procs}b", a.device, a.precision)  # fmt: skip
                per_step[procs] = (long - short) / (a.steps - a.steps // 4)
            speed = per_step[1] / per_step[n]
            for procs in (1, n):
                s = per_step[procs]
                sp = speed if procs == n else 1.0
                print(f"| {method} | {procs} | {s:.3f} | {sp:.2f}x | {100 * sp / procs:.0f}% |")


if __name__ == "__main__":
    main()
