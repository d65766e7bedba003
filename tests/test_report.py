"""Exhibits: the paper's numbers we print, and the tables built from run results."""

import json

import pytest

from pipeline.errors import PipelineError
from pipeline.report import tables
from pipeline.report.paper import paper_method, paper_numbers, paper_row

E2E = ("BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr")


# The paper's numbers (ACL 2021 camera-ready; where arXiv v1 differs, the ACL value), typed in
# from its tables a second time: pipeline/report/paper_numbers.yaml must agree cell for cell.
PAPER = [
    ("e2e_table2", "GPT-2 M", "FT-FULL", dict(zip(E2E, (68.8, 8.71, 46.1, 71.1, 2.43)))),
    ("e2e_table2", "GPT-2 M", "FT-TOP2", dict(zip(E2E, (68.1, 8.59, 46.0, 70.8, 2.41)))),
    ("e2e_table2", "GPT-2 M", "ADAPTER(0.1%)", dict(zip(E2E, (66.3, 8.41, 45.0, 69.8, 2.40)))),
    ("e2e_table2", "GPT-2 M", "PREFIX(0.1%)", dict(zip(E2E, (70.3, 8.82, 46.3, 72.1, 2.46)))),
    ("e2e_table2", "GPT-2 L", "FT-FULL", dict(zip(E2E, (68.5, 8.78, 46.0, 69.9, 2.45)))),
    ("e2e_table5", "GPT-2 M", "EMB-1", dict(zip(E2E, (48.1, 3.33, 32.1, 60.2, 1.10)))),
    ("e2e_table5", "GPT-2 M", "EMB-10", dict(zip(E2E, (62.2, 6.70, 38.6, 66.4, 1.75)))),
    ("e2e_table5", "GPT-2 M", "EMB-20", dict(zip(E2E, (61.9, 7.11, 39.3, 65.6, 1.85)))),
    ("e2e_table5", "GPT-2 M", "INFIX-10", dict(zip(E2E, (67.2, 8.48, 45.8, 69.9, 2.40)))),
    (
        "webnlg_table2",
        "GPT-2 M",
        "PREFIX(0.1%)",
        {
            "BLEU_seen": 62.9,
            "BLEU_unseen": 45.3,
            "BLEU_all": 55.0,
            "METEOR_seen": 0.44,
            "METEOR_unseen": 0.37,
            "METEOR_all": 0.41,
            "TER_seen": 0.35,
            "TER_unseen": 0.51,
            "TER_all": 0.42,
        },
    ),  # fmt: skip
    ("webnlg_table2", "GPT-2 M", "ADAPTER(3%)", {"BLEU_unseen": 47.9, "TER_all": 0.39}),
    ("webnlg_table2", "GPT-2 L", "PREFIX", {"BLEU_all": 56.3, "METEOR_unseen": 0.39}),
    ("dart_table2", "GPT-2 M", "FT-TOP2", {"BLEU": 41.0, "METEOR": 0.34, "TER": 0.56}),
    ("dart_table2", "GPT-2 L", "PREFIX", {"BLEU": 46.7, "METEOR": 0.39, "TER": 0.45}),
    (
        "xsum_table3",
        "BART-L",
        "FT-FULL (Lewis et al., 2020)",
        {"ROUGE-1": 45.14, "ROUGE-2": 22.27, "ROUGE-L": 37.25},
    ),
    ("xsum_table3", "BART-L", "PREFIX(2%)", {"ROUGE-1": 43.80, "ROUGE-2": 20.93, "ROUGE-L": 36.05}),
    (
        "xsum_table3",
        "BART-L",
        "PREFIX(0.1%)",
        {"ROUGE-1": 42.92, "ROUGE-2": 20.03, "ROUGE-L": 35.05},
    ),
]


@pytest.mark.parametrize("table,model,row,expected", PAPER, ids=lambda x: str(x)[:24])
def test_the_papers_numbers_are_those_of_its_tables(table, model, row, expected):
    ours = paper_numbers()[table]["rows"][model][row]["acl"]
    assert {m: ours[m] for m in expected} == expected


def test_each_method_compares_to_its_row_of_the_paper():
    assert paper_method({"type": "infix", "prefix_length": 10}) == "infix-10"
    assert paper_row("gpt2-medium", "infix-10")[1] == "INFIX-10 (Table 5)"
    assert paper_row("gpt2-medium", "emb-1")[2]["BLEU"] == 48.1
    assert paper_row("gpt2-medium", "prefix")[1] == "PREFIX(0.1%)"
    assert paper_row("smollm2-135m", "finetune")[:2] == ("GPT-2 M", "FT-FULL")
    assert paper_method({"type": "adapter", "adapter_fraction": 0.001}) == "adapter-small"
    assert paper_row("gpt2-medium", "adapter-small")[1] == "ADAPTER(0.1%)"
    # per data set: its own table and columns; XSUM's two prefix rows by prefix length
    assert paper_row("gpt2-medium", "prefix", "dart")[2]["TER"] == 0.46
    assert paper_row("gpt2-large", "prefix", "webnlg")[2]["BLEU_unseen"] == 47.7
    assert paper_row("bart-large", "prefix", "xsum", 100)[1:] == (
        "PREFIX(2%)",
        {"ROUGE-1": 43.80, "ROUGE-2": 20.93, "ROUGE-L": 36.05},
    )
    assert paper_row("tiny-bart", "prefix", "xsum", 5)[:2] == ("BART-L", "PREFIX(0.1%)")
    assert paper_row("gpt2-medium", "emb-10", "dart")[1] == "EMB-10 (not in the paper)"


def _run(
    tmp_path,
    path,
    bleu,
    method="prefix",
    size=50,
    seed=1,
    dataset="e2e",
    scores=None,
    precision=None,
):
    d = tmp_path / "runs" / path
    d.mkdir(parents=True)
    scores = scores or {"BLEU": bleu, "NIST": 5.0, "METEOR": 0.3, "ROUGE_L": 0.5, "CIDEr": 1.0}
    (d / "test.metrics.json").write_text(
        json.dumps({"scores": scores, "signature": {"protocol": "official"}})
    )
    summary = {"parameters": {"trainable": 10, "stored": 5, "stored_pct_of_lm": 0.1}, "seconds": 1}
    if precision:
        summary["precision"] = precision
    (d / "train.json").write_text(json.dumps(summary))
    return {
        "path": path,
        "dataset": dataset,
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
    assert "- precision: fp32" in md  # runs that record none computed in fp32


def test_a_table_never_compares_runs_of_different_precisions(tmp_path):
    runs = [
        _run(tmp_path, "a", 0.50, size=None, precision="bf16"),
        _run(tmp_path, "b", 0.60, size=None, seed=2, precision="fp32"),
    ]
    spec = {"scale": "unit test", "paper_source": "ACL", "notes": [], "runs": runs}
    with pytest.raises(PipelineError, match="different precisions.*bf16.*fp32"):
        tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    assert not (tmp_path / "t.md").exists()


def test_low_data_cells_quote_the_papers_claim_instead_of_a_full_data_row(tmp_path):
    runs = [_run(tmp_path, "a", 0.50, size=50, seed=1)]
    spec = {"scale": "unit test", "paper_source": "ACL", "notes": [], "runs": runs}
    summary = tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    assert summary.iloc[0]["BLEU_paper"] != summary.iloc[0]["BLEU_paper"]  # NaN: not run there
    md = (tmp_path / "t.md").read_text()
    low = next(ln for ln in md.splitlines() if ln.startswith("| 50 examples |"))
    assert "| 50.0 |" in low and "70.3" not in low and "2.9 BLEU" in md


def test_a_low_data_setting_of_the_table5_ablations_is_set_beside_the_papers_full_data_rows(
    tmp_path,
):
    """Table 5 exists at full data only: where its ablations ran on a low-data subset, they and
    the prefix beside them show the paper's full-data numbers, labelled as such."""
    runs = [
        {**_run(tmp_path, f"{m}", 0.5, method=m, size=500), "prefix_length": 10}
        for m in ("prefix", "emb-10", "infix-10")
    ]
    for r in runs:
        r["type"] = r["method"]
    spec = {"scale": "unit test", "paper_source": "ACL", "notes": [], "runs": runs}
    summary = tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    paper = dict(zip(summary["method"], summary["BLEU_paper"]))
    assert paper["emb-10"] == 62.2 and paper["infix-10"] == 67.2 and paper["prefix"] == 70.3
    rows = dict(zip(summary["method"], summary["paper_row"]))
    assert rows["emb-10"] == "GPT-2 M EMB-10 (Table 5) (full data)"


def test_a_table_of_several_data_sets_prints_each_in_its_own_columns(tmp_path):
    webnlg = {
        f"{m}_{t}": v
        for m, v in (("BLEU", 50.0), ("METEOR", 0.4), ("TER", 0.5))
        for t in ("seen", "unseen", "all")
    }
    runs = [
        _run(tmp_path, "e", 0.7, size=None),
        _run(tmp_path, "w", 0, size=None, dataset="webnlg", scores=webnlg),
        _run(
            tmp_path,
            "x",
            0,
            size=None,
            dataset="xsum",
            method="finetune",
            scores={"ROUGE-1": 40.0, "ROUGE-2": 18.0, "ROUGE-L": 33.0},
        ),
    ]
    spec = {
        "scale": "unit test",
        "paper_source": "ACL",
        "notes": [],
        "runs": runs,
        "title": "Table 2 and 3",
    }
    summary = tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    assert list(dict.fromkeys(summary["dataset"])) == ["e2e", "webnlg", "xsum"]
    md = (tmp_path / "t.md").read_text()
    assert "## WebNLG test" in md and "| BLEU S | BLEU U | BLEU A |" in md
    assert "50.0 (62.9; -12.9)" in md  # WebNLG BLEU seen vs PREFIX(0.1%)
    assert "18.00 (22.27; -4.27)" in md  # XSUM R-2 vs Lewis et al.'s fine-tuned BART
    assert (tmp_path / "t.tex").read_text().count("\\begin{tabular}") == 3


def test_paper_rows_without_a_run_here_say_not_run_and_show_the_papers_value(tmp_path):
    runs = [_run(tmp_path, "a", 0.70, size=None)]
    spec = {"scale": "unit test", "paper_source": "ACL", "notes": [], "runs": runs}
    tables.build(spec, str(tmp_path / "t"), results_dir=str(tmp_path))
    md = (tmp_path / "t.md").read_text()
    # our prefix run answers PREFIX(0.1%); FT-FULL, FT-TOP2, ... and Table 5 were not run
    assert "| (GPT-2 M) | FT-TOP2 | 0 | – | not run (68.1) |" in md
    assert "| (GPT-2 M) | INFIX-10 (Table 5) | 0 | – | not run (67.2) |" in md
    assert "PREFIX(0.1%) |" in md and md.count("PREFIX(0.1%)") == 1  # ours, not repeated
    assert "Shen et al." not in md  # another system's SOTA is not a row to run


def test_the_init_figure_compares_initialisations_only_where_several_were_trained():
    """The low-data grid's prefix runs ("table-to-text:" at 50-500 examples) join the
    initialisation study at its one size (100) and nowhere else."""
    import pandas as pd

    from pipeline.report.figures import compared_initialisations

    grid = [{"size": s, "init_words": "table-to-text:"} for s in (50, 100, 200, 500)]
    study = [{"size": 100, "init_words": w} for w in (None, "summarize")]
    df = pd.DataFrame(grid + study)
    kept = compared_initialisations(df)
    assert sorted(kept["size"].unique()) == [100]
    assert len(kept) == 3
    full_data = pd.DataFrame([{"size": None, "init_words": w} for w in (None, "keep")])
    assert len(compared_initialisations(full_data)) == 2  # no sizes: nothing to filter


def test_the_releases_declare_the_papers_tables_their_runs_compare_to():
    """E2E's ablations compare to Table 5, XSUM's topic splits to Table 4, a short XSUM prefix
    to PREFIX(0.1%); a release without such a table says "not in the paper"."""
    pm, row, numbers = paper_row("bart-large", "prefix", "xsum", None, "news-to-sports")
    assert (pm, row, numbers["ROUGE-1"]) == ("BART-L", "PREFIX (Table 4, news-to-sports)", 39.23)
    assert paper_row("gpt2-medium", "emb-10", "e2e")[1:] == (
        "EMB-10 (Table 5)",
        dict(zip(E2E, (62.2, 6.70, 38.6, 66.4, 1.75))),
    )
    assert paper_row("gpt2-medium", "emb-10", "dart")[1] == "EMB-10 (not in the paper)"
    assert paper_row("bart-large", "prefix", "xsum", 5)[1] == "PREFIX(0.1%)"
    assert paper_row("bart-large", "prefix", "xsum", 100)[1] == "PREFIX(2%)"


def test_a_setting_compares_each_prefix_to_fine_tuning_and_each_word_to_random():
    """Fig. 3's contrast for every prefix method, and Fig. 5's: every word-initialised prefix
    against the random one that ran beside it; the same name in two experiments is told apart."""
    import pandas as pd

    g = pd.DataFrame(
        [
            ("claims", "prefix", "prefix", "table-to-text:"),
            ("claims", "finetune", "finetune", None),
            ("init", "prefix-random", "prefix", None),
            ("init", "prefix-summarize", "prefix", "summarize"),
        ],
        columns=["experiment", "method", "type", "init_words"],
    )
    labels = tables._labels(g)
    assert tables.contrasts(g, labels) == [
        ("prefix", "finetune"),
        ("prefix-random", "finetune"),
        ("prefix-summarize", "finetune"),
        ("prefix", "prefix-random"),
        ("prefix-summarize", "prefix-random"),
    ]
    two = pd.concat([g, g.assign(experiment="other")], ignore_index=True)
    assert "other:prefix" in set(tables._labels(two))


def test_contrasts_run_per_size_and_over_all_sizes_with_pairs_on_one_machine(tmp_path):
    """The paper's "+2.9 BLEU on average": one bootstrap over every low-data pair of every size
    besides one per size; each contrast counts the pairs A wins and the pairs whose two runs
    computed on different machines."""
    import pandas as pd

    from pipeline.report.collect import collect

    refs = [["the eagle is a coffee shop ."], ["blue spice is a pub ."]] * 10
    tests_file = tmp_path / "test.jsonl"
    tests_file.write_text("".join(json.dumps({"refs": r}) + "\n" for r in refs))
    good, bad = [r[0] for r in refs], ["a pub ."] * len(refs)
    runs = []
    for size in (50, 100):
        for subset in (1, 2):
            for method, hyps in (("prefix", bad), ("finetune", good)):
                run = _run(tmp_path, f"{method}/low{size}s{subset}", 0.5, method, size, subset)
                d = tmp_path / "runs" / run["path"]
                run.update(dir=str(d), regime=f"low{size}s{subset}", seed=1)
                (d / "test.hyp.txt").write_text("\n".join(hyps) + "\n")
                cpu = "Xeon" if (method, size, subset) != ("finetune", 100, 2) else "EPYC"
                summary = json.loads((d / "train.json").read_text())
                summary["machine"] = {"cpu": cpu, "cpu_bf16": None, "torch": "2.13.0+cpu"}
                (d / "train.json").write_text(json.dumps(summary))
                runs.append(run)
    df = collect(runs, tmp_path)
    assert set(df["machine"]) == {
        "Xeon, no native bf16, torch 2.13.0+cpu",
        "EPYC, no native bf16, torch 2.13.0+cpu",
    }
    comps = {c["setting"]: c for c in tables.comparisons(df, {"tests": {"e2e": str(tests_file)}})}
    assert list(comps) == ["50 examples", "100 examples", tables.POOLED]
    pooled = comps[tables.POOLED]
    assert pooled["pairs"] == 4 and pooled["a_better"] == 0 and pooled["size"] is None
    assert pooled["delta"] == pytest.approx(comps["50 examples"]["delta"])  # same pairs' gap
    assert comps["50 examples"]["across_machines"] == 0
    assert pooled["across_machines"] == comps["100 examples"]["across_machines"] == 1
    md = "\n".join(tables.comparison_markdown(list(comps.values())))
    assert "| 4 (1 across machines) |" in md and "| 0 of 4 |" in md
    assert pooled["spread"]["p"] is None  # across sizes the spread would be the sizes' effect
    assert comps["50 examples"]["spread"]["sd_a"] == pytest.approx(0)
    assert pd.Series(pooled["pair_deltas"]).std() == pytest.approx(0, abs=1e-9)


def test_a_pooled_contrast_whose_pairs_all_come_from_one_size_is_left_out(tmp_path):
    """Fig. 5's random arm runs at 100 examples only: its "all sizes" contrast would repeat the
    100-example one."""
    import pandas as pd

    g = pd.DataFrame(
        [
            ("e", "prefix", "prefix", "table-to-text:", "low50s1", 50, 1, "x"),
            ("e", "prefix", "prefix", "table-to-text:", "low100s1", 100, 1, "x"),
            ("e", "prefix-random", "prefix", None, "low100s1", 100, 1, "x"),
        ],
        columns=["experiment", "method", "type", "init_words", "regime", "size", "seed", "dir"],
    )
    assert tables._contrast(g, [], [], statistics=None) == []


def test_a_setting_tests_each_of_the_papers_claims_whose_two_sides_ran():
    """Table 2: prefix and adapters against fine-tuning; Table 5: embedding-only and infix
    prefixes against the full prefix (each length on its own)."""
    import pandas as pd

    g = pd.DataFrame(
        [
            ("t", m, t, None)
            for m, t in [
                ("prefix", "prefix"),
                ("finetune", "finetune"),
                ("adapter-3pct", "adapter"),
                ("adapter-0.1pct", "adapter-small"),
                ("emb-1", "emb-1"),
                ("infix-10", "infix-10"),
            ]
        ],
        columns=["experiment", "method", "type", "init_words"],
    )
    assert tables.contrasts(g, tables._labels(g)) == [
        ("prefix", "finetune"),
        ("adapter-0.1pct", "finetune"),
        ("adapter-3pct", "finetune"),
        ("emb-1", "prefix"),
        ("infix-10", "prefix"),
    ]
    only_ablations = g[g["type"].isin(["emb-1", "infix-10"])]
    assert tables.contrasts(only_ablations, tables._labels(only_ablations)) == []


def test_webnlg_contrasts_are_tested_on_seen_unseen_and_all_with_the_kits_bleu(tmp_path):
    """The extrapolation claim is about the unseen categories: each contrast is bootstrapped on
    all, seen and unseen instances, and the BLEU it recounts is the official kit's (equal to
    the run's scored BLEU_seen / BLEU_unseen / BLEU_all)."""
    from pipeline.data import registry
    from pipeline.metrics import triples
    from pipeline.report.collect import collect

    tests = [
        {"refs": ["Alan Bean was born in Wheeler , Texas ."], "track": "seen"},
        {"refs": ["The Acharya Institute is in Bangalore .", "It is in Bangalore ."], "track": "seen"},
        {"refs": ["Elliot See died in St. Louis ."], "track": "unseen"},
        {"refs": ["Aarhus Airport serves the city of Aarhus ."], "track": "unseen"},
    ] * 3  # fmt: skip
    tests_file = tmp_path / "test.jsonl"
    tests_file.write_text("".join(json.dumps(t) + "\n" for t in tests))
    outputs = {
        "prefix": [t["refs"][0] if t["track"] == "unseen" else "it is a place ." for t in tests],
        "finetune": [t["refs"][0] if t["track"] == "seen" else "it is a place ." for t in tests],
    }
    runs = []
    for subset in (1, 2, 3):
        for method, hyps in outputs.items():
            scored = triples.score(
                hyps, [t["refs"] for t in tests], "webnlg", [t["track"] for t in tests], "python"
            )["scores"]
            scored = {**scored, **{f"METEOR_{t}": 0.3 for t in ("all", "seen", "unseen")}}
            path = f"{method}/s{subset}"
            run = _run(tmp_path, path, 0, method, None, subset, dataset="webnlg", scores=scored)
            d = tmp_path / "runs" / path
            (d / "test.hyp.txt").write_text("\n".join(hyps) + "\n")
            run.update(dir=str(d), release="webnlg")
            runs.append(run)
    df = collect(runs, tmp_path)
    comps = tables.comparisons(df, {"tests": {"webnlg": str(tests_file)}})
    by = {c["metric"]: c for c in comps}
    assert set(by) == {"BLEU_all", "BLEU_seen", "BLEU_unseen"}
    assert by["BLEU_unseen"]["delta"] > 50 and by["BLEU_seen"]["delta"] < -50
    for metric, c in by.items():  # the bootstrap's BLEU is the scorer's, per track
        mine = df[df["method"] == "prefix"][metric].tolist()
        assert c["bleu_a"] == pytest.approx(mine)
    assert registry.get("webnlg").bleu_statistics is not None
    md = "\n".join(tables.comparison_markdown(comps))
    assert "| prefix − finetune | BLEU_unseen |" in md


def test_figures_show_every_run_beside_its_mean(tmp_path, monkeypatch):
    """Fig. 5's claim is about spread as well as level: each run is drawn, not only mean ± sd."""
    from pipeline.report import figures

    runs = []
    for seed, (words, bleu) in enumerate([(None, 0.50), (None, 0.54), ("table-to-text:", 0.55)]):
        run = _run(tmp_path, f"r{seed}", bleu, size=100, seed=seed + 1)
        runs.append({**run, "init_words": words})
    drawn = {}
    monkeypatch.setattr(figures, "_save", lambda fig, out: drawn.setdefault("fig", fig))
    spec = {"kind": "init", "scale": "unit test", "runs": runs}
    figures.build(spec, str(tmp_path / "f"), results_dir=str(tmp_path))
    bleu_axis = drawn["fig"].axes[0]
    (dots,) = bleu_axis.collections[-1:]
    assert sorted(y for _, y in dots.get_offsets()) == pytest.approx([50.0, 54.0, 55.0])


def test_the_prefix_length_figure_shows_the_training_and_dev_loss_beside_the_metrics(
    tmp_path, monkeypatch
):
    """Fig. 4's second claim: longer prefixes reach a lower training loss (the mean of the last
    tenth of the steps, not one batch) and overfit slightly (the kept checkpoint's dev loss)."""
    from pipeline.report import figures
    from pipeline.report.collect import final_train_loss

    assert final_train_loss([9.0] * 18 + [2.0, 1.0]) == pytest.approx(1.5)  # last 2 of 20
    assert final_train_loss([3.0]) == 3.0
    runs = []
    for length, loss in ((1, 2.0), (10, 1.5), (40, 1.0)):
        run = _run(tmp_path, f"L{length}", 0.5, size=None)
        d = tmp_path / "runs" / f"L{length}"
        summary = json.loads((d / "train.json").read_text())
        summary.update(train_loss=[5.0] * 9 + [loss], dev_loss=loss + 0.1)
        (d / "train.json").write_text(json.dumps(summary))
        runs.append({**run, "prefix_length": length})
    drawn = {}
    monkeypatch.setattr(figures, "_save", lambda fig, out: drawn.setdefault("fig", fig))
    spec = {"kind": "prefix_length", "scale": "unit test", "runs": runs}
    figures.build(spec, str(tmp_path / "f"), results_dir=str(tmp_path))
    titles = [ax.get_title() for ax in drawn["fig"].axes]
    assert titles[-2:] == [
        "e2e: training loss (last 10% of steps)",
        "e2e: dev loss (kept checkpoint)",
    ]
    train_axis = drawn["fig"].axes[-2]
    (dots,) = train_axis.collections[-1:]
    assert sorted(y for _, y in dots.get_offsets()) == pytest.approx([1.0, 1.5, 2.0])
