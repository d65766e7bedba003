"""The precision study: experiments repeated in another precision, the paired table, and the
rule `precision: auto` follows (bf16 only for methods the study found faithful)."""

import collections
import copy
import json
from pathlib import Path

import pytest
import yaml

from pipeline import config as pconf
from pipeline import precision
from pipeline.report import precision as study
from pipeline.report import specs
from tests.conftest import ROOT


def smoke():
    with open(ROOT / "config/smoke.yaml") as f:
        return yaml.safe_load(f)


def with_repeat(**repeat):
    cfg = smoke()
    cfg["experiments"]["lowdata"]["archive"] = "somewhere"
    cfg["experiments"]["lowdata-bf16"] = {"repeat_of": "lowdata", **repeat}
    return cfg


# --- repeat_of and an experiment's own precision ---------------------------------------------


def test_a_repeat_runs_its_originals_grid_under_its_own_name():
    cfg = pconf.validate(with_repeat(precision="bf16", exhibits=["precision_table"]))
    runs = pconf.expand_runs(cfg)
    original = {r.path.split("/", 1)[1]: r.hparams for r in runs if r.experiment == "lowdata"}
    repeat = {r.path.split("/", 1)[1]: r.hparams for r in runs if r.experiment == "lowdata-bf16"}
    assert repeat == original and original


def test_a_repeat_inherits_neither_the_archive_nor_the_exhibits_nor_the_precision():
    cfg = pconf.validate(with_repeat())
    rep = cfg["experiments"]["lowdata-bf16"]
    assert rep["archive"] is None and rep["exhibits"] == []
    assert pconf.experiment_precision(cfg, "lowdata-bf16") == cfg["precision"]


def test_a_repeat_may_change_part_of_the_grid():
    cfg = pconf.validate(with_repeat(seeds=[7]))
    seeds = {r.seed for r in pconf.expand_runs(cfg) if r.experiment == "lowdata-bf16"}
    assert seeds == {7}


@pytest.mark.parametrize(
    "target, message",
    [("nope", "no such experiment"), ("chain", "itself a repeat")],
)
def test_a_repeat_of_nothing_or_of_a_repeat_is_an_error_naming_the_key(target, message):
    cfg = with_repeat()
    cfg["experiments"]["chain"] = {"repeat_of": "lowdata"}
    cfg["experiments"]["lowdata-bf16"]["repeat_of"] = target
    with pytest.raises(pconf.ConfigError, match=r"\['lowdata-bf16'\]\['repeat_of'\].*" + message):
        pconf.validate(cfg)


def test_an_experiments_precision_overrides_the_configurations():
    cfg = pconf.validate(with_repeat(precision="bf16"))
    assert pconf.experiment_precision(cfg, "lowdata-bf16") == "bf16"
    assert pconf.experiment_precision(cfg, "lowdata") == cfg["precision"]


def test_the_precision_exhibit_takes_the_repeats_and_their_originals():
    cfg = pconf.validate(with_repeat(precision="bf16", exhibits=["precision_table"]))
    cfg["experiments"]["lowdata"]["archive"] = None
    runs = specs.exhibit_runs(cfg, pconf.expand_runs(cfg), "precision_table", "results/x")
    assert {r.experiment for r in runs} == {"lowdata", "lowdata-bf16"}
    spec = specs.exhibit_spec(cfg, pconf.expand_runs(cfg), "precision_table", "results/x")
    assert {r["repeat_of"] for r in spec["runs"]} == {None, "lowdata"}


def test_the_shipped_precision_study_pairs_every_bf16_run_with_an_fp32_one():
    cfg = pconf.load(ROOT / "config/precision.yaml")
    runs = pconf.expand_runs(cfg)
    exps = cfg["experiments"]
    fp32 = {(r.experiment, r.method, r.regime, r.seed) for r in runs}
    bf16 = [r for r in runs if pconf.experiment_precision(cfg, r.experiment) != "fp32"]
    per_design = collections.Counter(exps[r.experiment]["precision"] for r in bf16)
    # bf16: words prefix and fine-tuning at 50 / 100 / 500, random prefix at 50 / 500;
    # bf16-mixed: words prefix and fine-tuning at 50 / 100, random prefix at 50; 5 subsets each
    assert per_design == {"bf16": 5 * (2 * 3 + 2), "bf16-mixed": 5 * (2 * 2 + 1)}
    for r in bf16:
        original = exps[r.experiment]["repeat_of"]
        assert pconf.experiment_precision(cfg, original) == "fp32"
        assert (original, r.method, r.regime, r.seed) in fp32


# --- the rule auto follows -------------------------------------------------------------------


@pytest.mark.parametrize(
    "delta, ci, verdict",
    [
        (0.1, (-0.6, 0.8), True),
        (0.6, (-0.2, 1.4), False),  # too far from fp32 on average
        (-0.3, (-0.5, -0.1), False),  # small, but the interval excludes 0
        (-0.5, (-1.1, 0.2), True),  # the tolerance's edge is in
    ],
)
def test_a_cell_is_faithful_within_half_a_bleu_point_with_an_interval_around_zero(
    delta, ci, verdict
):
    assert precision.faithful(delta, *ci) is verdict


def test_auto_picks_a_bf16_design_only_where_every_trained_method_is_faithful():
    verdicts = {
        "bf16": {"finetune": {"faithful": True}, "prefix": {"faithful": False}},
        "bf16-mixed": {"finetune": {"faithful": True}, "prefix": {"faithful": True}},
    }
    assert precision.auto_precision({"finetune"}, verdicts) == "auto:bf16"  # the leaner first
    assert precision.auto_precision({"finetune", "prefix"}, verdicts) == "auto:bf16-mixed"
    del verdicts["bf16-mixed"]["prefix"]
    assert precision.auto_precision({"finetune", "prefix"}, verdicts) == "fp32"
    assert precision.auto_precision({"adapter"}, verdicts) == "fp32"  # never studied
    assert precision.auto_precision(set(), verdicts) == "fp32"


def test_a_job_computes_the_chosen_design_only_where_bf16_is_native(monkeypatch):
    import torch

    from pipeline import device as pdevice

    cpu = torch.device("cpu")
    monkeypatch.setattr(pdevice, "cpu_bf16", lambda: "amx_bf16")
    assert pdevice.resolve_precision("auto:bf16-mixed", cpu) == "bf16-mixed"
    monkeypatch.setattr(pdevice, "cpu_bf16", lambda: None)
    assert pdevice.resolve_precision("auto:bf16-mixed", cpu, quiet=True) == "fp32"
    with pytest.raises(pdevice.DeviceError, match="auto:DESIGN"):
        pdevice.check_precision("auto:fp16")


def test_auto_resolves_for_the_whole_configuration(monkeypatch):
    """One exhibit must never mix precisions: if any method trained under auto is not
    faithful, every auto experiment computes in fp32."""
    verdicts = {"bf16": {"finetune": {"faithful": True}, "prefix": {"faithful": False}}}
    monkeypatch.setattr(precision, "evidence", lambda *a: verdicts)
    cfg = pconf.validate(smoke())
    cfg["precision"] = "auto"
    assert pconf.experiment_precision(cfg, "lowdata") == "fp32"  # it trains prefix too
    for exp in cfg["experiments"].values():
        exp["methods"] = {"finetune": {}}
    assert pconf.experiment_precision(cfg, "lowdata") == "auto:bf16"  # the device decides


def test_the_shipped_evidence_is_the_studys_verdict():
    """`auto` reads bf16_evidence.yaml; it must say what the committed study table says."""
    committed = ROOT / "docs/results/precision/precision.significance.json"
    results = json.loads(committed.read_text())
    shipped = yaml.safe_load(precision.EVIDENCE_PATH.read_text())
    done = {
        (design, key): v.pop("complete")
        for design, methods in shipped["designs"].items()
        for key, v in methods.items()
    }
    assert shipped["designs"] == study.verdicts(results)
    # auto reads a method's verdict only once its runs are complete
    read = precision.evidence()
    assert {(d, k) for d, methods in read.items() for k in methods} == {
        dk for dk, ok in done.items() if ok
    }


# --- the paired table ------------------------------------------------------------------------


def _run(tmp_path, experiment, method, regime, hyps, bleu, prec, dev_loss, seconds, repeat_of):
    d = tmp_path / experiment / method / regime
    d.mkdir(parents=True)
    (d / "test.hyp.txt").write_text("\n".join(hyps) + "\n")
    (d / "test.metrics.json").write_text(
        json.dumps({"scores": {"BLEU": bleu}, "signature": {"protocol": "official"}})
    )
    machine = {"cpu": "Xeon", "cpu_bf16": "amx_bf16", "torch": "2.13.0+cpu"}
    (d / "train.json").write_text(
        json.dumps(
            {
                "parameters": {"trainable": 1, "stored": 1, "stored_pct_of_lm": 0.1},
                "seconds": seconds,
                "steps": 10,
                "dev_loss": dev_loss,
                "precision": prec,
                "machine": machine,
            }
        )
    )
    (d / "test.decode.json").write_text(json.dumps({"seconds": seconds / 2}))
    size = int(regime[3:].split("s")[0])
    return {
        "path": f"{experiment}/{method}/{regime}",
        "dir": str(d),
        "dataset": "e2e",
        "release": "e2e",
        "experiment": experiment,
        "repeat_of": repeat_of,
        "model": "m",
        "method": method,
        "type": method.split("-")[0],
        "regime": regime,
        "size": size,
        "seed": 1,
        "init_words": None if method != "prefix" else "table-to-text:",
    }


def _study(tmp_path):
    refs = [["the eagle is a coffee shop ."], ["blue spice is a pub ."]] * 10
    good, bad = [r[0] for r in refs], ["a pub ."] * len(refs)
    half = good[:10] + bad[10:]
    tests = tmp_path / "test.jsonl"
    tests.write_text("".join(json.dumps({"refs": r}) + "\n" for r in refs))
    runs = []
    for size in (50, 200):
        for subset in (1, 2, 3):
            regime = f"low{size}s{subset}"
            # fine-tuning: the same outputs in both precisions; prefix: bf16 loses half
            for method, bf16_hyps in (("finetune", good), ("prefix", half)):
                runs.append(_run(tmp_path, "c", method, regime, good, 0.6, "fp32", 1.5, 20, None))
                runs.append(
                    _run(tmp_path, "c-bf16", method, regime, bf16_hyps, 0.4, "bf16", 1.6, 10, "c")
                )
    spec = {"title": "t", "scale": "test", "notes": [], "tests": {"e2e": str(tests)}, "runs": runs}
    return spec


def test_the_study_pairs_runs_and_reports_every_cell_pooled_and_per_method(tmp_path):
    results = study.build(_study(tmp_path), str(tmp_path / "out"))
    by = {(r["method"], r["setting"]): r for r in results}
    ft = by[("finetune", "50 examples")]
    assert ft["pairs"] == 3 and ft["delta"] == pytest.approx(0)
    assert ft["identical_outputs"] == 1.0 and ft["faithful"]
    assert ft["dev_loss_delta"] == pytest.approx(0.1)
    assert ft["train_speedup"] == pytest.approx(2.0) and ft["decode_speedup"] == pytest.approx(2)
    pre = by[("prefix ('table-to-text:')", "50 examples")]
    assert pre["delta"] < -5 and pre["ci95_runs"][1] < 0 and not pre["faithful"]
    assert pre["identical_outputs"] == pytest.approx(0.5) and pre["b_better"] == 0
    assert by[("finetune", study.POOLED)]["pairs"] == 6
    # one protocol and initialisation per method: no row over all of a type's cells
    assert not any(setting == study.ALL_CELLS for _, setting in by)
    md = (tmp_path / "out.md").read_text()
    assert "| c | finetune | 50 examples | 3 | fp32 / bf16 |" in md and "**no**" in md


def test_a_resumed_runs_seconds_do_not_enter_the_training_speed(tmp_path):
    """A run resumed from its checkpoint records the seconds of its last attempt only: its pair
    leaves the training speed (decoding still counts), or the speed-up would be invented."""
    spec = _study(tmp_path)
    resumed = next(r for r in spec["runs"] if r["path"] == "c-bf16/finetune/low50s1")
    summary = Path(resumed["dir"]) / "train.json"
    t = json.loads(summary.read_text())
    summary.write_text(json.dumps({**t, "seconds": 1, "resumed_from_steps": [9]}))
    by = {(r["method"], r["setting"]): r for r in study.build(spec, str(tmp_path / "out"))}
    ft = by[("finetune", "50 examples")]
    assert ft["train_speed_pairs"] == 2 and ft["speed_pairs"] == 3
    assert ft["train_speedup"] == pytest.approx(2.0) and ft["decode_speedup"] == pytest.approx(2)
    assert by[("finetune", study.POOLED)]["train_speed_pairs"] == 5
    md = (tmp_path / "out.md").read_text()
    assert "| 2.00 / 1.00 (2.00x, 2 pairs) | 10 / 5 (2.00x) |" in md


def test_the_verdict_is_per_method_type_over_its_own_cells(tmp_path):
    results = study.build(_study(tmp_path), str(tmp_path / "out"))
    verdicts = study.verdicts(results)
    words = "prefix (words)"
    assert verdicts["bf16"]["finetune"]["faithful"] and not verdicts["bf16"][words]["faithful"]
    assert len(verdicts["bf16"]["finetune"]["cells"]) == 2  # 50 and 200 examples, not pooled
    study.write_evidence(results, tmp_path / "evidence.yaml", "test", {"runs": [1]})
    read = precision.evidence.__wrapped__(tmp_path / "evidence.yaml")
    assert precision.auto_precision({"finetune"}, read) == "auto:bf16"
    assert precision.auto_precision({"finetune", words}, read) == "fp32"


def test_a_method_still_waiting_for_runs_gives_auto_no_verdict(tmp_path):
    """A verdict counts once every run the study plans for that method in that design has
    finished: a prefix repeat still running holds back the prefix's bf16 verdict only; an
    original still running holds back its method's verdict in every design."""
    spec = _study(tmp_path)
    results = study.build(spec, str(tmp_path / "out"))
    prefix_bf16 = {"precision": "bf16", "repeat_of": "c", "type": "prefix",
                   "init_words": "table-to-text:"}  # fmt: skip
    missing = str(tmp_path / "not-trained-yet")  # a planned run without scores
    spec["planned"] = [
        {"path": "c-bf16/prefix/low500s1", "dir": missing, "experiment": "c-bf16", **prefix_bf16}
    ]
    assert not study.complete(spec)
    assert study.pending(spec) == {("bf16", "prefix (words)")}
    study.write_evidence(results, tmp_path / "evidence.yaml", "test", spec)
    read = precision.evidence.__wrapped__(tmp_path / "evidence.yaml")
    assert set(read["bf16"]) == {"finetune"}
    assert precision.auto_precision({"finetune"}, read) == "auto:bf16"

    original = {"experiment": "c", "repeat_of": None, "precision": "fp32", "type": "finetune"}
    spec["planned"] = [{"path": "c/finetune/low500s1", "dir": missing, **original}]
    assert study.pending(spec) == {(d, "finetune") for d in precision.DESIGNS}
    study.write_evidence(results, tmp_path / "evidence.yaml", "test", spec)
    assert "finetune" not in precision.evidence.__wrapped__(tmp_path / "evidence.yaml")["bf16"]


def test_runs_without_a_partner_are_not_paired(tmp_path):
    spec = _study(tmp_path)
    spec = copy.deepcopy(spec)
    spec["runs"] = [r for r in spec["runs"] if not (r["experiment"] == "c" and "s3" in r["regime"])]
    results = study.build(spec, str(tmp_path / "out"))
    assert {r["pairs"] for r in results if r["setting"] == "50 examples"} == {2}


def test_auto_says_in_one_line_when_the_study_keeps_it_at_fp32(monkeypatch):
    monkeypatch.setattr(
        precision, "evidence", lambda *a: {"bf16": {"finetune": {"faithful": True}}}
    )
    cfg = pconf.validate(smoke())
    assert pconf.auto_notice(cfg) is None  # nothing under auto
    cfg["precision"] = "auto"
    notice = pconf.auto_notice(cfg)
    assert notice.startswith("precision auto: fp32") and "prefix" in notice
    assert "finetune" not in notice.split("for ", 1)[1]


def test_a_method_type_run_under_several_protocols_is_also_pooled_over_all_its_cells(tmp_path):
    spec = _study(tmp_path)
    refs = [["the eagle is a coffee shop ."], ["blue spice is a pub ."]] * 10
    good = [r[0] for r in refs]
    for subset in (1, 2, 3):
        regime = f"low50s{subset}"
        for exp, prec, parent in (("d", "fp32", None), ("d-bf16", "bf16", "d")):
            run = _run(tmp_path, exp, "prefix-random", regime, good, 0.6, prec, 1.5, 20, parent)
            spec["runs"].append({**run, "init_words": None})
    results = study.build(spec, str(tmp_path / "out"))
    pooled = [r for r in results if r["setting"] == study.ALL_CELLS]
    assert [(r["method"], r["pairs"]) for r in pooled] == [("prefix (all)", 9)]
    assert {r["method"] for r in results} >= {"prefix (random)", "prefix ('table-to-text:')"}
    # a prefix's verdict is per initialisation, over its own cells, the pooled rows aside
    verdicts = study.verdicts(results)["bf16"]
    assert len(verdicts["prefix (words)"]["cells"]) == 2
    assert len(verdicts["prefix (random)"]["cells"]) == 1
