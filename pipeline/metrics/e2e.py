"""The E2E NLG Challenge metrics (tuetschek/e2e-metrics), from PyPI parts that equal it.

- BLEU: sacrebleu, 13a tokenisation, lowercased, reference streams padded with None.
- NIST: ``pipeline.metrics.nist`` (the kit's algorithm; Perl-equivalent by default).
- METEOR, ROUGE-L, CIDEr: ``pipeline.metrics.coco`` (the COCO caption code the kit runs).

Scores are on the kit's scales: BLEU, METEOR, ROUGE-L in [0, 1]; NIST and CIDEr unbounded.
"""

from __future__ import annotations

from importlib.metadata import version

import sacrebleu

from pipeline.metrics.coco import coco_scores
from pipeline.metrics.nist import corpus_nist
from pipeline.metrics.signature import signature as metric_signature

PROTOCOLS = {
    "official": {"nist": "perl", "note": "official e2e-metrics: raw references, Perl mteval NIST"},
    "paper": {"nist": "python", "note": "the paper's code: e2e-metrics -p (Python-port NIST)"},
}


def bleu_metric() -> sacrebleu.BLEU:
    return sacrebleu.BLEU(tokenize="13a", lowercase=True)


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """Per-instance reference lists -> sacrebleu's streams, short lists padded with None."""
    depth = max(len(r) for r in references)
    return [[rs[i] if i < len(rs) else None for rs in references] for i in range(depth)]


def bleu_statistics(hypotheses: list[str], references: list[list[str]]):
    """The metric and its per-instance sufficient statistics (lengths, matches and totals per
    order): corpus BLEU is a function of their sums, so a bootstrap sample is a weighted sum."""
    metric = bleu_metric()
    return metric, metric._extract_corpus_statistics(hypotheses, reference_streams(references))


def bleu(hypotheses: list[str], references: list[list[str]]):
    metric = bleu_metric()
    return metric.corpus_score(hypotheses, reference_streams(references)), metric.get_signature()


def score(
    hypotheses: list[str],
    references: list[list[str]],
    protocol: str = "official",
    part: str = "all",
) -> dict:
    """``part``: all | python (BLEU, NIST) | java (METEOR, ROUGE-L, CIDEr: the PTB tokenizer
    and Meteor run on Java, so the workflow runs them as a step of their own)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown E2E protocol {protocol!r} ({', '.join(PROTOCOLS)})")
    scores, signature = {}, {"protocol": protocol, "protocol_note": PROTOCOLS[protocol]["note"]}
    if part in ("all", "python"):
        b, sig = bleu(hypotheses, references)
        scores["BLEU"] = b.score / 100.0
        scores["NIST"] = corpus_nist(hypotheses, references, protocol=PROTOCOLS[protocol]["nist"])
        signature["BLEU"] = str(sig)
        signature["NIST"] = metric_signature(
            impl="mteval-v13a-port", n=5, tok="13a", case="lc", ref_len=PROTOCOLS[protocol]["nist"]
        )
    if part in ("all", "java"):
        scores.update(coco_scores(hypotheses, references))
        coco = f"pycocoevalcap-{version('pycocoevalcap')}"
        signature.update(
            {
                "METEOR": metric_signature(
                    impl="meteor-1.5", lang="en", norm=True, tok="ptb", via=coco
                ),
                "ROUGE_L": metric_signature(impl=coco, score="lcs-f", beta=1.2, tok="ptb"),
                "CIDEr": metric_signature(impl=coco, variant="cider-d", df="test-refs", tok="ptb"),
            }
        )
    return {"scores": scores, "signature": signature}
