"""The E2E NLG Challenge metrics (tuetschek/e2e-metrics), from PyPI parts that equal it.

- BLEU: sacrebleu, 13a tokenisation, lowercased, reference streams padded with None.
- NIST: ``pipeline.metrics.nist`` (the kit's algorithm; Perl-equivalent by default).
- METEOR, ROUGE-L, CIDEr: ``pipeline.metrics.coco`` (the COCO caption code the kit runs).

Scores are on the kit's scales: BLEU, METEOR, ROUGE-L in [0, 1]; NIST and CIDEr unbounded.
"""

from __future__ import annotations

import sacrebleu

from pipeline.metrics.coco import coco_scores
from pipeline.metrics.nist import corpus_nist

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


def bleu(hypotheses: list[str], references: list[list[str]]):
    metric = bleu_metric()
    return metric.corpus_score(hypotheses, reference_streams(references)), metric.get_signature()


def score(hypotheses: list[str], references: list[list[str]], protocol: str = "official") -> dict:
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown E2E protocol {protocol!r} ({', '.join(PROTOCOLS)})")
    b, sig = bleu(hypotheses, references)
    scores = {
        "BLEU": b.score / 100.0,
        "NIST": corpus_nist(hypotheses, references, protocol=PROTOCOLS[protocol]["nist"]),
    }
    scores.update(coco_scores(hypotheses, references))
    return {
        "scores": scores,
        "signature": {
            "protocol": protocol,
            "protocol_note": PROTOCOLS[protocol]["note"],
            "BLEU": str(sig),
            "NIST": f"n=5|tok:13a|lowercase|ref_len:{PROTOCOLS[protocol]['nist']}",
            "METEOR": "meteor-1.5.jar -l en -norm (pycocoevalcap), PTB-tokenised",
            "ROUGE_L": "pycocoevalcap Rouge (LCS, beta=1.2), PTB-tokenised",
            "CIDEr": "pycocoevalcap CIDEr-D, df from this set's references, PTB-tokenised",
        },
    }
