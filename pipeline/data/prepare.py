"""Parse + linearise a staged data set into ``{train,dev,test}.jsonl`` and ``meta.json``.

train/dev rows: {id, source, target, ...}; test rows: {id, source, refs, ...}, one per
distinct input in release order (the multi-reference scorers' order). WebNLG test rows carry
``track`` (seen/unseen); XSUM rows carry ``topic`` when a topic split is chosen.

Usage: python -m pipeline.data.prepare --dataset RELEASE --raw-dir DIR
       --out-dir DIR [--train-pool train|dev] [--test-every K] [--test-limit N]
       [--dev-every K] [--dev-limit N] [--topic-split news-to-sports|within-news]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from pipeline.data import registry
from pipeline.io import write_json, write_jsonl
from pipeline.runtime import entry_point


def select(instances: list[dict], every: int | None, limit: int | None) -> list[dict]:
    """Every k-th instance, then the first n of those (a test or dev subset)."""
    chosen = instances[:: every or 1]
    return chosen[:limit] if limit else chosen


def prepare(
    dataset: str,
    raw_dir: Path,
    out_dir: Path,
    train_pool: str = "train",
    test_every: int | None = None,
    test_limit: int | None = None,
    topic_split: str | None = None,
    dev_every: int | None = None,
    dev_limit: int | None = None,
) -> dict:
    staged = registry.get(dataset)  # a release, or a copy of one (pipeline.data.registry)
    train, dev_all, test_all = staged.read_splits(raw_dir, train_pool, topic_split)
    if (dev_every or dev_limit) and train_pool == "dev":
        raise ValueError("a dev subset needs train_pool train: the dev pool is the training data")
    test = select(test_all, test_every, test_limit)
    dev = select(dev_all, dev_every, dev_limit)
    write_jsonl(out_dir / "train.jsonl", train)
    write_jsonl(out_dir / "dev.jsonl", dev)
    write_jsonl(out_dir / "test.jsonl", test)
    counts = {
        "train": len(train),
        "dev": len(dev),
        "dev_full": len(dev_all),
        "test": len(test),
        "test_full": len(test_all),
        "test_refs": sum(len(t["refs"]) for t in test),
    }
    if any("track" in t for t in test):  # WebNLG's seen / unseen categories
        counts["test_tracks"] = dict(sorted(Counter(t["track"] for t in test).items()))
    release, copy = staged.copy_of or (staged.name, "canonical")
    meta = {
        "dataset": release,
        "copy": copy,
        "train_pool": train_pool,
        "train_pool_note": (
            "training examples are drawn from the DEV split (the staged data lack the train split)"
            if train_pool == "dev"
            else "training examples from the train split"
        ),
        "counts": counts,
        "test_subset": (
            {"every": test_every, "limit": test_limit} if (test_every or test_limit) else None
        ),
        "dev_subset": {"every": dev_every, "limit": dev_limit}
        if (dev_every or dev_limit)
        else None,
        "topic_split": topic_split,
    }
    write_json(out_dir / "meta.json", meta)
    return meta


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True, help="a release or a copy (pipeline.data.registry)")
    p.add_argument("--raw-dir", required=True, type=Path)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--train-pool", default="train", choices=["train", "dev"])
    p.add_argument("--test-every", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--dev-every", type=int, default=None)
    p.add_argument("--dev-limit", type=int, default=None)
    p.add_argument("--topic-split", default=None, help="e.g. XSUM's news-to-sports")
    a = p.parse_args(argv)
    prepare(
        a.dataset,
        a.raw_dir,
        a.out_dir,
        a.train_pool,
        a.test_every,
        a.test_limit,
        a.topic_split,
        a.dev_every,
        a.dev_limit,
    )


if __name__ == "__main__":
    entry_point(main)
