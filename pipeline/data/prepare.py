"""Parse + linearise a staged data set into ``{train,dev,test}.jsonl`` and ``meta.json``.

train/dev rows: {id, source, target, ...}; test rows: {id, source, refs, ...}, one per
distinct input in release order (the multi-reference scorers' order). WebNLG test rows carry
``track`` (seen/unseen); XSUM rows carry ``topic`` when a topic split is chosen.

Usage: python -m pipeline.data.prepare --dataset e2e|webnlg|dart|xsum --raw-dir DIR
       --out-dir DIR [--train-pool train|dev] [--test-every K] [--test-limit N]
       [--topic-split news-to-sports|within-news]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from pipeline.data import dart, e2e, e2e_paper, webnlg, xsum
from pipeline.io import write_json, write_jsonl
from pipeline.runtime import entry_point

RAW_FILES = {
    "e2e": {"train": "trainset.csv", "dev": "devset.csv", "test": "testset_w_refs.csv"},
    # the paper's tokenised E2E copy: the e2e release's `copy: paper` (staged as its own)
    "e2e-paper": e2e_paper.FILES,
    "webnlg": {"train": "train/", "dev": "dev/", "test": "test/testdata_with_lex.xml"},
    "dart": {
        "train": "dart-v1.1.1-full-train.json",
        "dev": "dart-v1.1.1-full-dev.json",
        "test": "dart-v1.1.1-full-test.xml",
    },
    "xsum": {
        "train": "train.jsonl",
        "dev": "validation.jsonl",
        "test": "test.jsonl",
        "urls": "XSum-WebArxiveUrls.txt",
    },
}
DATASETS = tuple(RAW_FILES)
# a staging that is another copy of a release: prepared and scored as that release
COPY_OF = {"e2e-paper": ("e2e", "paper")}
RELEASES = tuple(d for d in DATASETS if d not in COPY_OF)


def staging(release: str, copy: str = "canonical") -> str:
    """The staged files a data set is prepared from: its release's, or a copy of them."""
    if copy == "canonical":
        return release
    name = f"{release}-{copy}"
    if COPY_OF.get(name) != (release, copy):
        raise ValueError(f"no {copy!r} copy of {release!r} (known: {sorted(COPY_OF)})")
    return name


def raw_files(dataset: str, train_pool: str, topic_split: str | None = None) -> list[str]:
    """Release files a configuration needs (no train file when training from dev)."""
    names = RAW_FILES[dataset]
    wanted = [names[s] for s in ("train", "dev", "test") if s != "train" or train_pool == "train"]
    if topic_split:
        wanted.append(names["urls"])
    return wanted


def select_test(instances: list[dict], every: int | None, limit: int | None) -> list[dict]:
    chosen = instances[:: every or 1]
    return chosen[:limit] if limit else chosen


def _single_ref_test(rows: list[dict]) -> list[dict]:
    return [
        {
            "id": r["id"],
            "source": r["source"],
            "refs": [r["target"]],
            **({"topic": r["topic"]} if "topic" in r else {}),
        }
        for r in rows
    ]


def read_splits(dataset: str, raw_dir: Path, train_pool: str, topic_split: str | None):
    """(train, dev, test) rows of a staged release."""
    names = RAW_FILES[dataset]
    if dataset == "e2e":
        read_pairs = lambda s: e2e.pairs(raw_dir / names[s], s)  # noqa: E731
        test = e2e.grouped(raw_dir / names["test"], "test")
    elif dataset == "e2e-paper":
        read_pairs = lambda s: e2e_paper.pairs(raw_dir / names[s], s)  # noqa: E731
        test = e2e_paper.grouped(raw_dir / names["test"], "test")
    elif dataset == "webnlg":
        read_pairs = lambda s: webnlg.pairs(raw_dir, s)  # noqa: E731
        test = webnlg.test_instances(raw_dir)
    elif dataset == "dart":
        read_pairs = lambda s: dart.read_json(raw_dir / names[s], s)  # noqa: E731
        test = dart.read_test_xml(raw_dir / names["test"])
    elif dataset == "xsum":
        read_pairs = lambda s: xsum.read_split(raw_dir / names[s], s)  # noqa: E731
        test = xsum.read_split(raw_dir / names["test"], "test")
    else:
        raise ValueError(f"unsupported data set {dataset!r} ({', '.join(DATASETS)})")
    dev = read_pairs("dev")
    train = read_pairs("train") if train_pool == "train" else dev
    if dataset == "xsum":
        if topic_split:
            topics = xsum.url_topics(raw_dir / names["urls"])
            train = xsum.apply_topic_split(train, topics, topic_split, "train")
            dev = xsum.apply_topic_split(dev, topics, topic_split, "train")
            test = xsum.apply_topic_split(test, topics, topic_split, "test")
        test = _single_ref_test(test)
    return train, dev, test


def prepare(
    dataset: str,
    raw_dir: Path,
    out_dir: Path,
    train_pool: str = "train",
    test_every: int | None = None,
    test_limit: int | None = None,
    topic_split: str | None = None,
) -> dict:
    if dataset not in RAW_FILES:
        raise ValueError(f"unsupported data set {dataset!r} ({', '.join(DATASETS)})")
    train, dev, test_all = read_splits(dataset, raw_dir, train_pool, topic_split)
    test = select_test(test_all, test_every, test_limit)
    write_jsonl(out_dir / "train.jsonl", train)
    write_jsonl(out_dir / "dev.jsonl", dev)
    write_jsonl(out_dir / "test.jsonl", test)
    counts = {
        "train": len(train),
        "dev": len(dev),
        "test": len(test),
        "test_full": len(test_all),
        "test_refs": sum(len(t["refs"]) for t in test),
    }
    if dataset == "webnlg":
        counts["test_tracks"] = dict(sorted(Counter(t["track"] for t in test).items()))
    release, copy = COPY_OF.get(dataset, (dataset, "canonical"))
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
        "topic_split": topic_split,
    }
    write_json(out_dir / "meta.json", meta)
    return meta


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True, choices=DATASETS)
    p.add_argument("--raw-dir", required=True, type=Path)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--train-pool", default="train", choices=["train", "dev"])
    p.add_argument("--test-every", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--topic-split", default=None, choices=xsum.TOPIC_SPLITS)
    a = p.parse_args(argv)
    prepare(
        a.dataset, a.raw_dir, a.out_dir, a.train_pool, a.test_every, a.test_limit, a.topic_split
    )


if __name__ == "__main__":
    entry_point(main)
