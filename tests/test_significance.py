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


def test_runs_that_agree_add_no_uncertainty_beyond_the_test_set():
    """Resampling subsets changes nothing when every pair is the same: the two intervals agree."""
    mixed = GOOD[:60] + BAD[60:]
    res = paired_bootstrap([(mixed, BAD)] * 4, REFS, resamples=200, clusters=[1, 2, 3, 4])
    assert res["ci95_runs"] == pytest.approx(res["ci95"]) and res["clusters"] == 4


def test_a_difference_these_runs_show_need_not_hold_for_other_subsets():
    """Three subsets favour A and one favours B by as much: the runs at hand differ beyond
    test-set noise, but a draw of subsets can reverse the sign, so the two-level interval
    covers zero."""
    pairs = [(GOOD, BAD), (BAD, GOOD), (GOOD, BAD), (GOOD, BAD)]
    res = paired_bootstrap(pairs, REFS, resamples=500, clusters=["s1", "s2", "s3", "s4"])
    assert res["ci95"][0] > 0 and res["p"] < 0.01
    assert res["ci95_runs"][0] < 0 < res["ci95_runs"][1] and res["p_runs"] > 0.05


def test_a_subsets_seeds_are_drawn_together():
    """Three seeds of subset s1 favour A, subset s2's one seed favours B. As clusters, a draw
    of two subsets is (s2, s2) a quarter of the time, so the interval reaches B's full lead;
    were the four pairs independent, four draws all of s2's pair would be rare (1 in 256)."""
    pairs = [(GOOD, BAD), (GOOD, BAD), (GOOD, BAD), (BAD, GOOD)]
    by_subset = paired_bootstrap(pairs, REFS, resamples=400, clusters=["s1", "s1", "s1", "s2"])
    independent = paired_bootstrap(pairs, REFS, resamples=400)
    d = by_subset["bleu_a"][0] - by_subset["bleu_b"][0]
    assert by_subset["clusters"] == 2 and independent["clusters"] == 4
    assert by_subset["ci95_runs"][0] == pytest.approx(-d, abs=3)
    assert independent["ci95_runs"][0] > -d / 2 - 3
    assert by_subset["ci95"] == independent["ci95"]  # the instance-level test is unchanged
    with pytest.raises(ValueError, match="3 cluster labels for 4 pairs"):
        paired_bootstrap(pairs, REFS, clusters=["s1", "s1", "s2"])
