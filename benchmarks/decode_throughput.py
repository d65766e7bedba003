"""Decoding throughput: batched beam search vs one example at a time (the released code's
way), and a mixed-prefix batch vs a single-prefix batch of the same size.

Targets (issue 9): batched >= 5x one-at-a-time at identical outputs; mixed-prefix >= 0.9x
single-prefix. Both sides decode the same E2E test sources in this one process, after one
warm-up batch. Prefixes are the trained ones of finished runs when given (--prefix DIR ...),
else random ones (the speed does not depend on what a prefix says).

Usage: python benchmarks/decode_throughput.py [--model smollm2|gpt2-small] [--n 40]
       [--beams 5] [--batch 10] [--threads 1] [--prefix RUN_DIR RUN_DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import ROOT, load_model, machine

FIXTURE = ROOT / "tests/fixtures/mirror/e2e/testset_w_refs.csv"


def sources(n: int) -> list[str]:
    from pipeline.data.e2e import linearize, read_csv

    test = ROOT / "results/demo/data/e2e/test.jsonl"
    if test.exists():
        from pipeline.io import read_jsonl

        return [r["source"] for r in read_jsonl(test)][:n]
    return [linearize(mr) for mr, _ in read_csv(FIXTURE)][:n]


def prefixes(lm, run_dirs: list[str], length: int = 10) -> list:
    import torch
    from safetensors.torch import load_file

    from pipeline.models.prefix import prefix_width

    if run_dirs:
        return [load_file(Path(d) / "prefix.safetensors")["past"] for d in run_dirs]
    g = torch.Generator().manual_seed(0)
    return [torch.randn(length, prefix_width(lm.config), generator=g) * 0.5 for _ in range(2)]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="smollm2")
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--beams", type=int, default=5)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--max-new-tokens", type=int, default=40)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--prefix", nargs="*", default=[])
    a = p.parse_args()

    from pipeline.decode import decode
    from pipeline.runtime import set_threads

    set_threads(a.threads)
    lm = load_model(a.model).eval()
    if a.model == "smollm2":
        from pipeline.models.load import load

        tok = load(ROOT / "results/models/smollm2-135m")[1]
    else:
        from pipeline.models.load import byte_tokenizer

        tok = byte_tokenizer()
    src = sources(a.n)
    dc = {
        "num_beams": a.beams,
        "max_new_tokens": a.max_new_tokens,
        "min_new_tokens": 5,
        "batch_size": a.batch,
        "length_penalty": 1.0,
        "ban_newlines": True,
    }
    one = {**dc, "batch_size": 1}
    p1, p2 = prefixes(lm, a.prefix)[:2]
    decode(lm, tok, src[: a.batch], dc, p1)  # warm-up

    batched, t_batched = timed(lambda: decode(lm, tok, src, dc, p1))
    single, t_single = timed(lambda: decode(lm, tok, src, one, p1))
    same = sum(x == y for x, y in zip(batched, single))
    mixed_rows = [p1 if i % 2 == 0 else p2 for i in range(len(src))]
    mixed, t_mixed = timed(lambda: decode(lm, tok, src, dc, mixed_rows))
    print(
        f"# decoding, {a.model}, {len(src)} E2E sources, beam {a.beams}, batch {a.batch}, "
        f"max {a.max_new_tokens} new tokens, {a.threads} thread(s)"
    )
    print(f"machine: {machine()}\n")
    print("| setting | seconds | examples/s | ratio |")
    print("|---|---|---|---|")
    print(f"| one at a time (batch 1) | {t_single:.1f} | {len(src) / t_single:.2f} | 1.00 |")
    print(
        f"| batched, one prefix | {t_batched:.1f} | {len(src) / t_batched:.2f} "
        f"| {t_single / t_batched:.2f}x vs one at a time |"
    )
    print(
        f"| batched, two prefixes mixed per row | {t_mixed:.1f} | {len(src) / t_mixed:.2f} "
        f"| {t_batched / t_mixed:.2f}x of single-prefix batches |"
    )
    print(f"\nidentical outputs batched vs one at a time: {same}/{len(src)}")
    print(
        f"mixed rows equal to their own prefix decoded alone (even rows, prefix 1): "
        f"{sum(mixed[i] == batched[i] for i in range(0, len(src), 2))}/{(len(src) + 1) // 2}"
    )


if __name__ == "__main__":
    main()
