"""METEOR, ROUGE-L and CIDEr-D as the MS-COCO caption code computes them (the E2E kit).

Both sides go through the Stanford PTBTokenizer (lowercased, punctuation tokens dropped),
then Meteor 1.5 (``-l en -norm``), ROUGE-L (LCS, beta 1.2) and CIDEr-D with document
frequencies from the references of the whole evaluated set. ``pycocoevalcap`` ships the
identical jars and code. One JVM serves all METEOR scoring of a call
(``pipeline.metrics.meteor``, which also keeps the JVM's stderr from blocking it).
"""

from __future__ import annotations

from pipeline.metrics.java import java_on_path
from pipeline.metrics.meteor import Meteor


def coco_scores(
    hypotheses: list[str],
    references: list[list[str]],
    metrics: tuple[str, ...] = ("METEOR", "ROUGE_L", "CIDEr"),
) -> dict[str, float]:
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} reference sets")
    # One tokenizer JVM for both sides: keys ("ref", i) and ("hyp", i).
    captions = {("ref", i): [{"caption": r} for r in rs] for i, rs in enumerate(references)}
    captions.update({("hyp", i): [{"caption": h}] for i, h in enumerate(hypotheses)})
    out = {}
    with java_on_path():
        tokenized = PTBTokenizer().tokenize(captions)
        gts = {i: tokenized[("ref", i)] for i in range(len(references))}
        res = {i: tokenized[("hyp", i)] for i in range(len(hypotheses))}
        if "METEOR" in metrics:
            with Meteor() as meteor:
                ids = sorted(gts)
                out["METEOR"] = meteor.corpus([res[i][0] for i in ids], [gts[i] for i in ids])
    if "ROUGE_L" in metrics:
        out["ROUGE_L"], _ = Rouge().compute_score(gts, res)
    if "CIDEr" in metrics:
        out["CIDEr"], _ = Cider().compute_score(gts, res)
    return {k: float(v) for k, v in out.items()}
