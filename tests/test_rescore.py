"""An archived run's numbers are the ones its own outputs give again (pipeline.report.rescore)."""

import json

import pytest

from pipeline.errors import InputError, PipelineError
from pipeline.evaluate import evaluate
from pipeline.io import write_json, write_jsonl, write_lines
from pipeline.report import rescore

RUN = "extrapolation/xsum/tiny/prefix/full/seed1"


def _archive(tmp_path, hyps):
    """One archived run scored by the workflow's scorer (XSUM: ROUGE, no JVM needed)."""
    test = tmp_path / "results" / "demo" / "data" / "xsum" / "test.jsonl"
    write_jsonl(
        test,
        [
            {"id": "a", "source": "x", "refs": ["the cat sat on the mat"]},
            {"id": "b", "source": "y", "refs": ["a dog barked at the postman"]},
        ],
    )
    run = tmp_path / "archive" / RUN
    write_lines(run / "test.hyp.txt", hyps)
    write_json(run / "test.metrics.json", evaluate("xsum", str(run / "test.hyp.txt"), str(test)))
    return run


def test_a_run_whose_outputs_give_its_archived_scores_re_scores(tmp_path):
    run = _archive(tmp_path, ["the cat sat", "a dog barked loudly"])
    assert rescore.rescore(run) == []
    out = tmp_path / "rescore.md"
    rescore.main(["--archive", str(tmp_path / "archive"), "--out", str(out)])
    assert "**1 of 1 runs re-score to their archived numbers.**" in out.read_text()


def test_a_score_that_its_outputs_do_not_give_is_named_with_both_values(tmp_path):
    run = _archive(tmp_path, ["the cat sat", "a dog barked loudly"])
    metrics = json.loads((run / "test.metrics.json").read_text())
    true_value = metrics["scores"]["ROUGE-2"]
    metrics["scores"]["ROUGE-2"] = true_value + 1e-9  # a hand-edited (or stale) number
    (run / "test.metrics.json").write_text(json.dumps(metrics))
    assert rescore.rescore(run) == [
        f"scores.ROUGE-2: archived {true_value + 1e-9!r}, re-scored {true_value!r}"
    ]
    out = tmp_path / "rescore.md"
    with pytest.raises(PipelineError, match="1 runs do not re-score"):
        rescore.main(["--archive", str(tmp_path / "archive"), "--out", str(out)])
    assert f"{RUN}`:\n  - scores.ROUGE-2: archived" in out.read_text()


def test_outputs_changed_after_scoring_do_not_re_score(tmp_path):
    run = _archive(tmp_path, ["the cat sat", "a dog barked loudly"])
    write_lines(run / "test.hyp.txt", ["the cat sat on the mat", "a dog barked loudly"])
    assert any(d.startswith("scores.ROUGE-1") for d in rescore.rescore(run))


def test_a_missing_test_set_is_named_with_the_target_that_prepares_it(tmp_path):
    run = _archive(tmp_path, ["the cat sat", "a dog barked loudly"])
    metrics = json.loads((run / "test.metrics.json").read_text())
    metrics["test"] = "results/gone/data/xsum/test.jsonl"
    (run / "test.metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(
        InputError,
        match=r"results/gone/data/xsum/test.jsonl is missing.*"
        r"--configfile config/gone.yaml",
    ):
        rescore.rescore(run)


def test_an_archive_without_scored_runs_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no scored run"):
        rescore.main(["--archive", str(tmp_path)])
