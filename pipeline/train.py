"""Train one run: any method of ``methods`` on (source, target) pairs, for a decoder-only LM
([x; y], loss over y) or an encoder-decoder (x to the encoder, y to the decoder).

AdamW + linear decay with warm-up, gradient clipping, epochs or max steps, seeded data order.
With ``eval_every`` the dev loss is measured every that many steps and the best checkpoint
is kept (the paper's low-data protocol, docs/protocol.md §3). ``train.json`` is written last
and marks the run complete.

Device and precision (``pipeline.device``): the model, every batch and every created tensor
live on the run's device; forward passes run under the precision's autocast, a frozen LM
(prefix, emb, infix, adapter) is held in the half dtype (bf16-mixed: its matmul weights only)
while trainable parameters and the optimiser stay fp32, and fp16 scales the loss.

A checkpoint is written every ``checkpoint_every`` steps and when the job is told to stop
(SIGTERM or SIGUSR1: a SLURM time limit, a pre-emption); the resubmitted job resumes from it.

Started by ``torchrun --nproc-per-node N`` the run is data-parallel over N processes with the
single-process run's global batch, schedule, data order and clipping (``pipeline.distributed``);
rank 0 writes, and a checkpoint resumes with any number of processes.

Usage: python -m pipeline.train --hparams JSON --model-dir DIR --train F --dev F
       --out-dir DIR --seed N --threads N [--device auto] [--precision fp32]
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from pipeline import distributed, methods
from pipeline.device import Placement, add_arguments, to_device
from pipeline.distributed import SINGLE, World
from pipeline.errors import PipelineError
from pipeline.io import atomic_path, read_jsonl, write_json
from pipeline.models.load import load as load_model
from pipeline.models.variants import phrase_length
from pipeline.runtime import entry_point, seed_everything
from pipeline.textformat import COMPACT, IGNORE, TextFormat, example_ids, pad, seq2seq_example_ids

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
    "checkpoint_every": None,
}


class NonFiniteLoss(PipelineError, FloatingPointError):
    pass


class Interrupted(PipelineError, RuntimeError):
    """The job was told to stop; its checkpoint holds everything to continue."""


class StopSignals:
    """Turn SIGTERM / SIGUSR1 into a flag the loop reads between steps, so a job killed at its
    time limit leaves a checkpoint of its last finished step instead of losing the work
    since the previous one."""

    SIGNALS = (signal.SIGTERM, signal.SIGUSR1)

    def __init__(self):
        self.received: int | None = None
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # signals reach it only
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum, _frame):
        self.received = signum

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


@dataclass
class LoopState:
    """Where a training run stands; a checkpoint holds it (as a plain dict) and a resumed run
    continues from it."""

    step: int = 0
    epoch: int = 0
    order: list[int] | None = None  # this epoch's data order (drawn from the run's seed)
    pos: int = 0  # batches of ``order`` consumed
    history: list[float] = field(default_factory=list)  # training loss per step
    dev_history: list[dict] = field(default_factory=list)  # {step, dev_loss}
    best_step: int = 0
    best_dev_loss: float = math.inf
    best_state: dict | None = None  # trainable tensors at the best dev loss
    resumed_from: list[int] = field(default_factory=list)
    # the machine of each attempt (Placement.describe()): a run resumed elsewhere says so
    machines: list[dict] = field(default_factory=list)
    # the seconds of each earlier attempt, up to its last checkpoint (work after it was redone)
    attempt_seconds: list[float] = field(default_factory=list)


def linear_schedule(opt, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up to the base lr, then linear decay to 0 at ``total`` (HF's schedule;
    written here because importing transformers.optimization pulls in the Trainer and PEFT,
    seconds per process)."""

    def factor(step: int) -> float:
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def encode(
    tok,
    rows: list[dict],
    max_length: int,
    max_source: int | None = None,
    seq2seq: bool = False,
    fmt: TextFormat = COMPACT,
) -> list[tuple[list[int], list[int]]]:
    """(ids, labels) per row: decoder-only [x; y] with labels over y (written as ``fmt``
    says), or (source ids, target labels) for an encoder-decoder."""
    if seq2seq:
        return [
            seq2seq_example_ids(tok, r["source"], r["target"], max_length, max_source) for r in rows
        ]
    return [example_ids(tok, r["source"], r["target"], max_length, max_source, fmt) for r in rows]


def collate(examples, pad_id: int, decoder_start: int | None = None) -> dict[str, torch.Tensor]:
    """Right-pad a list of (ids, labels) to [B, T] tensors. With ``decoder_start`` (an
    encoder-decoder) ids are the source and the labels, shifted right behind the start token,
    become ``decoder_input_ids`` (HF's seq2seq collation)."""
    input_ids, mask = pad([ids for ids, _ in examples], pad_id, "right")
    labels = pad([lab for _, lab in examples], IGNORE, "right")[0]
    batch = {"input_ids": input_ids, "attention_mask": mask, "labels": labels}
    if decoder_start is not None:
        shifted = labels.new_full(labels.shape, decoder_start)
        shifted[:, 1:] = labels[:, :-1].masked_fill(labels[:, :-1] == IGNORE, pad_id)
        batch["decoder_input_ids"] = shifted
    return batch


def reduce_loss(nll: torch.Tensor, labels: torch.Tensor, reduction: str) -> torch.Tensor:
    """nll, labels: [B, T]. ``sequence_sum`` is the paper's prefix objective (objective_mode 1)."""
    if reduction == "sequence_sum":
        return nll.sum(dim=1).mean()
    return nll.sum() / (labels != IGNORE).sum().clamp(min=1)


def _token_nll(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(),
        labels.reshape(-1),
        ignore_index=IGNORE,
        reduction="none",
    ).view(labels.shape)


def _next_token_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple:
    """A decoder-only LM's NLL: position t predicts label t+1. (nll, labels) [B, T-1]."""
    return _token_nll(logits[:, :-1], labels[:, 1:]), labels[:, 1:]


def lm_loss(logits: torch.Tensor, labels: torch.Tensor, reduction: str) -> torch.Tensor:
    """Next-token NLL over labelled positions of a decoder-only LM. logits [B, T, V]."""
    return reduce_loss(*_next_token_nll(logits, labels), reduction)


def token_nll(system, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token NLL [B, T'] and the labels it scores (decoder-only logits are shifted by one;
    an encoder-decoder's already align with its labels)."""
    if "decoder_input_ids" in batch:
        out = system(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            decoder_input_ids=batch["decoder_input_ids"],
        )
        return _token_nll(out.logits, batch["labels"]), batch["labels"]
    if getattr(system, "head_on_labels_only", False):
        return _labelled_next_token_nll(system, batch)
    out = system(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    return _next_token_nll(out.logits, batch["labels"])


def _labelled_next_token_nll(system, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """``_next_token_nll`` with the (frozen) LM head applied only where a label is scored: on
    E2E about a third of the positions; 11-14% less time per prefix-tuning run of the demo.
    The values are the same (a row's logits, its log-softmax and the head's input gradient do
    not depend on which other rows the matmul holds; tests/test_train_loss.py compares), so
    a run trains to the same weights either way."""
    head = system.lm.get_output_embeddings()
    seen = {}
    # the LM's own head call only hands over its input; the rows that matter are scored below
    head.forward = lambda hidden: seen.setdefault("hidden", hidden)[..., :0]
    try:
        system(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    finally:
        del head.forward  # the module's own forward again
    labels = batch["labels"][:, 1:]
    keep = labels != IGNORE
    logits = head(seen["hidden"][:, :-1][keep])
    nll = F.cross_entropy(logits.float(), labels[keep], reduction="none")
    zeros = torch.zeros(labels.shape, dtype=nll.dtype, device=nll.device)
    return zeros.masked_scatter(keep, nll), labels


def forward_loss(system, batch, reduction: str) -> torch.Tensor:
    return reduce_loss(*token_nll(system, batch), reduction)


def loss_denominator(examples, reduction: str, seq2seq: bool) -> int:
    """What ``reduce_loss`` divides a whole batch's summed NLL by: its labelled tokens
    (``token_mean``; a decoder-only LM scores labels from position 1) or its sequences."""
    if reduction == "sequence_sum":
        return len(examples)
    skip = 0 if seq2seq else 1
    return max(1, sum(sum(1 for t in labels[skip:] if t != IGNORE) for _, labels in examples))


@torch.no_grad()
def dev_loss(
    system, dev_batches, placement: Placement | None = None, world: World = SINGLE
) -> float:
    """Mean NLL per labelled dev token (processes of a run share the batches and the sums)."""
    placement = placement or CPU_FP32
    was_training = system.training
    system.eval()
    total = n = 0.0
    for batch in world.shard(dev_batches):
        with placement.autocast():
            nll, labels = token_nll(system, to_device(batch, placement.device))
        total += nll.sum().item()
        n += (labels != IGNORE).sum().item()
    system.train(was_training)
    if world.active:
        sums = torch.tensor([total, n], dtype=torch.float64, device=placement.device)
        total, n = distributed.sum_(sums, world).tolist()
    return total / max(n, 1)


def batches_of(examples, batch_size: int, pad_id: int, decoder_start: int | None = None):
    """Consecutive padded batches (the dev set; training draws its own order)."""
    return [
        collate(examples[s : s + batch_size], pad_id, decoder_start)
        for s in range(0, len(examples), batch_size)
    ]


CHECKPOINT = "checkpoint.pt"
# beside it, what it holds in plain JSON (step, the attempts' machines), so that tools can tell
# where an unfinished run was trained without loading torch (pipeline.report.archive)
CHECKPOINT_INFO = "checkpoint.json"
CPU_FP32 = Placement(torch.device("cpu"), "fp32")


def fit_length(hp: dict, config) -> int:
    """Truncation length: ``max_length``, capped so prefix + tokens fit the model's positions
    (real tokens sit after the prefix, the GPT-2 overflow of the original code, issue #40)."""
    positions = getattr(config, "n_positions", None) or getattr(
        config, "max_position_embeddings", None
    )
    # an encoder-decoder's prefix takes no positions (seq2seq_prefix): nothing to reserve
    reserved = (
        hp.get("prefix_length", 0)
        if hp["type"] in methods.PREFIX_TYPES and not config.is_encoder_decoder
        else 0
    )
    return min(hp["max_length"], positions - reserved) if positions else hp["max_length"]


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomically write everything a resumed run needs to continue bit for bit."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path) -> dict | None:
    if not path.exists():
        return None
    # weights_only: a checkpoint holds tensors and plain containers, never pickled code;
    # map_location: a GPU run's checkpoint resumes on any device (tensors are copied in)
    return torch.load(path, weights_only=True, map_location="cpu")


def rng_state(device: torch.device) -> dict:
    state = {"torch_rng": torch.get_rng_state()}
    if device.type == "cuda":  # dropout on a GPU draws from the device's generator
        state["cuda_rng"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch_rng"])
    if device.type == "cuda" and "cuda_rng" in state:
        torch.cuda.set_rng_state(state["cuda_rng"], device)


def prepare_lm(hp: dict, lm, placement: Placement):
    """The LM on the run's device; a frozen LM held as the precision says (wholly in bf16, or
    its matmul weights in bf16 for bf16-mixed; ``Placement.frozen``); its trainable
    companions are built in fp32 next to it."""
    if hp["type"] in methods.FROZEN_LM_TYPES:
        return placement.frozen(lm)
    return lm.to(placement.device)


@dataclass
class Model:
    """The run's model: the LM, its tokenizer, the system that trains and what trains."""

    lm: torch.nn.Module
    tok: object
    system: torch.nn.Module
    trainable: list
    accounting: dict


@dataclass
class Data:
    train: list  # encoded (ids, labels) training examples
    dev_batches: list  # padded dev batches
    dev_rows: int
    total_steps: int


@dataclass
class Optimiser:
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler


def build_model(hp: dict, model_dir: Path, seed: int, placement: Placement, world: World) -> Model:
    """The LM on its device (frozen ones in the half dtype) and the method's system around it;
    every process starts from rank 0's trainable weights."""
    lm, tok = load_model(model_dir)
    lm = prepare_lm(hp, lm, placement)
    if hp.get("init_words"):  # L is the phrase's token count (docs/protocol.md §5)
        hp["prefix_length"] = phrase_length(tok, hp["init_words"])
    with placement.mixed_autocast():  # a word initialisation runs the frozen LM
        system = methods.build(hp, lm, tok)
    accounting = methods.accounting(hp, system, lm)
    if world.active:  # the same initial weights everywhere; dropout from per-rank streams
        for p in system.parameters():
            if p.requires_grad:
                torch.distributed.broadcast(p.data, src=0)
        reseed_rank(seed, world, 0)
    trainable = [p for p in system.parameters() if p.requires_grad]
    return Model(lm, tok, system, trainable, accounting)


def encode_data(hp: dict, model: Model, train_rows, dev_rows) -> Data:
    config, tok = model.lm.config, model.tok
    max_length = fit_length(hp, config)
    cap = hp.get("max_source_tokens")
    seq2seq = config.is_encoder_decoder
    start = config.decoder_start_token_id if seq2seq else None
    fmt = TextFormat.of(hp)
    train_ex = encode(tok, train_rows, max_length, cap, seq2seq, fmt)
    dev_ex = encode(tok, dev_rows, max_length, cap, seq2seq, fmt)
    dev_batches = batches_of(dev_ex, hp["batch_size"], tok.pad_token_id, start)
    steps_per_epoch = math.ceil(len(train_ex) / hp["batch_size"])
    total_steps = hp["max_steps"] or math.ceil(steps_per_epoch * hp["epochs"])
    return Data(train_ex, dev_batches, len(dev_rows), total_steps)


def make_optimiser(hp: dict, model: Model, total_steps: int, placement: Placement) -> Optimiser:
    opt = torch.optim.AdamW(
        model.trainable, lr=hp["lr"], weight_decay=hp["weight_decay"], betas=(0.9, 0.999), eps=1e-8
    )
    sched = linear_schedule(opt, hp["warmup_steps"], total_steps)
    return Optimiser(opt, sched, placement.grad_scaler())


def resume(
    path: Path, hp, model: Model, optim: Optimiser, gen, seed, placement, world
) -> LoopState:
    """The loop state of the checkpoint at ``path`` (weights, optimiser, schedule, loss scale,
    RNG states and data order restored with it), or a fresh one."""
    ckpt = load_checkpoint(path)
    if ckpt is None:
        return LoopState()
    methods.restore_state(hp, model.system, ckpt["trainable"])
    optim.opt.load_state_dict(ckpt["optimizer"])
    optim.sched.load_state_dict(ckpt["scheduler"])
    if "scaler" in ckpt:
        optim.scaler.load_state_dict(ckpt["scaler"])
    gen.set_state(ckpt["data_rng"])
    set_rng_state(ckpt, placement.device)
    s = LoopState(**ckpt["loop"])
    if world.active:
        reseed_rank(seed, world, s.step)
    s.resumed_from = s.resumed_from + [s.step]
    print(f"resumed from {path} at step {s.step}", file=sys.stderr)
    return s


def save_state(
    path: Path, hp, model: Model, optim: Optimiser, gen, s: LoopState, t0: float, device, world
):
    """Everything ``resume`` needs (rank 0 writes), and its plain-JSON description; the
    attempt begun at ``t0`` is timed up to here."""
    if not world.main:
        return
    attempts = s.attempt_seconds + [round(time.time() - t0, 1)]
    save_checkpoint(
        path,
        {
            "trainable": methods.trainable_state(hp, model.system),
            "optimizer": optim.opt.state_dict(),
            "scheduler": optim.sched.state_dict(),
            "scaler": optim.scaler.state_dict(),
            "data_rng": gen.get_state(),
            **rng_state(device),
            # plain containers: a weights_only load reads them
            "loop": {**vars(s), "attempt_seconds": attempts},
        },
    )
    write_json(
        path.with_name(CHECKPOINT_INFO),
        {"step": s.step, "machines": s.machines, "attempt_seconds": attempts},
    )


def keep_if_best(hp: dict, model: Model, data: Data, s: LoopState, placement, world) -> None:
    """Measure the dev loss; remember the trainable weights when it is the lowest so far."""
    dl = dev_loss(model.system, data.dev_batches, placement, world)
    s.dev_history.append({"step": s.step, "dev_loss": dl})
    if dl < s.best_dev_loss:
        s.best_step, s.best_dev_loss = s.step, dl
        s.best_state = methods.trainable_state(hp, model.system)


def train(
    hp: dict,
    model_dir: Path,
    train_rows,
    dev_rows,
    out_dir: Path,
    seed: int,
    placement: Placement | None = None,
    world: World = SINGLE,
) -> dict:
    """Train one run; resumes from ``out_dir/checkpoint.pt`` when a previous attempt died.

    A checkpoint (every ``checkpoint_every`` steps, and on SIGTERM / SIGUSR1) holds the
    trainable weights, optimizer, schedule, loss scale, RNG states (CPU and GPU), the epoch's
    data order and position, and the loss history, so a resumed run ends with the same
    weights as an uninterrupted one.
    """
    hp = {**DEFAULTS, **hp}
    placement = placement or CPU_FP32
    t0 = time.time()
    gen = seed_everything(seed)
    model = build_model(hp, model_dir, seed, placement, world)
    data = encode_data(hp, model, train_rows, dev_rows)
    total = data.total_steps
    optim = make_optimiser(hp, model, total, placement)
    ckpt_path = out_dir / CHECKPOINT
    s = resume(ckpt_path, hp, model, optim, gen, seed, placement, world)
    # JSON-plain (torch's version is a str subclass a weights_only load refuses)
    s.machines = s.machines + [json.loads(json.dumps(placement.describe()))]

    model.system.train()
    bar = tqdm(
        total=total, initial=s.step, desc="train", file=sys.stderr, mininterval=10,
        disable=not world.main,
    )  # fmt: skip
    with StopSignals() as stop:
        while s.step < total:
            if distributed.any_(stop.received is not None, placement.device, world):
                save_state(ckpt_path, hp, model, optim, gen, s, t0, placement.device, world)
                raise Interrupted(
                    f"stopped by signal {stop.received or 'to another process'} at step "
                    f"{s.step} of {total}; {ckpt_path} holds it, and the same job resumes from there"
                )
            train_step(
                hp, model.system, model.trainable, optim.opt, optim.sched, optim.scaler, s,
                data.train, gen, model.tok, placement, world,
            )  # fmt: skip
            bar.update(1)
            bar.set_postfix(loss=f"{s.history[-1]:.3f}")
            if hp["eval_every"] and (s.step % hp["eval_every"] == 0 or s.step == total):
                keep_if_best(hp, model, data, s, placement, world)
            if hp["checkpoint_every"] and s.step % hp["checkpoint_every"] == 0 and s.step < total:
                save_state(ckpt_path, hp, model, optim, gen, s, t0, placement.device, world)
    bar.close()
    if s.best_state is not None:  # its dev loss was measured when it was kept
        methods.restore_state(hp, model.system, s.best_state)
        final_dev = s.best_dev_loss
    else:
        final_dev = dev_loss(model.system, data.dev_batches, placement, world)
    model.system.eval()
    if world.main:
        with placement.mixed_autocast():  # an embedding-only prefix runs the LM to materialise
            methods.save(hp, model.system, model.tok, out_dir)
    return summary(hp, seed, model, data, s, final_dev, t0, placement, world)


def summary(hp, seed, model: Model, data: Data, s: LoopState, final_dev, t0, placement, world):
    """train.json: what ran, how it went, where."""
    seconds = round(time.time() - t0, 1)
    return {
        "hparams": hp,
        "seed": seed,
        "steps": s.step,
        "epochs_seen": s.epoch,
        "train_examples": len(data.train),
        "dev_examples": data.dev_rows,
        "train_loss": s.history,
        "dev_history": s.dev_history,
        "selected_step": s.best_step if s.best_state is not None else s.step,
        "dev_loss": final_dev,
        "resumed_from_steps": s.resumed_from,
        "parameters": model.accounting,
        "seconds": seconds,  # this attempt's
        "attempt_seconds": s.attempt_seconds + [seconds],  # every attempt's: the run's cost
        "threads": torch.get_num_threads(),
        "precision": placement.precision,
        "processes": world.size,
        "machine": placement.describe(),
        "machines": s.machines,  # one per attempt: more than one when the run resumed
    }


def reseed_rank(seed: int, world: World, step: int) -> None:
    """A process's own dropout stream, fixed by (seed, rank, step): reproducible for a given
    number of processes, and different on every rank (one stream would repeat its masks)."""
    torch.manual_seed(hash((seed, world.rank, step)) % 2**63)


def train_step(
    hp, system, trainable, opt, sched, scaler, s, train_ex, gen, tok, placement, world=SINGLE
):
    """One optimiser step on the next batch of the seeded order; advances the loop state.
    Several processes each take every N-th example of the batch and sum their gradients."""
    bs = hp["batch_size"]
    if s.order is None:  # the data order is drawn on the host, from the run's generator
        s.order = torch.randperm(len(train_ex), generator=gen, device="cpu").tolist()
        s.pos = 0
    ids = s.order[s.pos * bs : (s.pos + 1) * bs]
    seq2seq = system.config.is_encoder_decoder
    start = system.config.decoder_start_token_id if seq2seq else None
    examples = [train_ex[i] for i in ids]
    if world.active:
        loss = shared_loss(hp, system, scaler, examples, tok, start, placement, world)
        check_finite(loss, s, hp)  # the same sum everywhere: every process stops together
    else:
        batch = to_device(collate(examples, tok.pad_token_id, start), placement.device)
        with placement.autocast():
            loss = forward_loss(system, batch, hp["loss"])
        check_finite(loss, s, hp)
        scaler.scale(loss).backward()
    distributed.sum_gradients(trainable, world)
    scaler.unscale_(opt)  # clip the true gradients (a no-op without fp16 loss scaling)
    torch.nn.utils.clip_grad_norm_(trainable, hp["grad_clip"])
    scaler.step(opt)
    scaler.update()
    sched.step()
    opt.zero_grad(set_to_none=True)
    s.step += 1
    s.pos += 1
    if s.pos * bs >= len(train_ex):
        s.order, s.epoch = None, s.epoch + 1
    s.history.append(round(loss.item(), 5))


def check_finite(loss: torch.Tensor, s: LoopState, hp: dict) -> None:
    if not torch.isfinite(loss):
        raise NonFiniteLoss(
            f"non-finite training loss ({loss.item()}) at step {s.step + 1}; "
            f"lower the learning rate (lr={hp['lr']})"
        )


def shared_loss(hp, system, scaler, examples, tok, start, placement, world) -> torch.Tensor:
    """This process's share of a global batch: its NLL divided by the whole batch's
    denominator, backpropagated; returns the whole batch's loss (summed over processes)."""
    denom = loss_denominator(examples, hp["loss"], start is not None)
    mine = world.shard(examples)
    if mine:
        batch = to_device(collate(mine, tok.pad_token_id, start), placement.device)
        with placement.autocast():
            nll, _ = token_nll(system, batch)
        local = nll.float().sum() / denom
        scaler.scale(local).backward()
        local = local.detach()
    else:  # fewer examples than processes at the end of an epoch
        local = torch.zeros((), device=placement.device)
    return distributed.sum_(local.clone(), world)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hparams", required=True, help="the run's hyper-parameters as JSON")
    p.add_argument("--model-dir", required=True, type=Path)
    p.add_argument("--train", required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    add_arguments(p)
    a = p.parse_args(argv)
    with distributed.job(a.device, a.precision, a.threads) as (world, placement):
        summary = train(
            json.loads(a.hparams),
            a.model_dir,
            read_jsonl(a.train),
            read_jsonl(a.dev),
            a.out_dir,
            a.seed,
            placement,
            world,
        )
        distributed.barrier(world)  # rank 0 has saved the weights
        if world.main:
            write_json(a.out_dir / "train.json", summary)
            # the run is complete: its checkpoint would only waste disk
            (a.out_dir / CHECKPOINT).unlink(missing_ok=True)
            (a.out_dir / CHECKPOINT_INFO).unlink(missing_ok=True)


if __name__ == "__main__":
    entry_point(main)
