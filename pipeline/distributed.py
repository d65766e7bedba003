"""One run as N processes (one per GPU, or CPU processes over gloo): data parallelism that
keeps the single-process run's arithmetic.

A job started by ``torchrun --nproc-per-node N`` (the train and decode rules do this when the
configuration gives a run N processes) finds ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` in its
environment. Every process holds the whole model and the whole optimiser, draws the same data
order from the run's seed and takes every N-th example of each global batch; its loss is
normalised by the global batch's denominator (its labelled tokens, or its number of
sequences), so the gradients summed over processes are the single-process gradient up to
floating-point summation order. Clipping, the optimiser step and the schedule then run
identically everywhere; only rank 0 writes. Dropout draws from a per-rank stream (seed, rank),
so runs with dropout agree with the single-process run in distribution, not in bits.

Without those variables (``python -m pipeline.train``) every function here is a no-op over a
world of one, and the code path is the single-process one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist

from pipeline.device import Placement, place
from pipeline.runtime import set_threads


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.size > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def shard(self, items: list) -> list:
        """This process's share: every ``size``-th item from ``rank``."""
        return items[self.rank :: self.size] if self.active else items


SINGLE = World()


def from_environment() -> World:
    """The world torchrun describes (a world of one without it)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return SINGLE
    return World(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))


def device_for(device: str, world: World) -> str:
    """A plain ``cuda`` means this process's GPU (``cuda:LOCAL_RANK``) in a world of several;
    ``auto`` keeps taking a free GPU through the per-GPU lock (pipeline.device)."""
    return f"cuda:{world.local_rank}" if world.active and device == "cuda" else device


def start(world: World, device: torch.device) -> None:
    """Join the process group: NCCL between GPUs, gloo between CPU processes."""
    if world.active and not dist.is_initialized():
        dist.init_process_group(
            "nccl" if device.type == "cuda" else "gloo",
            rank=world.rank,
            world_size=world.size,
            device_id=device if device.type == "cuda" else None,
        )


def stop(world: World) -> None:
    if world.active and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def job(device: str, precision: str, threads: int) -> Iterator[tuple[World, Placement]]:
    """A train or decode job's process: pin its threads, find its world and its device, join
    the process group for the job's length (left again even when the job fails)."""
    set_threads(threads)
    world = from_environment()
    placement = place(device_for(device, world), precision)
    start(world, placement.device)
    try:
        yield world, placement
    finally:
        stop(world)


def sum_(values: torch.Tensor, world: World) -> torch.Tensor:
    """The sum over processes (in place; the tensor itself in a world of one)."""
    if world.active:
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def any_(flag: bool, device: torch.device, world: World) -> bool:
    """Whether any process says so (a stop signal reaches the processes at different steps;
    they must agree on the step they stop at)."""
    if not world.active:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def sum_gradients(params: list[torch.nn.Parameter], world: World) -> None:
    """Sum the trainable gradients over processes, one flat buffer per dtype (a process whose
    share of the batch was empty contributes zeros)."""
    if not world.active:
        return
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    by_dtype: dict[torch.dtype, list[torch.Tensor]] = {}
    for p in params:
        by_dtype.setdefault(p.grad.dtype, []).append(p.grad)
    for grads in by_dtype.values():
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()


def gather(items: list, world: World) -> list[list]:
    """Every process's list, in rank order (on every process)."""
    if not world.active:
        return [items]
    out: list = [None] * world.size
    dist.all_gather_object(out, items)
    return out


def barrier(world: World) -> None:
    if world.active:
        dist.barrier()
