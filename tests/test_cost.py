"""The paper-scale cost estimate (pipeline.report.cost): its rules, on the paper config."""

import pytest

from pipeline import config as pconf
from pipeline.report import cost
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def paper():
    config = pconf.load(ROOT / "config/config.yaml")
    return config, {r.path: r for r in pconf.expand_runs(config)}


def test_frozen_lm_training_costs_two_thirds_of_fine_tuning_per_token(paper):
    config, runs = paper
    pre = cost.run_cost(config, runs["table2/e2e/gpt2-medium/prefix/full/seed101"], "tf32")
    ft = cost.run_cost(config, runs["table2/e2e/gpt2-medium/finetune/full/seed101"], "tf32")
    # same data, epochs and batch: the paper's 0.2 vs 0.3 h/epoch
    assert pre["train_h"] / ft["train_h"] == pytest.approx(4 / 6)


def test_the_estimate_reproduces_the_papers_xsum_epoch_time(paper):
    config, runs = paper
    run = runs["table3/xsum/bart-large/prefix-2pct/full/seed101"]
    # the paper: 1.25 h per epoch on a V100 in fp16 (125 TFLOP/s peak); ours, at 30% of peak
    # where the paper's run reached ~37%, errs high by about a fifth
    v100 = cost.run_cost(config, run, "bf16")["train_h"] * 312 / 125 / 30
    assert v100 == pytest.approx(1.25, rel=0.25) and v100 > 1.25


def test_bf16_halves_tf32_and_decoding_a_subset_is_cheaper(paper):
    config, runs = paper
    run = runs["table3/xsum/bart-large/finetune/full/seed101"]
    assert cost.run_cost(config, run, "bf16")["train_h"] == pytest.approx(
        cost.run_cost(config, run, "tf32")["train_h"] / 2
    )
    low = runs["lowdata-xsum/xsum-lowdata/bart-large/finetune/low50s1/seed1"]
    assert (
        cost.run_cost(config, low, "tf32")["decode_h"]
        < cost.run_cost(config, run, "tf32")["decode_h"] / 5
    )  # every 10th article


def test_discarded_low_data_weights_take_no_disk(paper):
    config, runs = paper
    low = runs["lowdata/e2e/gpt2-medium/finetune/low50s1/seed1"]
    full = runs["table2/e2e/gpt2-medium/finetune/full/seed101"]
    assert cost.run_cost(config, low, "tf32")["disk_gb"] == 0
    assert cost.run_cost(config, full, "tf32")["disk_gb"] == pytest.approx(1.42, abs=0.01)
    table = cost.markdown(config, "bf16")
    assert "| xsum_table | 3 |" in table and "all 215 runs" in table
