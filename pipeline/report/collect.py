"""Gather every run's scores and training summary into one table (a pandas DataFrame)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import PipelineError
from pipeline.io import read_json

# Each data set's columns as the paper prints them, with the factor from our scores to the
# paper's scale: E2E BLEU, METEOR and ROUGE-L x100 (our E2E scorer gives [0, 1]); WebNLG and
# DART BLEU already x100 and METEOR/TER in [0, 1], as the paper prints them; XSUM ROUGE x100.
COLUMNS = {
    "e2e": {"BLEU": 100.0, "NIST": 1.0, "METEOR": 100.0, "ROUGE_L": 100.0, "CIDEr": 1.0},
    "webnlg": {
        f"{m}_{t}": 1.0 for m in ("BLEU", "METEOR", "TER") for t in ("seen", "unseen", "all")
    },
    "dart": {"BLEU": 1.0, "METEOR": 1.0, "TER": 1.0},
    "xsum": {"ROUGE-1": 1.0, "ROUGE-2": 1.0, "ROUGE-L": 1.0},
}
METRICS = tuple(COLUMNS["e2e"])
# column labels as the paper prints them
LABELS = {
    "BLEU": "BLEU", "NIST": "NIST", "METEOR": "MET", "ROUGE_L": "R-L", "CIDEr": "CIDEr", "TER": "TER",
    "ROUGE-1": "R-1", "ROUGE-2": "R-2", "ROUGE-L": "R-L",
    **{f"{m}_{t}": f"{LABEL} {t[0].upper()}" for m, LABEL in (("BLEU", "BLEU"), ("METEOR", "MET"),
       ("TER", "TER")) for t in ("seen", "unseen", "all")},
}  # fmt: skip
# digits as the paper prints them
DIGITS = {"NIST": 2, "CIDEr": 2, "METEOR": 2, "TER": 2, "ROUGE-1": 2, "ROUGE-2": 2, "ROUGE-L": 2}


def digits(metric: str, dataset: str) -> int:
    if dataset == "e2e":
        return 2 if metric in ("NIST", "CIDEr") else 1
    return DIGITS.get(metric.split("_")[0], 1)


def collect(runs: list[dict], results_dir: str | Path = "results") -> pd.DataFrame:
    """``runs``: dicts with path, dataset, experiment, model, method, type, regime, size, seed
    (and optionally dir, release, topic_split, prefix_length, init_words)."""
    rows = []
    for run in runs:
        base = Path(run["dir"]) if "dir" in run else Path(results_dir) / "runs" / run["path"]
        m = read_json(base / "test.metrics.json")
        t = read_json(base / "train.json")
        row = dict(run)
        scale = COLUMNS[run.get("release") or run.get("dataset", "e2e")]
        row.update({k: m["scores"][k] * f for k, f in scale.items() if k in m["scores"]})
        row["protocol"] = m["signature"].get("protocol")
        row["trainable"] = t["parameters"]["trainable"]
        row["stored"] = t["parameters"]["stored"]
        row["stored_pct"] = t["parameters"]["stored_pct_of_lm"]
        row["train_seconds"] = t["seconds"]
        # runs from before precision was recorded computed in fp32
        row["precision"] = t.get("precision", "fp32")
        row["subset"] = (
            int(run["regime"].split("s")[-1]) if run["regime"].startswith("low") else None
        )
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df) and df["precision"].nunique() > 1:
        mixed = df.groupby("precision")["path"].first().to_dict()
        raise PipelineError(
            "an exhibit must not compare runs of different precisions; found "
            + ", ".join(f"{p} (e.g. {path})" for p, path in mixed.items())
            + ": train them again in one precision (the configuration's `precision`)"
        )
    return df


def precision_note(df: pd.DataFrame) -> str:
    """The one precision every run of an exhibit computed in (``collect`` checked)."""
    return f"precision: {df['precision'].iloc[0]}" if len(df) else "precision: –"
