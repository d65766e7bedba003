"""The paper's rows and numbers, and which of its rows each of our methods compares to.

Kept free of heavy imports: the workflow imports it while building the DAG.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.data import registry

PAPER_NUMBERS = Path(__file__).with_name("paper_numbers.yaml")
PAPER_MODEL = {"gpt2-medium": "GPT-2 M", "gpt2-large": "GPT-2 L", "bart-large": "BART-L"}
PAPER_ROW = {
    ("GPT-2 M", "prefix"): "PREFIX(0.1%)",
    ("GPT-2 L", "prefix"): "PREFIX",
    ("GPT-2 M", "finetune"): "FT-FULL",
    ("GPT-2 L", "finetune"): "FT-FULL",
    ("GPT-2 M", "fttop2"): "FT-TOP2",
    ("GPT-2 M", "adapter"): "ADAPTER(3%)",
    ("GPT-2 M", "adapter-small"): "ADAPTER(0.1%)",
    ("BART-L", "prefix"): "PREFIX(2%)",
    ("BART-L", "prefix-small"): "PREFIX(0.1%)",
    ("BART-L", "finetune"): "FT-FULL (Lewis et al., 2020)",
}
# Table 4 (XSUM topic splits) has one prefix row and the fine-tuning row
EXTRAPOLATION_ROW = {"prefix": "PREFIX", "finetune": "FT-FULL"}


def table_name(key: str) -> str:
    """``e2e_table5`` -> ``Table 5``."""
    return "Table " + key.rsplit("table", 1)[-1]


def paper_numbers() -> dict:
    with open(PAPER_NUMBERS, encoding="utf-8") as f:
        return yaml.safe_load(f)


ABLATIONS = ("emb", "infix")  # Table 5's method families: one row per prefix length


def paper_method(hparams: dict) -> str:
    """The paper's name for a run's method (adapters split by size: 3% vs 0.1%; the Table 5
    ablations by length: emb-10, infix-1, ...)."""
    if hparams["type"] == "adapter" and hparams.get("adapter_fraction", 0.03) < 0.01:
        return "adapter-small"
    if hparams["type"] in ABLATIONS:
        return f"{hparams['type']}-{hparams['prefix_length']}"
    return hparams["type"]


def _absent(label: str, pm: str, dataset: str) -> tuple[str, str, dict]:
    # imported here: collect needs pandas, which the workflow must not load to plan the DAG
    from pipeline.report.collect import columns

    return pm, f"{label} (not in the paper)", {m: float("nan") for m in columns(dataset)}


def paper_row(
    model: str,
    method: str,
    dataset: str = "e2e",
    prefix_length: int | None = None,
    topic_split: str | None = None,
) -> tuple[str, str, dict]:
    """(paper model, paper row, numbers) for our ``method`` (``paper_method``'s name) on
    ``dataset`` (a release; XSUM with a ``topic_split`` compares to Table 4). Models the paper
    did not run, and methods it ran on one model only, compare to the data set's main model
    (GPT-2 M; BART-L for XSUM)."""
    release = registry.release_of(dataset)
    default = release.paper_model
    pm = PAPER_MODEL.get(model, default)
    if release.paper_table is None:  # a data set the paper did not use
        return _absent(method, pm, dataset)
    if topic_split and release.paper_topic_table:  # XSUM's Table 4
        if method not in EXTRAPOLATION_ROW:
            return _absent(method, default, dataset)
        row = EXTRAPOLATION_ROW[method]
        table = paper_numbers()[release.paper_topic_table]
        numbers = table["rows"][default][row]["acl"][topic_split]
        return default, f"{row} ({table_name(release.paper_topic_table)}, {topic_split})", numbers
    if method.split("-")[0] in ABLATIONS:  # E2E's Table 5, GPT-2 M only
        key = release.paper_ablation_table
        rows = paper_numbers()[key]["rows"]["GPT-2 M"] if key else {}
        if method.upper() not in rows:
            return _absent(method.upper(), "GPT-2 M", dataset)
        return "GPT-2 M", f"{method.upper()} ({table_name(key)})", rows[method.upper()]["acl"]
    small = release.paper_small_prefix
    if small and method == "prefix" and (prefix_length or 0) < small:
        method = "prefix-small"
    rows = paper_numbers()[release.paper_table]["rows"]
    if (pm, method) not in PAPER_ROW or PAPER_ROW[(pm, method)] not in rows.get(pm, {}):
        pm = default
    row = PAPER_ROW.get((pm, method))
    if row is None or row not in rows.get(pm, {}):
        return _absent(method, pm, dataset)
    return pm, row, rows[pm][row]["acl"]


def paper_rows(dataset: str, topic_split: str | None = None) -> list[tuple[str, str, dict]]:
    """Every (paper model, row, numbers) of the data set's tables, labelled as ``paper_row``
    labels them (other systems' SOTA rows left out: they are not methods one runs here)."""
    release = registry.release_of(dataset)
    if topic_split and release.paper_topic_table:
        return [paper_row("", m, dataset, None, topic_split) for m in EXTRAPOLATION_ROW]
    if release.paper_table is None:
        return []
    tables = [(release.paper_table, "")]
    if release.paper_ablation_table:
        tables.append(
            (release.paper_ablation_table, f" ({table_name(release.paper_ablation_table)})")
        )
    return [
        (pm, f"{row}{suffix}", entry["acl"])
        for key, suffix in tables
        for pm, rows in paper_numbers()[key]["rows"].items()
        if pm != "SOTA"
        for row, entry in rows.items()
    ]
