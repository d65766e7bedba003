"""The paper's rows and numbers, and which of its rows each of our methods compares to.

Kept free of heavy imports: the workflow imports it while building the DAG.
"""

from __future__ import annotations

from pathlib import Path

import yaml

PAPER_NUMBERS = Path(__file__).with_name("paper_numbers.yaml")
PAPER_MODEL = {"gpt2-medium": "GPT-2 M", "gpt2-large": "GPT-2 L"}
PAPER_ROW = {
    ("GPT-2 M", "prefix"): "PREFIX(0.1%)",
    ("GPT-2 L", "prefix"): "PREFIX",
    ("GPT-2 M", "finetune"): "FT-FULL",
    ("GPT-2 L", "finetune"): "FT-FULL",
    ("GPT-2 M", "fttop2"): "FT-TOP2",
    ("GPT-2 M", "adapter"): "ADAPTER(3%)",
    ("GPT-2 M", "adapter-small"): "ADAPTER(0.1%)",
}
# column labels as the paper prints them
LABELS = {"BLEU": "BLEU", "NIST": "NIST", "METEOR": "MET", "ROUGE_L": "R-L", "CIDEr": "CIDEr"}


def paper_numbers() -> dict:
    with open(PAPER_NUMBERS, encoding="utf-8") as f:
        return yaml.safe_load(f)


def paper_method(hparams: dict) -> str:
    """The paper's name for a run's method (adapters split by size: 3% vs 0.1%; the Table 5
    ablations by length: emb-10, infix-1, ...)."""
    if hparams["type"] == "adapter" and hparams.get("adapter_fraction", 0.03) < 0.01:
        return "adapter-small"
    if hparams["type"] in ("emb", "infix"):
        return f"{hparams['type']}-{hparams['prefix_length']}"
    return hparams["type"]


def paper_row(model: str, method: str) -> tuple[str, str, dict]:
    """(paper model, paper row, numbers). Models the paper did not run, and methods it ran
    on GPT-2 medium only, compare to the GPT-2 medium row."""
    pm = PAPER_MODEL.get(model, "GPT-2 M")
    ablation = method.upper()
    if method.split("-")[0] in ("emb", "infix"):
        rows = paper_numbers()["e2e_table5"]["rows"]["GPT-2 M"]
        if ablation not in rows:
            return (
                "GPT-2 M",
                f"{ablation} (not in the paper)",
                {m: float("nan") for m in ("BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr")},
            )
        return "GPT-2 M", f"{ablation} (Table 5)", rows[ablation]["acl"]
    if (pm, method) not in PAPER_ROW:
        pm = "GPT-2 M"
    row = PAPER_ROW[(pm, method)]
    return pm, row, paper_numbers()["e2e_table2"]["rows"][pm][row]["acl"]
