"""Gather every run's scores and training summary into one table (a pandas DataFrame)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io import read_json

METRICS = ("BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr")
# E2E BLEU, METEOR and ROUGE-L are printed x100 in the paper; NIST and CIDEr as they are.
PAPER_SCALE = {"BLEU": 100.0, "METEOR": 100.0, "ROUGE_L": 100.0, "NIST": 1.0, "CIDEr": 1.0}


def collect(runs: list[dict], results_dir: str | Path = "results") -> pd.DataFrame:
    """``runs``: dicts with path, experiment, model, method, type, regime, size, seed."""
    rows = []
    for run in runs:
        base = Path(run["dir"]) if "dir" in run else Path(results_dir) / "runs" / run["path"]
        m = read_json(base / "test.metrics.json")
        t = read_json(base / "train.json")
        row = dict(run)
        row.update({k: m["scores"][k] * PAPER_SCALE[k] for k in METRICS if k in m["scores"]})
        row["protocol"] = m["signature"]["protocol"]
        row["trainable"] = t["parameters"]["trainable"]
        row["stored"] = t["parameters"]["stored"]
        row["stored_pct"] = t["parameters"]["stored_pct_of_lm"]
        row["train_seconds"] = t["seconds"]
        row["subset"] = (
            int(run["regime"].split("s")[-1]) if run["regime"].startswith("low") else None
        )
        rows.append(row)
    return pd.DataFrame(rows)
