"""On a GPU: GPT-2-medium-size train step (random weights, nothing to download), prefix vs
full fine-tuning, step time and peak GPU memory, beside the paper's 0.2 vs 0.3 h/epoch and
18% vs 50% of GPU memory (ACL §7.1). Without a CUDA device it says so and exits 0.

Each precision (``pipeline.device``: fp32, tf32, bf16 with the frozen LM of prefix-tuning
held in bf16, bf16-mixed with only its matmul weights in bf16) is measured the way training
runs it.

Usage: python benchmarks/gpu_train_step.py [--batch 5] [--tokens 64] [--steps 20]
       [--precisions fp32 tf32 bf16 bf16-mixed]
"""

from __future__ import annotations

import argparse
import json

from common import load_model, median_seconds

PAPER = {
    "h_per_epoch": {"prefix": 0.2, "finetune": 0.3},
    "gpu_mem_pct": {"prefix": 18, "finetune": 50},
}


def measure(method: str, batch: int, tokens: int, steps: int, precision: str = "fp32") -> dict:
    import torch

    from pipeline import methods
    from pipeline.device import place
    from pipeline.train import lm_loss, prepare_lm

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    placement = place("cuda", precision)
    hp = {"type": method, "prefix_length": 10, "mid_dim": 512}
    lm = prepare_lm(hp, load_model("gpt2-medium"), placement)
    system = methods.build(hp, lm)
    system.train()
    params = [p for p in system.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    ids = torch.randint(0, lm.config.vocab_size, (batch, tokens), device="cuda")
    mask = torch.ones_like(ids)

    def step():
        opt.zero_grad(set_to_none=True)
        with placement.autocast():
            loss = lm_loss(system(input_ids=ids, attention_mask=mask).logits, ids, "token_mean")
        loss.backward()
        opt.step()
        torch.cuda.synchronize()

    med, _ = median_seconds(step, steps, 3)
    peak = torch.cuda.max_memory_allocated()
    total = torch.cuda.get_device_properties(0).total_memory
    return {"ms": med * 1000, "peak_gb": peak / 2**30, "peak_pct": 100 * peak / total}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=5)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--precisions", nargs="+", default=["fp32"])
    a = p.parse_args()
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device: GPU benchmark skipped")
        return
    print(f"# GPU train step, GPT-2 medium geometry (random), batch {a.batch} x {a.tokens}")
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}\n")
    print("| precision | method | ms/step | peak GPU GB | % of GPU | paper h/epoch | paper % |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for precision in a.precisions:
        r = {m: measure(m, a.batch, a.tokens, a.steps, precision) for m in ("finetune", "prefix")}
        results[precision] = r
        for m, x in r.items():
            print(
                f"| {precision} | {m} | {x['ms']:.1f} | {x['peak_gb']:.2f} | {x['peak_pct']:.1f} "
                f"| {PAPER['h_per_epoch'][m]} | {PAPER['gpu_mem_pct'][m]} |",
                flush=True,
            )
    for precision, r in results.items():
        print(
            f"{precision}: prefix/FT step time {r['prefix']['ms'] / r['finetune']['ms']:.2f} "
            f"(paper 0.67); memory {r['prefix']['peak_gb'] / r['finetune']['peak_gb']:.2f} "
            "(paper 0.36)"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
