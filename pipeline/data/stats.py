"""Per-data-set statistics beside the paper's Table 1: examples, and mean input / output
length in tokens of the configured model's tokenizer (the paper: GPT-2 BPE).

Inputs are counted after truncation to the data set's ``max_source_tokens`` (512 for XSUM
articles in the paper). The paper's "#examples" is the whole data set; ours are the
prepared training pool and test set of this configuration, stated as such.

Usage: python -m pipeline.data.stats --data-dirs results/data/e2e ... --model-dir DIR
       --max-source-tokens 512 ... --out-prefix results/tables/datasets
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.data import registry
from pipeline.io import read_json, read_jsonl, write_text
from pipeline.runtime import entry_point


def token_lengths(tok, texts: list[str], cap: int | None = None) -> list[int]:
    ids = tok([" " + t for t in texts], add_special_tokens=False)["input_ids"]
    return [min(len(x), cap) if cap else len(x) for x in ids]


def dataset_row(data_dir: Path, tok, max_source_tokens: int) -> dict:
    meta = read_json(data_dir / "meta.json")
    train = read_jsonl(data_dir / "train.jsonl")
    test = read_jsonl(data_dir / "test.jsonl")
    src = token_lengths(tok, [r["source"] for r in train], max_source_tokens or None)
    tgt = token_lengths(tok, [r["target"] for r in train])
    # ACL Table 1: examples, input and output length (BPE tokens), as the release declares
    paper = registry.release_of(meta["dataset"]).paper_stats or ("–", float("nan"), float("nan"))
    split = meta.get("topic_split")
    return {
        "dataset": meta["dataset"]
        + (" (the paper's tokenised copy)" if meta.get("copy") == "paper" else "")
        + (f" ({split})" if split else ""),
        "train_pool": meta["train_pool"],
        "train_examples": len(train),
        "test_instances": len(test),
        "input_len": sum(src) / len(src),
        "output_len": sum(tgt) / len(tgt),
        "truncated_at": max_source_tokens or None,
        "inputs_truncated": sum(1 for x in src if max_source_tokens and x >= max_source_tokens),
        "paper_examples": paper[0],
        "paper_input_len": paper[1],
        "paper_output_len": paper[2],
    }


def markdown(df: pd.DataFrame, model: str) -> str:
    lines = [
        f"# Data sets (lengths in tokens of {model}'s tokenizer; paper: GPT-2 BPE, ACL Table 1)",
        "",
        "Ours: the prepared training pool (train split, or dev where the staged data lack "
        "train) and test set of this configuration; the paper's #examples is the whole data "
        "set. Inputs counted after truncation.",
        "",
        "| data set | training pool | train examples | test instances | input len (paper) "
        "| output len (paper) | paper #examples |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, r in df.iterrows():
        lines.append(
            f"| {r['dataset']} | {r['train_pool']} | {r['train_examples']:,} "
            f"| {r['test_instances']:,} | {r['input_len']:.1f} ({r['paper_input_len']}) "
            f"| {r['output_len']:.1f} ({r['paper_output_len']}) | {r['paper_examples']} |"
        )
    return "\n".join(lines) + "\n"


def build(data_dirs: list[Path], model_dir: Path, caps: list[int], out_prefix: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    df = pd.DataFrame([dataset_row(d, tok, c) for d, c in zip(data_dirs, caps)])
    write_text(f"{out_prefix}.md", markdown(df, model_dir.name))
    write_text(f"{out_prefix}.csv", df.to_csv(index=False))
    return df


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dirs", nargs="+", required=True, type=Path)
    p.add_argument(
        "--max-source-tokens", nargs="+", required=True, type=int, help="0: no truncation"
    )
    p.add_argument("--model-dir", required=True, type=Path)
    p.add_argument("--out-prefix", required=True)
    a = p.parse_args(argv)
    if len(a.max_source_tokens) != len(a.data_dirs):
        raise SystemExit("one --max-source-tokens value per data directory")
    build(a.data_dirs, a.model_dir, a.max_source_tokens, a.out_prefix)


if __name__ == "__main__":
    entry_point(main)
