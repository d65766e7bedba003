"""Parse + linearise a staged data set into ``{train,dev,test}.jsonl`` and ``meta.json``.

train/dev rows: {id, mr, source, target}; test rows: {id, mr, source, refs}, one per
distinct input in release order (the multi-reference scorers' order).

Usage: python -m pipeline.data.prepare --dataset e2e --raw-dir DIR --out-dir DIR
       [--train-pool train|dev] [--test-every K] [--test-limit N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.data import e2e
from pipeline.io import write_json, write_jsonl
from pipeline.runtime import entry_point

RAW_FILES = {"e2e": {"train": "trainset.csv", "dev": "devset.csv", "test": "testset_w_refs.csv"}}


def raw_files(dataset: str, train_pool: str) -> list[str]:
    """Release files a configuration needs (no train file when training from dev)."""
    names = RAW_FILES[dataset]
    return [names[s] for s in ("train", "dev", "test") if s != "train" or train_pool == "train"]


def select_test(instances: list[dict], every: int | None, limit: int | None) -> list[dict]:
    chosen = instances[:: every or 1]
    return chosen[:limit] if limit else chosen


def prepare(
    dataset: str,
    raw_dir: Path,
    out_dir: Path,
    train_pool: str = "train",
    test_every: int | None = None,
    test_limit: int | None = None,
) -> dict:
    if dataset != "e2e":
        raise ValueError(f"unsupported data set {dataset!r}")
    names = RAW_FILES[dataset]
    dev = e2e.pairs(raw_dir / names["dev"], "dev")
    train = e2e.pairs(raw_dir / names["train"], "train") if train_pool == "train" else dev
    test_all = e2e.grouped(raw_dir / names["test"], "test")
    test = select_test(test_all, test_every, test_limit)
    write_jsonl(out_dir / "train.jsonl", train)
    write_jsonl(out_dir / "dev.jsonl", dev)
    write_jsonl(out_dir / "test.jsonl", test)
    meta = {
        "dataset": dataset,
        "train_pool": train_pool,
        "train_pool_note": (
            "training examples are drawn from the DEV split (the staged data lack the train split)"
            if train_pool == "dev"
            else "training examples from the train split"
        ),
        "counts": {
            "train": len(train),
            "dev": len(dev),
            "test": len(test),
            "test_full": len(test_all),
            "test_refs": sum(len(t["refs"]) for t in test),
        },
        "test_subset": (
            {"every": test_every, "limit": test_limit} if (test_every or test_limit) else None
        ),
    }
    write_json(out_dir / "meta.json", meta)
    return meta


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True)
    p.add_argument("--raw-dir", required=True, type=Path)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--train-pool", default="train", choices=["train", "dev"])
    p.add_argument("--test-every", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    a = p.parse_args(argv)
    prepare(a.dataset, a.raw_dir, a.out_dir, a.train_pool, a.test_every, a.test_limit)


if __name__ == "__main__":
    entry_point(main)
