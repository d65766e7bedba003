"""A learning rate is chosen on dev loss, written down, and the grid keeps to it."""

import json

import pytest
import yaml

from pipeline.errors import PipelineError
from pipeline.report import lr_choice
from tests.conftest import ROOT


def _trained(root, method, mtype, lr, curve):
    d = root / f"lr/webnlg/m/{method}/full/seed1"
    d.mkdir(parents=True)
    history = [{"step": 50 * (i + 1), "dev_loss": x} for i, x in enumerate(curve)]
    summary = {"hparams": {"type": mtype, "lr": lr}, "steps": 50 * len(curve),
               "dev_history": history, "seconds": 60.0, "machine": {"cpu": "Xeon"}}  # fmt: skip
    (d / "train.json").write_text(json.dumps(summary))


def test_the_lowest_best_dev_loss_per_method_chooses_and_a_still_falling_curve_is_flagged(
    tmp_path,
):
    _trained(tmp_path, "prefix-lr5e-5", "prefix", 5e-5, [2.0, 1.8, 1.7])  # still falling
    _trained(tmp_path, "prefix-lr3e-4", "prefix", 3e-4, [1.8, 1.5, 1.6])
    _trained(tmp_path, "finetune-lr1e-5", "finetune", 1e-5, [1.9, 1.6, 1.4])
    cands = lr_choice.candidates(tmp_path)
    assert lr_choice.choose(cands) == {"finetune": 1e-5, "prefix": 3e-4}
    by = {c["run"].split("/")[3]: c for c in cands}
    assert by["prefix-lr5e-5"]["still_falling"] and not by["prefix-lr3e-4"]["still_falling"]
    assert by["prefix-lr3e-4"]["best_step"] == 100
    md = lr_choice.markdown(cands, lr_choice.choose(cands))
    assert "| prefix | 0.0003 | **1.5000** | 100 | 150 | no | 60 | yes |" in md


def test_a_grid_whose_learning_rate_is_not_the_chosen_one_is_refused(tmp_path):
    cfg = yaml.safe_load((ROOT / "config/cpu-extrapolation.yaml").read_text())
    chosen = {"prefix": 3e-4, "finetune": 1e-4, "adapter": 3e-4}
    (tmp_path / "choice.json").write_text(json.dumps({"chosen": chosen}))
    for mtype, lr in chosen.items():
        cfg["methods"][mtype]["lr"] = lr
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(cfg))
    lr_choice.check(str(path), str(tmp_path / "choice.json"))
    cfg["methods"]["finetune"]["lr"] = 1e-5
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(PipelineError, match=r"config\['methods'\]\['finetune'\]\['lr'\]"):
        lr_choice.check(str(path), str(tmp_path / "choice.json"))


def test_candidates_without_a_dev_loss_cannot_choose(tmp_path):
    _trained(tmp_path, "prefix-lr3e-4", "prefix", 3e-4, [])
    with pytest.raises(PipelineError, match="eval_every"):
        lr_choice.candidates(tmp_path)
