"""Paired bootstrap over test instances (Koehn, 2004), for multi-run cells.

The paper reports prefix vs fine-tuning differences without a test. Here a cell holds
several training runs of each method (subsets x seeds); run i of method A is paired with the
run of method B trained on the same subset with the same seed. One bootstrap sample draws
test instances with replacement, and the same draw scores every run, so the statistic is

    delta* = mean_i BLEU(A_i on sample) - mean_i BLEU(B_i on sample)

BLEU is recomputed from per-sentence sufficient statistics (sacrebleu's, with the E2E
metric's settings), so a sample costs one matrix product, not a re-tokenisation.
"""

from __future__ import annotations

import numpy as np

from pipeline.metrics.e2e import bleu_metric, reference_streams


def sentence_stats(hypotheses: list[str], references: list[list[str]]) -> np.ndarray:
    """[instances, stats] BLEU sufficient statistics (lengths, matches, totals per order)."""
    metric = bleu_metric()
    stats = metric._extract_corpus_statistics(hypotheses, reference_streams(references))
    return np.asarray(stats, dtype=np.int64)


def _bleu_from_sums(sums: np.ndarray) -> np.ndarray:
    """BLEU x100 of each row of summed statistics ([samples, stats] -> [samples])."""
    metric = bleu_metric()
    return np.array([metric._compute_score_from_stats(list(map(int, s))).score for s in sums])


def paired_bootstrap(
    pairs: list[tuple[list[str], list[str]]],
    references: list[list[str]],
    resamples: int = 1000,
    seed: int = 12345,
) -> dict:
    """``pairs``: (hypotheses of A, hypotheses of B) per matched pair of runs."""
    if not pairs:
        raise ValueError("paired_bootstrap needs at least one pair of runs")
    n = len(references)
    a = np.stack([sentence_stats(h, references) for h, _ in pairs])  # [pairs, n, k]
    b = np.stack([sentence_stats(h, references) for _, h in pairs])
    rng = np.random.default_rng(seed)
    # weights[s, j]: how often test instance j is drawn in sample s
    weights = np.stack(
        [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)]
    )  # [resamples, n]

    def mean_bleu(stats: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.mean([_bleu_from_sums(w @ s) for s in stats], axis=0)

    ones = np.ones((1, n), np.int64)
    bleu_a = [float(_bleu_from_sums(ones @ s)[0]) for s in a]
    bleu_b = [float(_bleu_from_sums(ones @ s)[0]) for s in b]
    # each pair's own difference (how often A wins; their spread); their mean is the statistic
    per_pair = [x - y for x, y in zip(bleu_a, bleu_b)]
    observed = float(np.mean(per_pair))
    deltas = mean_bleu(a, weights) - mean_bleu(b, weights)
    lo, hi = np.percentile(deltas, [2.5, 97.5])
    # two-sided, with the +1 correction so a finite sample never claims p = 0
    tail = min(np.sum(deltas <= 0), np.sum(deltas >= 0))
    p = min(1.0, 2 * (tail + 1) / (resamples + 1))
    return {
        "delta": observed,
        "ci95": [float(lo), float(hi)],
        "p": float(p),
        "pairs": len(pairs),
        "bleu_a": bleu_a,
        "bleu_b": bleu_b,
        "pair_deltas": per_pair,
        "a_better": int(sum(d > 0 for d in per_pair)),
        "instances": n,
        "resamples": resamples,
        "seed": seed,
        "statistic": "mean BLEU(A) - mean BLEU(B) over paired runs, x100",
    }


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
