"""Gather every run's scores and training summary into one table (a pandas DataFrame)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.data import registry
from pipeline.errors import PipelineError
from pipeline.io import read_json


def columns(release: str) -> dict[str, float]:
    """A release's columns as the paper prints them, each with the factor from our scores to
    the paper's scale (the release's module in pipeline.data declares them)."""
    return registry.release_of(release).columns


# column labels as the paper prints them
LABELS = {
    "BLEU": "BLEU", "NIST": "NIST", "METEOR": "MET", "ROUGE_L": "R-L", "CIDEr": "CIDEr", "TER": "TER",
    "ROUGE-1": "R-1", "ROUGE-2": "R-2", "ROUGE-L": "R-L",
    **{f"{m}_{t}": f"{LABEL} {t[0].upper()}" for m, LABEL in (("BLEU", "BLEU"), ("METEOR", "MET"),
       ("TER", "TER")) for t in ("seen", "unseen", "all")},
}  # fmt: skip


def init_label(words) -> str:
    """A prefix run's initialisation as the exhibits name it: ``random`` or the phrase."""
    return "random" if not isinstance(words, str) or not words else repr(words)


def init_labels(df: pd.DataFrame) -> pd.Series:
    """``init_label`` of every run of ``df`` (runs without ``init_words`` are random)."""
    words = df["init_words"] if "init_words" in df else pd.Series(None, index=df.index)
    return words.map(init_label)


def machine_label(machine: dict) -> str:
    """Where a run computed, as far as its rounding goes: the GPU, else the CPU with its native
    bf16 (AMX or not), plus any kernel-path cap set in the environment, and torch. Runs from
    before a field was recorded simply lack it."""
    where = machine.get("gpu") or machine.get("cpu") or "machine not recorded"
    if not machine.get("gpu") and machine.get("cpu"):
        where += f", {machine.get('cpu_bf16') or 'no native bf16'}"
    capped = {k: v for k, v in (machine.get("cpu_kernels") or {}).items() if k != "aten"}
    if capped:
        where += ", kernels capped " + " ".join(f"{k}={v}" for k, v in sorted(capped.items()))
    return where + (f", torch {machine['torch']}" if machine.get("torch") else "")


def digits(metric: str, release: str) -> int:
    """Decimals the paper prints for a metric of a release."""
    return registry.release_of(release).decimals(metric)


def collect(
    runs: list[dict], results_dir: str | Path = "results", one_precision: bool = True
) -> pd.DataFrame:
    """``runs``: dicts with path, dataset, experiment, model, method, type, regime, size, seed
    (and optionally dir, release, topic_split, prefix_length, init_words). With
    ``one_precision`` (every exhibit but the precision study) runs of different precisions
    are refused."""
    rows = []
    for run in runs:
        base = Path(run["dir"]) if "dir" in run else Path(results_dir) / "runs" / run["path"]
        m = read_json(base / "test.metrics.json")
        t = read_json(base / "train.json")
        row = dict(run)
        scale = columns(run.get("release") or run.get("dataset", "e2e"))
        row.update({k: m["scores"][k] * f for k, f in scale.items() if k in m["scores"]})
        row["protocol"] = m["signature"].get("protocol")
        row["trainable"] = t["parameters"]["trainable"]
        row["stored"] = t["parameters"]["stored"]
        row["stored_pct"] = t["parameters"]["stored_pct_of_lm"]
        row["train_seconds"] = t["seconds"]
        row["train_loss_end"] = final_train_loss(t.get("train_loss") or [])
        row["dev_loss"] = t.get("dev_loss", float("nan"))
        # runs from before precision was recorded computed in fp32
        row["precision"] = t.get("precision", "fp32")
        row["machine"] = machine_label(t.get("machine") or {})
        rows.append(row)
    df = pd.DataFrame(rows)
    if one_precision and len(df) and df["precision"].nunique() > 1:
        mixed = df.groupby("precision")["path"].first().to_dict()
        raise PipelineError(
            "an exhibit must not compare runs of different precisions; found "
            + ", ".join(f"{p} (e.g. {path})" for p, path in mixed.items())
            + ": train them again in one precision (the configuration's `precision`)"
        )
    return df


def final_train_loss(step_losses: list[float]) -> float:
    """Where training ended: the mean loss of the last tenth of the steps (at least one), so
    one noisy batch does not stand for the run (Fig. 4's training-loss panel)."""
    if not step_losses:
        return float("nan")
    tail = step_losses[-max(1, len(step_losses) // 10) :]
    return sum(tail) / len(tail)


def machine_note(df: pd.DataFrame) -> str:
    """The machines an exhibit's runs computed on, with their run counts: results are
    bit-identical only on one machine kind."""
    if not len(df):
        return "machines: –"
    counts = df["machine"].value_counts()
    return "machines: " + "; ".join(f"{m} ({n} runs)" for m, n in counts.items())


def precision_note(df: pd.DataFrame) -> str:
    """The one precision every run of an exhibit computed in (``collect`` checked)."""
    return f"precision: {df['precision'].iloc[0]}" if len(df) else "precision: –"
