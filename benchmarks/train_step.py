"""Train-step time and peak RSS: prefix-tuning (ours) vs full fine-tuning vs PEFT's
``PrefixTuningConfig(prefix_projection=True)``, same model, batch 5 x 64 tokens; and each of
prefix-tuning and fine-tuning in fp32 vs bf16 (``pipeline.device``: bf16 autocast, the frozen
LM of prefix-tuning held in bf16), naming the CPU and its native bf16 support.

Targets (issue 9): prefix <= 1.0x PEFT and <= 0.6x fine-tuning in step time; prefix peak RSS
<= 0.65x fine-tuning. One step = zero_grad + forward + loss + backward + AdamW step; the
median over --steps after --warmup steps. Every (model, method, threads) runs in its own
process, one after another, so the ratios compare like with like.

Usage: python benchmarks/train_step.py [--models smollm2 gpt2-small] [--threads 1 2]
       [--steps 8] [--warmup 2] [--precisions fp32 bf16]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import load_model, machine, median_seconds, peak_rss_mb, run_worker

METHODS = ("finetune", "prefix", "peft")
PREFIX_LENGTH, MID_DIM, BATCH, TOKENS = 10, 512, 5, 64


def worker(
    model_name: str, method: str, threads: int, steps: int, warmup: int, precision: str = "fp32"
) -> dict:
    import torch

    from pipeline.device import Placement
    from pipeline.models.prefix import PrefixEncoder, PrefixLM
    from pipeline.runtime import set_threads
    from pipeline.train import lm_loss, prepare_lm

    set_threads(threads)
    placement = Placement(torch.device("cpu"), precision)
    lm = prepare_lm({"type": method}, load_model(model_name), placement)
    if method == "finetune":
        system = lm
    elif method == "prefix":
        system = PrefixLM(lm, PrefixEncoder(lm.config, PREFIX_LENGTH, MID_DIM))
    else:
        from peft import PrefixTuningConfig, get_peft_model

        cfg = PrefixTuningConfig(
            task_type="CAUSAL_LM",
            num_virtual_tokens=PREFIX_LENGTH,
            prefix_projection=True,
            encoder_hidden_size=MID_DIM,
        )
        system = get_peft_model(lm, cfg)
    system.train()
    if method != "finetune":
        lm.eval()  # the frozen LM runs without dropout in both prefix implementations
    params = [p for p in system.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, lm.config.vocab_size, (BATCH, TOKENS), generator=g)
    mask = torch.ones_like(ids)

    def step():
        opt.zero_grad(set_to_none=True)
        with placement.autocast():
            out = system(input_ids=ids, attention_mask=mask)
            loss = lm_loss(out.logits, ids, "token_mean")
        loss.backward()
        opt.step()

    med, times = median_seconds(step, steps, warmup)
    return {
        "ms": med * 1000,
        "times_ms": [round(t * 1000, 1) for t in times],
        "rss_mb": peak_rss_mb(),
        "trainable": sum(p.numel() for p in params),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--models", nargs="+", default=["smollm2", "gpt2-small"])
    p.add_argument("--methods", nargs="+", default=list(METHODS))
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    p.add_argument("--skip-peft-table", action="store_true")
    a = p.parse_args()
    if a.worker:
        result = worker(a.models[0], a.methods[0], a.threads[0], a.steps, a.warmup, a.precisions[0])
        print(json.dumps(result))
        return
    print(f"# train step, batch {BATCH} x {TOKENS} tokens, L={PREFIX_LENGTH}, MLP {MID_DIM}")
    print(f"machine: {machine()}; median of {a.steps} steps after {a.warmup} warm-up\n")
    common = ["--steps", str(a.steps), "--warmup", str(a.warmup)]
    if len(a.precisions) > 1:
        precision_table(a, common)
    if a.skip_peft_table:
        return
    print(
        "| model | threads | FT ms | prefix ms | PEFT ms | prefix/FT | prefix/PEFT "
        "| RSS FT / prefix / PEFT MB | RSS prefix/FT |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for model in a.models:
        for threads in a.threads:
            r = {
                m: run_worker(
                    Path(__file__),
                    [
                        "--models",
                        model,
                        "--methods",
                        m,
                        "--threads",
                        str(threads),
                        "--steps",
                        str(a.steps),
                        "--warmup",
                        str(a.warmup),
                    ],
                )
                for m in a.methods
            }
            ft, pre, peft = r.get("finetune"), r.get("prefix"), r.get("peft")
            ratio = lambda x, y, k: f"{x[k] / y[k]:.2f}" if x and y else "–"  # noqa: E731
            ms = lambda x: f"{x['ms']:.0f}" if x else "–"  # noqa: E731
            rss = "/".join(f"{x['rss_mb']:.0f}" if x else "–" for x in (ft, pre, peft))
            print(
                f"| {model} | {threads} | {ms(ft)} | {ms(pre)} | {ms(peft)} "
                f"| {ratio(pre, ft, 'ms')} | {ratio(pre, peft, 'ms')} | {rss} "
                f"| {ratio(pre, ft, 'rss_mb')} |",
                flush=True,
            )


def precision_table(a, common: list[str]) -> None:
    """fp32 vs bf16 (or the precisions given), prefix-tuning and fine-tuning, side by side."""
    base, other = a.precisions[0], a.precisions[1]
    print(f"| model | threads | method | {base} ms | {other} ms | {other}/{base} time "
          f"| RSS {base} / {other} MB | {other}/{base} RSS |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for model in a.models:
        for threads in a.threads:
            for method in ("prefix", "finetune"):
                r = {
                    prec: run_worker(
                        Path(__file__),
                        [
                            "--models",
                            model,
                            "--methods",
                            method,
                            "--threads",
                            str(threads),
                            "--precisions",
                            prec,
                            *common,
                        ],
                    )  # fmt: skip
                    for prec in (base, other)
                }
                x, y = r[base], r[other]
                print(
                    f"| {model} | {threads} | {method} | {x['ms']:.0f} | {y['ms']:.0f} "
                    f"| {y['ms'] / x['ms']:.2f} | {x['rss_mb']:.0f} / {y['rss_mb']:.0f} "
                    f"| {y['rss_mb'] / x['rss_mb']:.2f} |",
                    flush=True,
                )
    print()


if __name__ == "__main__":
    main()
