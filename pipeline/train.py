"""Train one run: prefix-tuning or fine-tuning of a decoder-only LM on (source, target) pairs.

AdamW + linear decay with warm-up, gradient clipping, epochs or max steps, seeded data order.
With ``eval_every`` the dev loss is measured every that many steps and the best checkpoint
is kept (the paper's low-data protocol, ``paper.md`` §3.3). ``train.json`` is written last
and marks the run complete.

Usage: python -m pipeline.train --hparams JSON --model-dir DIR --train F --dev F
       --out-dir DIR --seed N --threads N
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from pipeline import methods
from pipeline.io import read_jsonl, write_json
from pipeline.models.load import load as load_model
from pipeline.runtime import seed_everything, set_threads
from pipeline.textformat import IGNORE, example_ids

DEFAULTS = {
    "warmup_steps": 0,
    "weight_decay": 0.0,
    "grad_clip": 1.0,
    "loss": "token_mean",
    "eval_every": None,
    "max_steps": None,
    "max_length": 512,
    "epochs": 5,
    "batch_size": 5,
}


class NonFiniteLoss(FloatingPointError):
    pass


def linear_schedule(opt, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up to the base lr, then linear decay to 0 at ``total`` (HF's schedule;
    written here because importing transformers.optimization pulls in the Trainer and PEFT,
    seconds per process)."""

    def factor(step: int) -> float:
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def encode(tok, rows: list[dict], max_length: int) -> list[tuple[list[int], list[int]]]:
    return [example_ids(tok, r["source"], r["target"], max_length) for r in rows]


def collate(examples, pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a list of (ids, labels) to [B, T] tensors."""
    width = max(len(ids) for ids, _ in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, (ids, lab) in enumerate(examples):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        labels[i, : len(lab)] = torch.tensor(lab)
        mask[i, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}


def lm_loss(logits: torch.Tensor, labels: torch.Tensor, reduction: str) -> torch.Tensor:
    """Next-token NLL over labelled positions. logits [B, T, V], labels [B, T]."""
    logits, labels = logits[:, :-1], labels[:, 1:]
    nll = F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(),
        labels.reshape(-1),
        ignore_index=IGNORE,
        reduction="none",
    ).view(labels.shape)
    if reduction == "sequence_sum":  # the paper's prefix objective (objective_mode 1)
        return nll.sum(dim=1).mean()
    return nll.sum() / (labels != IGNORE).sum().clamp(min=1)


def forward_loss(system, batch, reduction: str) -> torch.Tensor:
    out = system(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    return lm_loss(out.logits, batch["labels"], reduction)


@torch.no_grad()
def dev_loss(system, dev_batches) -> float:
    was_training = system.training
    system.eval()
    total = n = 0.0
    for batch in dev_batches:
        out = system(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        logits, labels = out.logits[:, :-1], batch["labels"][:, 1:]
        total += F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]).float(),
            labels.reshape(-1),
            ignore_index=IGNORE,
            reduction="sum",
        ).item()
        n += (labels != IGNORE).sum().item()
    system.train(was_training)
    return total / max(n, 1)


def batches_of(examples, batch_size: int, pad_id: int, order=None):
    order = range(len(examples)) if order is None else order
    order = list(order)
    return [
        collate([examples[i] for i in order[s : s + batch_size]], pad_id)
        for s in range(0, len(order), batch_size)
    ]


def train(hp: dict, model_dir: Path, train_rows, dev_rows, out_dir: Path, seed: int) -> dict:
    hp = {**DEFAULTS, **hp}
    t0 = time.time()
    gen = seed_everything(seed)
    lm, tok = load_model(model_dir)
    system = methods.build(hp, lm)
    accounting = methods.accounting(hp, system, lm)
    train_ex = encode(tok, train_rows, hp["max_length"])
    dev_batches = batches_of(
        encode(tok, dev_rows, hp["max_length"]), hp["batch_size"], tok.pad_token_id
    )
    steps_per_epoch = math.ceil(len(train_ex) / hp["batch_size"])
    total_steps = hp["max_steps"] or math.ceil(steps_per_epoch * hp["epochs"])

    trainable = [p for p in system.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        trainable, lr=hp["lr"], weight_decay=hp["weight_decay"], betas=(0.9, 0.999), eps=1e-8
    )
    sched = linear_schedule(opt, hp["warmup_steps"], total_steps)

    history, dev_history = [], []
    best = {"step": 0, "dev_loss": math.inf, "state": None}
    system.train()
    step, epoch = 0, 0
    bar = tqdm(total=total_steps, desc="train", file=sys.stderr, mininterval=10)
    while step < total_steps:
        order = torch.randperm(len(train_ex), generator=gen).tolist()
        for batch in batches_of(train_ex, hp["batch_size"], tok.pad_token_id, order):
            loss = forward_loss(system, batch, hp["loss"])
            if not torch.isfinite(loss):
                raise NonFiniteLoss(f"non-finite training loss ({loss.item()}) at step {step + 1}")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, hp["grad_clip"])
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            history.append(round(loss.item(), 5))
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if hp["eval_every"] and (step % hp["eval_every"] == 0 or step == total_steps):
                dl = dev_loss(system, dev_batches)
                dev_history.append({"step": step, "dev_loss": dl})
                if dl < best["dev_loss"]:
                    best = {
                        "step": step,
                        "dev_loss": dl,
                        "state": methods.trainable_state(hp, system),
                    }
            if step >= total_steps:
                break
        epoch += 1
    bar.close()
    if best["state"] is not None:
        methods.restore_state(hp, system, best["state"])
    final_dev = dev_loss(system, dev_batches)
    system.eval()
    methods.save(hp, system, tok, out_dir)
    return {
        "hparams": hp,
        "seed": seed,
        "steps": step,
        "epochs_seen": epoch,
        "train_examples": len(train_ex),
        "dev_examples": len(dev_rows),
        "train_loss": history,
        "dev_history": dev_history,
        "selected_step": best["step"] if best["state"] is not None else step,
        "dev_loss": final_dev,
        "parameters": accounting,
        "seconds": round(time.time() - t0, 1),
        "threads": torch.get_num_threads(),
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hparams", required=True, help="the run's hyper-parameters as JSON")
    p.add_argument("--model-dir", required=True, type=Path)
    p.add_argument("--train", required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    set_threads(a.threads)
    summary = train(
        json.loads(a.hparams),
        a.model_dir,
        read_jsonl(a.train),
        read_jsonl(a.dev),
        a.out_dir,
        a.seed,
    )
    write_json(a.out_dir / "train.json", summary)


if __name__ == "__main__":
    main()
