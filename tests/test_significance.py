"""The paired bootstrap behind every prefix-vs-fine-tuning comparison in the tables."""

import pytest

from pipeline.metrics.e2e import bleu
from pipeline.report.significance import paired_bootstrap, spread_test

REFS = [
    ["the eagle is a cheap coffee shop near burger king .", "eagle is a coffee shop ."],
    ["blue spice is a pub in the city centre ."],
    ["the mill serves english food by the river ."],
    ["zizzi is a family friendly restaurant ."],
] * 25
GOOD = [r[0] for r in REFS]
BAD = [" ".join(r[0].split()[:4]) + " food ." for r in REFS]


def test_identical_systems_differ_by_zero_with_p_one():
    res = paired_bootstrap([(GOOD, GOOD)], REFS, resamples=200)
    assert res["delta"] == 0 and res["ci95"] == [0, 0] and res["p"] == 1.0


def test_a_clearly_better_system_has_a_positive_interval_and_small_p():
    res = paired_bootstrap([(GOOD, BAD)], REFS, resamples=200)
    assert res["delta"] == pytest.approx(bleu(GOOD, REFS)[0].score - bleu(BAD, REFS)[0].score)
    assert 0 < res["ci95"][0] <= res["delta"] <= res["ci95"][1]
    assert res["p"] == pytest.approx(2 / 201)  # never 0 with a finite sample


def test_the_statistic_is_the_difference_of_paired_means_and_is_antisymmetric():
    pairs = [(GOOD, BAD), (BAD, BAD)]
    res = paired_bootstrap(pairs, REFS, resamples=100)
    assert res["delta"] == pytest.approx((bleu(GOOD, REFS)[0].score - bleu(BAD, REFS)[0].score) / 2)
    flipped = paired_bootstrap([(b, a) for a, b in pairs], REFS, resamples=100)
    assert flipped["delta"] == pytest.approx(-res["delta"])
    assert flipped["ci95"] == pytest.approx([-res["ci95"][1], -res["ci95"][0]])


def test_the_same_seed_gives_the_same_answer():
    mixed = GOOD[:50] + BAD[50:]
    assert paired_bootstrap([(mixed, BAD)], REFS) == paired_bootstrap([(mixed, BAD)], REFS)


def test_each_pair_reports_its_own_difference_and_which_side_won():
    res = paired_bootstrap([(GOOD, BAD), (BAD, GOOD), (GOOD, BAD)], REFS, resamples=50)
    d = bleu(GOOD, REFS)[0].score - bleu(BAD, REFS)[0].score
    assert res["pair_deltas"] == pytest.approx([d, -d, d])
    assert res["a_better"] == 2 and res["delta"] == pytest.approx(d / 3)


def test_a_side_whose_runs_scatter_more_is_told_apart_from_a_shift_in_level():
    """Fig. 5's "low with high variance": the spread test looks at deviations from each side's
    own median, so a lower level alone is no evidence of a wider spread."""
    steady = [54.0, 54.2, 53.9, 54.1, 54.0, 53.8, 54.2, 54.1, 53.9, 54.0]
    lower_but_as_steady = [x - 3 for x in steady]
    scattered = [50.0, 56.0, 48.0, 55.0, 51.0, 57.0, 49.5, 53.0, 47.0, 56.5]
    assert spread_test(steady, lower_but_as_steady)["p"] > 0.5
    res = spread_test(steady, scattered, permutations=2000)
    assert res["p"] < 0.01 and res["sd_a"] < res["sd_b"]
    assert spread_test(steady[:2], scattered)["p"] is None  # too few runs to test
