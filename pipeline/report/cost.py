"""What a configuration costs on one A100-class GPU: GPU-hours per exhibit, and disk.

An estimate from first principles, calibrated on the paper's own timings, never a measurement
(``make gpu-check`` measures; ``benchmarks/README.md`` records what was measured):

- Training FLOPs per token: 6N for methods that update the LM's weights (fine-tuning;
  FT-top2 counted as fine-tuning), 4N for methods with a frozen LM (forward 2N, backward
  through the activations 2N, no weight gradients): the paper's prefix / fine-tuning time
  ratio, 0.2 / 0.3 h per epoch, is 4 / 6. Tokens per example: the paper's Table 1 averages
  (input + output BPE tokens), times 1.25 for padding to the longest row of a batch.
- Achieved throughput: 30% of the GPU's peak (A100: 312 TFLOP/s bf16 / fp16, 156 TF32,
  19.5 fp32). The paper's own timings, counted by these rules, imply 30% (WebNLG prefix-tuning,
  0.2 h per epoch on a TITAN Xp, 12 TFLOP/s fp32) and 37% (XSUM prefix-tuning, 1.25 h per
  epoch on a V100 in fp16, 125 TFLOP/s): XSUM's estimate errs ~20% high.
- Decoding is latency-bound: (test instances / batch) x generated tokens x one step per
  decoder layer at ``STEP_MS_PER_LAYER`` ms (beam search on an A100), plus the prompt's
  forward FLOPs; the same in every precision.
- Dev-loss evaluations and attention FLOPs (<= 6% at XSUM's 512 tokens) are left out.

Usage: python -m pipeline.report.cost [--configfile config/config.yaml] [--precision bf16]
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict

from pipeline import config as pconf
from pipeline.data import registry
from pipeline.methods import WHOLE_MODEL
from pipeline.runtime import entry_point

PEAK_TFLOPS = {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0, "fp16": 312.0}
MFU = 0.30
PADDING = 1.25
STEP_MS_PER_LAYER = 0.5
# the paper's Table 1 (BPE tokens per example: input, output)
TOKENS = {n: r.paper_stats[1:] for n, r in registry.releases().items() if r.paper_stats}
# training-set sizes and test instances as prepared
TRAIN_EXAMPLES = {"e2e": 42_061, "webnlg": 18_025, "dart": 62_659, "xsum": 204_045}
TEST_SIZE = {n: r.test_size for n, r in registry.releases().items() if r.test_size}
# parameters and decoder layers of the hub models the paper used
MODELS = {
    "openai-community/gpt2-medium": (354.8e6, 24),
    "facebook/bart-large": (406.3e6, 12),
}


def run_cost(config: dict, run, precision: str) -> dict:
    """GPU-hours to train and decode one run, and the bytes its weights keep on disk."""
    ds = config["datasets"][run.dataset]
    release = ds["release"]
    spec = config["models"][run.model]
    if spec.get("id") not in MODELS:
        return {"train_h": math.nan, "decode_h": math.nan, "disk_gb": math.nan}
    n_params, layers = MODELS[spec["id"]]
    hp = run.hparams
    src, tgt = TOKENS[release]
    src = min(src, ds.get("max_source_tokens") or src)
    examples = run.size or TRAIN_EXAMPLES[release]
    if hp.get("max_steps"):
        seen = hp["max_steps"] * hp["batch_size"]
    else:
        seen = examples * hp.get("epochs", 5)
    flops_per_token = (6 if hp["type"] in WHOLE_MODEL else 4) * n_params
    train_flops = seen * (src + tgt) * PADDING * flops_per_token
    train_h = train_flops / (PEAK_TFLOPS[precision] * 1e12 * MFU) / 3600

    dec = {**config["decoding"], **ds.get("decoding", {})}
    every = (ds.get("test_subset") or {}).get("every") or 1
    instances = math.ceil(TEST_SIZE[release] / every)
    batches = math.ceil(instances / dec.get("batch_size", 10))
    steps = batches * min(dec.get("max_new_tokens", 100), 2 * tgt)
    prompt_flops = instances * dec.get("num_beams", 5) * src * 2 * n_params
    decode_s = steps * layers * STEP_MS_PER_LAYER / 1000 + prompt_flops / (
        PEAK_TFLOPS[precision] * 1e12 * MFU
    )
    keeps = config["experiments"][run.experiment].get("keep_weights", True)
    disk = 4 * n_params / 1e9 if hp["type"] in WHOLE_MODEL and keeps else 0.0
    return {"train_h": train_h, "decode_h": decode_s / 3600, "disk_gb": disk}


def exhibit_costs(config: dict, precision: str) -> dict[str, dict]:
    """Per exhibit: runs, GPU-hours, disk (a run feeding several exhibits counts in each)."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    for run in pconf.expand_runs(config):
        cost = run_cost(config, run, precision)
        for exhibit in config["experiments"][run.experiment].get("exhibits") or ["(none)"]:
            row = out[exhibit]
            row["runs"] += 1
            for k, v in cost.items():
                row[k] += v
    return {k: dict(v) for k, v in out.items()}


def markdown(config: dict, precision: str) -> str:
    costs = exhibit_costs(config, precision)
    lines = [
        f"| exhibit | runs | train GPU-h | decode GPU-h | kept weights GB |  ({precision}, one A100)",
        "|---|---|---|---|---|",
    ]
    for name, c in sorted(costs.items()):
        lines.append(
            f"| {name} | {c['runs']:.0f} | {c['train_h']:.1f} | {c['decode_h']:.1f} "
            f"| {c['disk_gb']:.0f} |"
        )
    runs = {r.path: run_cost(config, r, precision) for r in pconf.expand_runs(config)}
    total = {k: sum(c[k] for c in runs.values()) for k in ("train_h", "decode_h", "disk_gb")}
    lines.append(
        f"| **all {len(runs)} runs** | {len(runs)} | {total['train_h']:.0f} "
        f"| {total['decode_h']:.0f} | {total['disk_gb']:.0f} |"
    )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configfile", default="config/config.yaml")
    p.add_argument("--precision", choices=sorted(PEAK_TFLOPS), default=None)
    a = p.parse_args(argv)
    config = pconf.load(a.configfile)
    precision = a.precision or config["precision"]
    print(markdown(config, "fp32" if precision == "auto" else precision), end="")


if __name__ == "__main__":
    entry_point(main)
