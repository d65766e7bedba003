"""How far bf16 decoding lands from fp32 for one fixed trained run: the rounding of one
precision without the chaos of training in it (the precision study, docs/results/precision).

A finished run (prefix or fine-tuning, weights kept) decodes its test set greedily through
``pipeline.decode`` in each setting, in this one process:

- ``fp32``: the reference;
- ``bf16, weights held in bf16``: what a bf16 job does (the whole model and the prefix cast to
  bf16, so the residual stream is bf16 too);
- ``bf16 autocast, fp32 weights``: matmuls in bf16 under autocast, the weights, norms and
  residual stream in fp32 (what fine-tuning's training forward computes in bf16);
- ``bf16 autocast, linear weights in bf16``: the same arithmetic (autocast rounds an fp32
  weight to the same bf16 value) with the blocks' linear weights cast once instead of at every
  step; embeddings (tied to the LM head), norms and residual stream stay fp32.

Printed per setting: test outputs identical to fp32's, BLEU (E2E official tokenisation), and
seconds. Prints, never asserts.

Usage: python benchmarks/precision_error.py RUN_DIR [RUN_DIR ...] --test TEST_JSONL [--n N]
       [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from common import machine

# setting -> (the placement it decodes with, whether under bf16 autocast)
SETTINGS = {
    "fp32": ("fp32", False),
    "bf16, weights held in bf16": ("bf16", False),
    "bf16 autocast, fp32 weights": ("fp32", True),
    "bf16 autocast, linear weights in bf16": ("bf16-mixed", True),
}


def decode_in(run_dir: Path, setting: str, sources: list[str], dc: dict) -> tuple[list, float]:
    import contextlib

    import torch

    from pipeline import methods
    from pipeline.decode import DEFAULT_DECODING, decode, place_for_decoding
    from pipeline.device import Placement
    from pipeline.io import read_json
    from pipeline.textformat import TextFormat

    hp = read_json(run_dir / "train.json")["hparams"]
    model_dir = Path("results/models/smollm2-135m")
    system, tok, past = methods.load_for_decoding(hp, run_dir, model_dir)
    lm = system.lm if past is not None else system
    precision, autocast = SETTINGS[setting]
    lm, past = place_for_decoding(lm.eval(), past, Placement(torch.device("cpu"), precision))
    past, infix = methods.method(hp["type"]).decoding_inputs(past)
    context = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    t0 = time.perf_counter()
    with context:
        out = decode(
            lm,
            tok,
            sources,
            {**DEFAULT_DECODING, **dc},
            past,
            False,
            hp.get("max_source_tokens"),
            infix,
            TextFormat.of(hp),
        )
    return out, time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", type=Path)
    p.add_argument("--test", required=True)
    p.add_argument("--n", type=int, default=None, help="the first N test instances")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    import torch

    from pipeline.io import read_jsonl
    from pipeline.metrics.e2e import bleu

    torch.set_num_threads(a.threads)
    rows = read_jsonl(a.test)[: a.n]
    sources, refs = [r["source"] for r in rows], [r["refs"] for r in rows]
    print(f"# {machine()}; {len(rows)} test instances, greedy, {a.threads} thread(s)")
    print("| run | setting | identical to fp32 | BLEU | seconds |")
    print("|---|---|---|---|---|")
    for run in a.runs:
        dc = json.loads((run / "test.decode.json").read_text())["decoding"]
        reference = None
        for setting in SETTINGS:
            out, secs = decode_in(run, setting, sources, dc)
            reference = reference or out
            same = sum(x == y for x, y in zip(out, reference))
            score = bleu(out, refs)[0].score
            print(f"| {run} | {setting} | {same} / {len(out)} | {score:.2f} | {secs:.0f} |")


if __name__ == "__main__":
    main()
