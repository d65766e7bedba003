"""Decoding time by precision: fp32 vs bf16 vs bf16-mixed through ``pipeline.decode``, and bf16
without the LM head's contiguous input (``pipeline.models.load.contiguous_lm_head``) to show what that
fix is worth. Greedy, a frozen LM with a prefix (the prefix-tuning decoding path), the same
E2E test sources for every setting, in this one process after one warm-up batch each.

Usage: python benchmarks/decode_precision.py [--model smollm2|gpt2-small] [--n 64]
       [--batch 16] [--threads 1] [--prefix RUN_DIR] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import contextlib
import time

from common import load_model, machine
from decode_throughput import prefixes, sources

SETTINGS = ("fp32", "bf16", "bf16-mixed", "bf16, strided LM-head input")


def decode_with(model_name: str, setting: str, srcs, past, dc, device: str = "cpu"):
    import torch

    from pipeline.decode import decode, place_for_decoding
    from pipeline.device import Placement
    from pipeline.models.load import byte_tokenizer

    lm = load_model(model_name)
    if "strided" in setting:  # the state before the fix
        lm.get_output_embeddings()._forward_pre_hooks.clear()
    tok = _tokenizer(model_name) or byte_tokenizer()
    placement = Placement(torch.device(device), setting.split(",")[0])
    lm, p = place_for_decoding(lm.eval(), past, placement)
    # bf16-mixed decodes under autocast, as pipeline.decode does
    with placement.autocast() if placement.mixed else contextlib.nullcontext():
        decode(lm, tok, srcs[: dc["batch_size"]], dc, p)  # warm-up
        sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
        sync()
        t0 = time.perf_counter()
        out = decode(lm, tok, srcs, dc, p)
        sync()
    return out, time.perf_counter() - t0


def _tokenizer(model_name: str):
    if model_name != "smollm2":
        return None
    from common import SMOLLM2_DIR
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(SMOLLM2_DIR)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="smollm2")
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--max-new-tokens", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--prefix", nargs="*", default=[])
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    from pipeline.runtime import set_threads

    set_threads(a.threads)
    srcs = sources(a.n)
    past = prefixes(load_model(a.model), a.prefix)[0]
    dc = {
        "num_beams": 1,
        "batch_size": a.batch,
        "max_new_tokens": a.max_new_tokens,
        "min_new_tokens": 5,
    }
    print(f"# greedy decoding of {len(srcs)} E2E test MRs, batch {a.batch}, {a.model}, prefix")
    print(f"machine: {machine()}, {a.threads} thread(s), device {a.device}\n")
    print("| setting | seconds | MRs/s | vs fp32 | outputs equal to fp32 |")
    print("|---|---|---|---|---|")
    base_out = base_t = None
    for setting in SETTINGS:
        out, t = decode_with(a.model, setting, srcs, past, dc, a.device)
        if base_out is None:
            base_out, base_t = out, t
        same = sum(x == y for x, y in zip(out, base_out))
        print(
            f"| {setting} | {t:.1f} | {len(srcs) / t:.2f} | {base_t / t:.2f}x "
            f"| {same}/{len(srcs)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
