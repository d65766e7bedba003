"""Exhibits: the paper's numbers we print, and the tables built from run results."""

import json
import re

import pytest

from pipeline.report import tables
from pipeline.report.paper import paper_method, paper_numbers, paper_row
from tests.conftest import needs_shared


def test_paper_e2e_numbers_match_the_specification():
    spec = needs_shared("docs", "paper.md").read_text()
    table2 = spec[spec.index("### 4.1") :]
    e2e = table2[: table2.index("**WebNLG**")]
    rows = paper_numbers()["e2e_table2"]["rows"]
    checked = 0
    for label, model, row in [
        ("**GPT-2 M** FT-FULL", "GPT-2 M", "FT-FULL"),
        ("FT-TOP2", "GPT-2 M", "FT-TOP2"),
        ("ADAPTER(0.1%)", "GPT-2 M", "ADAPTER(0.1%)"),
        ("PREFIX(0.1%)", "GPT-2 M", "PREFIX(0.1%)"),
        ("**GPT-2 L** FT-FULL", "GPT-2 L", "FT-FULL"),
    ]:
        line = next(ln for ln in e2e.splitlines() if ln.startswith(f"| {label} |"))
        acl = [float(re.sub(r"\{.*?\}", "", c).strip()) for c in line.split("|")[2:7]]
        ours = rows[model][row]["acl"]
        assert acl == [ours[m] for m in ("BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr")], label
        checked += 1
    assert checked == 5


def test_paper_table5_numbers_match_the_specification():
    spec = needs_shared("docs", "paper.md").read_text()
    t5 = spec[spec.index("### 4.4") : spec.index("### 4.5")]
    rows = paper_numbers()["e2e_table5"]["rows"]["GPT-2 M"]
    for label in ("EMB-1", "EMB-20", "INFIX-10"):
        line = next(ln for ln in t5.splitlines() if ln.startswith(f"| {label} |"))
        cells = [float(c) for c in line.split("|")[2:7]]
        assert cells == [
            rows[label]["acl"][m] for m in ("BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr")
        ]


def test_each_method_compares_to_its_row_of_the_paper():
    assert paper_method({"type": "infix", "prefix_length": 10}) == "infix-10"
    assert paper_row("gpt2-medium", "infix-10")[1] == "INFIX-10 (Table 5)"
    assert paper_row("gpt2-medium", "emb-1")[2]["BLEU"] == 48.1
    assert paper_row("gpt2-medium", "prefix")[1] == "PREFIX(0.1%)"
    assert paper_row("smollm2-135m", "finetune")[:2] == ("GPT-2 M", "FT-FULL")
    assert paper_method({"type": "adapter", "adapter_fraction": 0.001}) == "adapter-small"
    assert paper_row("gpt2-medium", "adapter-small")[1] == "ADAPTER(0.1%)"


def _run(tmp_path, path, bleu, method="prefix", size=50, seed=1):
    d = tmp_path / "runs" / path
    d.mkdir(parents=True)
    scores = {"BLEU": bleu, "NIST": 5.0, "METEOR": 0.3, "ROUGE_L": 0.5, "CIDEr": 1.0}
    (d / "test.metrics.json").write_text(
        json.dumps({"scores": scores, "signature": {"protocol": "official"}})
    )
    (d / "train.json").write_text(
        json.dumps(
            {"parameters": {"trainable": 10, "stored": 5, "stored_pct_of_lm": 0.1}, "seconds": 1.0}
        )
    )
    return {
        "path": path,
        "experiment": "x",
        "model": "m",
        "method": method,
        "type": method,
        "regime": f"low{size}s{seed}" if size else "full",
        "size": size,
        "seed": seed,
    }


def test_table_shows_mean_sd_and_the_difference_to_the_paper(tmp_path):
    runs = [
        _run(tmp_path, "a", 0.50, size=None, seed=1),
        _run(tmp_path, "b", 0.60, size=None, seed=2),
    ]
    spec = {"scale": "unit test", "paper_source": "ACL", "notes": ["a note"], "runs": runs}
    summary = tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    row = summary.iloc[0]
    assert row["n"] == 2 and row["BLEU_mean"] == pytest.approx(55.0)
    assert row["BLEU_sd"] == pytest.approx(7.0711, abs=1e-3)
    assert row["BLEU_delta"] == pytest.approx(55.0 - 70.3)
    md = (tmp_path / "t.md").read_text()
    assert "scale: unit test" in md and "55.0 ± 7.1 (70.3; -15.3)" in md and "a note" in md
    assert (tmp_path / "t.tex").read_text().count("\\\\") >= 2


def test_low_data_cells_quote_the_papers_claim_instead_of_a_full_data_row(tmp_path):
    runs = [_run(tmp_path, "a", 0.50, size=50, seed=1)]
    spec = {"scale": "unit test", "paper_source": "ACL", "notes": [], "runs": runs}
    summary = tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    assert summary.iloc[0]["BLEU_paper"] != summary.iloc[0]["BLEU_paper"]  # NaN: not run there
    md = (tmp_path / "t.md").read_text()
    assert "| 50.0 |" in md and "70.3" not in md and "2.9 BLEU" in md
