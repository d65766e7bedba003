"""XSUM ROUGE as the paper's code computes it: rouge-score with the Porter stemmer, per pair,
aggregated by ``BootstrapAggregator`` (mid F-measure x100), with its RNG seeded so that the
same outputs always give the same number (unseeded it moves by +-0.03)."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from pipeline.metrics.signature import signature

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
SEED = 0


def score(hypotheses: list[str], references: list[list[str]]) -> dict:
    from rouge_score import rouge_scorer, scoring

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    state = np.random.get_state()
    np.random.seed(SEED)  # BootstrapAggregator draws from numpy's global RNG
    try:
        agg = scoring.BootstrapAggregator()
        for h, rs in zip(hypotheses, references):
            agg.add_scores(scorer.score(rs[0], h))
        result = agg.aggregate()
    finally:
        np.random.set_state(state)
    names = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}
    return {
        "scores": {names[k]: result[k].mid.fmeasure * 100 for k in ROUGE_TYPES},
        "signature": {
            "ROUGE": signature(
                impl=f"rouge-score-{version('rouge-score')}",
                types="+".join(ROUGE_TYPES),
                stem=True,
                agg="bootstrap-mid-f",
                scale=100,
                seed=SEED,
            )
        },
    }
