"""Shared pieces of the benchmark scripts: models, timing, memory, subprocess workers.

Benchmarks print their figures; they never assert. Each configuration whose peak memory is
reported runs in its own process (``ru_maxrss`` is per process and never goes down).
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SMOLLM2_DIR = ROOT / "results/models/smollm2-135m"
# GPT-2 small's geometry (124 M parameters) with random weights: nothing to download
GPT2_SMALL = {"n_layer": 12, "n_embd": 768, "n_head": 12, "n_positions": 1024, "vocab_size": 50257}
GPT2_MEDIUM = {
    "n_layer": 24,
    "n_embd": 1024,
    "n_head": 16,
    "n_positions": 1024,
    "vocab_size": 50257,
}


def load_model(name: str):
    """``smollm2`` (acquired by the workflow: snakemake --configfile config/demo.yaml
    results/models/smollm2-135m/acquired.json), ``gpt2-small`` or ``gpt2-medium`` (random)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    if name == "smollm2":
        from pipeline.models.load import load

        if not (SMOLLM2_DIR / "config.json").exists():
            raise SystemExit(
                f"{SMOLLM2_DIR} missing: run `snakemake --cores 1 "
                "results/models/smollm2-135m/acquired.json --configfile config/demo.yaml` first"
            )
        return load(SMOLLM2_DIR)[0]
    geometry = {"gpt2-small": GPT2_SMALL, "gpt2-medium": GPT2_MEDIUM}[name]
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(**geometry))


def median_seconds(fn, steps: int, warmup: int) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(script: Path, args: list[str]) -> dict:
    """Run ``script --worker args`` in a fresh process; it prints one JSON line last."""
    res = subprocess.run(
        [sys.executable, str(script), "--worker", *args], capture_output=True, text=True
    )
    if res.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def machine() -> str:
    import os

    import torch

    from pipeline.device import cpu_bf16, cpu_model

    load = os.getloadavg()[0]
    return (
        f"{cpu_model()} (native bf16: {cpu_bf16() or 'none'}), {os.cpu_count()} cores, "
        f"load average {load:.1f} at start, torch {torch.__version__}, Python "
        f"{platform.python_version()}"
    )
