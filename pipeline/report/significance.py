"""Paired bootstrap over test instances (Koehn, 2004), for multi-run cells.

The paper reports prefix vs fine-tuning differences without a test. Here a cell holds
several training runs of each method (subsets x seeds); run i of method A is paired with the
run of method B trained on the same subset with the same seed. One bootstrap sample draws
test instances with replacement, and the same draw scores every run, so the statistic is

    delta* = mean_i BLEU(A_i on sample) - mean_i BLEU(B_i on sample)

Its 95% percentile interval holds the runs fixed: it asks whether *these* runs differ by more
than the test set's sampling noise. Whether the difference would hold for other training
subsets and seeds of the same model is a second question; a two-level bootstrap answers it:
each sample also draws the training subsets (clusters of pairs: a subset's seeds share its
data, so they move together; each size draws its subsets independently) with replacement, then
scores the drawn pairs on the same instance sample. With five subsets this interval is itself
rough (a bootstrap over few clusters runs narrow), so the pairs each side wins are reported
beside it.

BLEU is recomputed from per-sentence sufficient statistics (sacrebleu's, counted as the data
set's own scorer counts them: its release's ``bleu_statistics``; E2E's by default), so a sample
costs one matrix product, not a re-tokenisation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipeline.metrics import e2e

# (hypotheses, references) -> (sacrebleu BLEU, per-instance statistics)
Statistics = Callable[[list[str], list[list[str]]], tuple]


def _bleu_from_sums(metric, sums: np.ndarray) -> np.ndarray:
    """BLEU x100 of each row of summed statistics ([samples, stats] -> [samples])."""
    return np.array([metric._compute_score_from_stats(list(map(int, s))).score for s in sums])


def paired_bootstrap(
    pairs: list[tuple[list[str], list[str]]],
    references: list[list[str]],
    resamples: int = 1000,
    seed: int = 12345,
    clusters: list | None = None,
    statistics: Statistics = e2e.bleu_statistics,
) -> dict:
    """``pairs``: (hypotheses of A, hypotheses of B) per matched pair of runs; ``clusters``:
    one label per pair (its training subset), the unit the two-level bootstrap draws; by
    default each pair is its own. ``statistics``: the data set's BLEU (E2E's by default)."""
    if not pairs:
        raise ValueError("paired_bootstrap needs at least one pair of runs")
    clusters = list(range(len(pairs))) if clusters is None else list(clusters)
    if len(clusters) != len(pairs):
        raise ValueError(f"{len(clusters)} cluster labels for {len(pairs)} pairs")
    n = len(references)
    counted = [(statistics(h_a, references), statistics(h_b, references)) for h_a, h_b in pairs]
    metric = counted[0][0][0]
    a = np.stack([np.asarray(s_a, np.int64) for (_, s_a), _ in counted])  # [pairs, n, k]
    b = np.stack([np.asarray(s_b, np.int64) for _, (_, s_b) in counted])
    rng = np.random.default_rng(seed)
    # weights[s, j]: how often test instance j is drawn in sample s
    weights = np.stack(
        [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)]
    )  # [resamples, n]

    ones = np.ones((1, n), np.int64)
    bleu_a = [float(_bleu_from_sums(metric, ones @ s)[0]) for s in a]
    bleu_b = [float(_bleu_from_sums(metric, ones @ s)[0]) for s in b]
    # each pair's own difference (how often A wins; their spread); their mean is the statistic
    per_pair = [x - y for x, y in zip(bleu_a, bleu_b)]
    observed = float(np.mean(per_pair))
    # [pairs, resamples]: each pair's difference on each instance sample
    sampled = np.stack([_bleu_from_sums(metric, weights @ s) for s in a]) - np.stack(
        [_bleu_from_sums(metric, weights @ s) for s in b]
    )
    deltas = sampled.mean(axis=0)
    # the two-level samples draw subsets after the instance weights, so the instance-level
    # interval does not depend on whether clusters are given
    labels = sorted(set(clusters), key=clusters.index)
    members = [np.flatnonzero([c == lab for c in clusters]) for lab in labels]
    drawn = rng.integers(0, len(labels), (resamples, len(labels)))
    deltas_runs = np.array(
        [
            sampled[np.concatenate([members[i] for i in row]), s].mean()
            for s, row in enumerate(drawn)
        ]
    )
    ci, p = _interval(deltas, resamples)
    ci_runs, p_runs = _interval(deltas_runs, resamples)
    return {
        "delta": observed,
        "ci95": ci,
        "p": p,
        "ci95_runs": ci_runs,
        "p_runs": p_runs,
        "clusters": len(labels),
        "pairs": len(pairs),
        "bleu_a": bleu_a,
        "bleu_b": bleu_b,
        "pair_deltas": per_pair,
        "a_better": int(sum(d > 0 for d in per_pair)),
        "instances": n,
        "resamples": resamples,
        "seed": seed,
        "statistic": "mean BLEU(A) - mean BLEU(B) over paired runs, x100",
        "ci95_runs_draws": "training subsets (clusters of pairs) and test instances",
    }


def _interval(deltas: np.ndarray, resamples: int) -> tuple[list[float], float]:
    """The 95% percentile interval and the two-sided p, with the +1 correction so that a
    finite sample never claims p = 0."""
    lo, hi = np.percentile(deltas, [2.5, 97.5])
    tail = min(np.sum(deltas <= 0), np.sum(deltas >= 0))
    return [float(lo), float(hi)], float(min(1.0, 2 * (tail + 1) / (resamples + 1)))


def spread_test(
    a: list[float], b: list[float], permutations: int = 10000, seed: int = 12345
) -> dict:
    """Do the runs of A scatter less than those of B? A permutation version of the
    Brown-Forsythe test: each group's absolute deviations from its own median (so a difference
    in level does not count as one in spread) are pooled and reassigned at random; the statistic
    is mean deviation of A minus that of B, the p-value two-sided with the +1 correction."""
    if len(a) < 3 or len(b) < 3:
        return {"sd_a": sd(a), "sd_b": sd(b), "p": None, "note": "under 3 runs a side: no test"}
    dev_a = np.abs(np.asarray(a) - np.median(a))
    dev_b = np.abs(np.asarray(b) - np.median(b))
    pooled = np.concatenate([dev_a, dev_b])
    observed = dev_a.mean() - dev_b.mean()
    rng = np.random.default_rng(seed)
    stats = np.empty(permutations)
    for i in range(permutations):
        perm = rng.permutation(pooled)
        stats[i] = perm[: len(a)].mean() - perm[len(a) :].mean()
    extreme = np.sum(np.abs(stats) >= abs(observed) - 1e-12)
    return {
        "sd_a": sd(a),
        "sd_b": sd(b),
        "p": float(min(1.0, (extreme + 1) / (permutations + 1))),
        "permutations": permutations,
        "statistic": "mean |BLEU - median| of A minus that of B (Brown-Forsythe, permuted)",
    }


def sd(x: list[float]) -> float | None:
    """The sample standard deviation (ddof 1); None under two values."""
    return float(np.std(x, ddof=1)) if len(x) > 1 else None
