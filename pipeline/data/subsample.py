"""Low-data subsets (paper §6.3 / A.2): ``size`` training examples and a dev split of
``dev_fraction * size``, drawn without replacement, deterministic per (size, subset).

When training and dev examples come from the same pool (a mirror without the train split),
dev examples are drawn only from meaning representations the training subset does not use,
so early stopping never sees a training input.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from pipeline.errors import PipelineError
from pipeline.io import read_jsonl, write_jsonl
from pipeline.runtime import entry_point


def subset_rng(size: int, subset: int) -> np.random.Generator:
    # Seeded by (size, subset) so adding sizes or subsets never changes existing ones.
    return np.random.default_rng([subset, size])


def draw(
    train_pool: list[dict],
    dev_pool: list[dict],
    size: int,
    subset: int,
    dev_fraction: float = 0.3,
    same_pool: bool = False,
) -> tuple[list[dict], list[dict]]:
    if size > len(train_pool):
        raise PipelineError(
            f"low-data size {size} exceeds the training pool ({len(train_pool)} examples)"
        )
    rng = subset_rng(size, subset)
    train_idx = rng.choice(len(train_pool), size=size, replace=False)
    train = [train_pool[i] for i in sorted(train_idx)]
    n_dev = max(1, math.ceil(dev_fraction * size))
    if same_pool:
        used = {ex["source"] for ex in train}
        candidates = [ex for ex in dev_pool if ex["source"] not in used]
    else:
        candidates = dev_pool
    if n_dev > len(candidates):
        raise PipelineError(
            f"dev split of {n_dev} exceeds the {len(candidates)} available dev examples"
        )
    dev_idx = rng.choice(len(candidates), size=n_dev, replace=False)
    dev = [candidates[i] for i in sorted(dev_idx)]
    return train, dev


def fraction(train_pool: list[dict], percent: int) -> list[dict]:
    """The first ``percent``% of one fixed shuffle of the pool: 10% is inside 20%, and so on."""
    if not 0 < percent <= 100:
        raise PipelineError(f"training fraction {percent}% is not in (0, 100]")
    order = np.random.default_rng(0).permutation(len(train_pool))
    n = max(1, round(percent / 100 * len(train_pool)))
    return [train_pool[i] for i in sorted(order[:n])]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Draw one low-data subset or training fraction.")
    p.add_argument("--train-pool", required=True)
    p.add_argument("--dev-pool", required=True)
    p.add_argument("--percent", type=int, default=None, help="a training fraction instead")
    p.add_argument("--size", type=int, default=None)
    p.add_argument("--subset", type=int, default=None)
    p.add_argument("--dev-fraction", type=float, default=0.3)
    p.add_argument("--same-pool", action="store_true")
    p.add_argument("--out-train", required=True)
    p.add_argument("--out-dev", required=True)
    a = p.parse_args(argv)
    if a.percent is not None:
        write_jsonl(a.out_train, fraction(read_jsonl(a.train_pool), a.percent))
        write_jsonl(a.out_dev, read_jsonl(a.dev_pool))
        return
    train, dev = draw(
        read_jsonl(a.train_pool),
        read_jsonl(a.dev_pool),
        a.size,
        a.subset,
        a.dev_fraction,
        a.same_pool,
    )
    write_jsonl(a.out_train, train)
    write_jsonl(a.out_dev, dev)


if __name__ == "__main__":
    entry_point(main)
