"""WebNLG 2017 and DART v1.1.1 metrics as their official kits compute them (metrics.md).

Both kits score normalised files against the first 3 references of each instance, missing
references being empty lines (length-0 references in BLEU):

- WebNLG: unidecode + lower + ``\\W``-split, for outputs and references. BLEU = Moses
  multi-bleu ``-lc`` = sacrebleu ``BLEU(tokenize='none', lowercase=True)``. Tracks: all,
  seen (the 10 training categories), unseen (5 new ones).
- DART: lower + ``\\W``-split (no unidecode; the kit leaves outputs as they are, so we
  normalise them ourselves). BLEU without ``-lc`` = ``BLEU(tokenize='none')``.
- METEOR: Meteor 1.5 (``-l en -norm``; pycocoevalcap's jar, one JVM per call) on the
  normalised output and the non-empty references; matches the kits' jar to 6 dp.
- TER: sacrebleu ``TER()`` (default arguments: within 0.0002 of tercom 0.7.25, the kits' Java
  tool, which no package index ships), on the same files; labelled as such. Its edit count runs
  compiled (``ter_count``, equal to sacrebleu's by test).

Scores on the paper's scales: BLEU x100; METEOR and TER in [0, 1].
"""

from __future__ import annotations

import re
from pathlib import Path

import numba
import sacrebleu

from pipeline.metrics import ter_count, tercom
from pipeline.metrics.java import java_on_path
from pipeline.metrics.meteor import Meteor
from pipeline.metrics.signature import signature as sig

MAX_REFS = 3
TRACKS = ("all", "seen", "unseen")


def normalise(text: str, dataset: str) -> str:
    if dataset == "webnlg":
        from unidecode import unidecode

        text = unidecode(text)
    text = text.lower()
    return " ".join(" ".join(re.split(r"(\W)", text)).split())


def reference_streams(references: list[list[str]]) -> list[list[str]]:
    """The kit's 3 reference files: the first 3 per instance, '' where fewer."""
    return [[rs[i] if i < len(rs) else "" for rs in references] for i in range(MAX_REFS)]


def bleu_metric(dataset: str) -> sacrebleu.BLEU:
    # force: normalised text ends in " ." by design; no "tokenised input" warnings
    return sacrebleu.BLEU(tokenize="none", lowercase=dataset == "webnlg", force=True)


def _kit_inputs(hypotheses, references, dataset):
    """Outputs and references as the kit scores them: normalised, the first 3 references."""
    hyps = [normalise(h, dataset) for h in hypotheses]
    refs = [[normalise(r, dataset) for r in rs[:MAX_REFS]] for rs in references]
    return hyps, refs


def bleu_statistics(hypotheses: list[str], references: list[list[str]], dataset: str):
    """The kit's BLEU and its per-instance sufficient statistics (corpus BLEU is a function of
    their sums: a track, or a bootstrap sample, is a sum over its instances)."""
    return _bleu_statistics(*_kit_inputs(hypotheses, references, dataset), dataset)


def _bleu_statistics(hyps: list[str], refs: list[list[str]], dataset: str):
    bleu = bleu_metric(dataset)
    return bleu, bleu._extract_corpus_statistics(hyps, reference_streams(refs))


def meteor_scores(jobs: dict[str, tuple[list[str], list[list[str]]]]) -> dict[str, float]:
    """Corpus METEOR of several (hypotheses, references) sets through one JVM."""
    with java_on_path(), Meteor() as meteor:
        return {
            name: meteor.corpus(hyps, [[r for r in rs if r] or [""] for rs in refs])
            for name, (hyps, refs) in jobs.items()
        }


def _ter_segment(args: tuple[str, list[str]]) -> tuple[float, float]:
    """sacrebleu TER's segment statistics: (fewest edits over the references, mean reference
    length), the edits counted by ``ter_count`` (sacrebleu's algorithm, compiled)."""
    hyp, refs = args
    ter = sacrebleu.TER()
    h = ter._preprocess_segment(hyp).split()
    ref_words = [ter._preprocess_segment(r).split() for r in refs]
    mean_len = sum(len(r) for r in ref_words) / len(ref_words)
    return float(min(ter_count.edits(h, r) for r in ref_words)), mean_len


def ter_statistics(hyps: list[str], refs: list[list[str]], workers: int = 1) -> list:
    jobs = [(h, [r for r in rs if r] or [""]) for h, rs in zip(hyps, refs)]
    if workers <= 1:
        return [_ter_segment(j) for j in jobs]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_ter_segment, jobs, chunksize=16)


def _ter_from(stats: list) -> float:
    edits, ref_len = sum(s[0] for s in stats), sum(s[1] for s in stats)
    return sacrebleu.TER()._compute_score_from_stats([edits, ref_len]).score / 100.0


def score(
    hypotheses: list[str],
    references: list[list[str]],
    dataset: str,
    tracks: list[str] | None = None,
    part: str = "all",
    workers: int = 1,
    tercom_jar: str | None = None,
) -> dict:
    """``tracks``: per instance 'seen'/'unseen' (WebNLG) or None (one track, 'all').
    Sentence statistics are computed once; each track sums its own (corpus BLEU and TER are
    ratios of sums, so this equals scoring each track's files separately). ``part``: all |
    python (BLEU, and TER by sacrebleu) | java (METEOR, and TER by tercom when a jar is given)."""
    hyps, refs = _kit_inputs(hypotheses, references, dataset)
    subsets = {"all": list(range(len(hyps)))}
    if tracks is not None:
        for t in ("seen", "unseen"):
            subsets[t] = [i for i, x in enumerate(tracks) if x == t]
    bleu = bleu_metric(dataset)
    python = part in ("all", "python")
    if python:
        bleu, bleu_stats = _bleu_statistics(hyps, refs, dataset)
        ter_stats = None if tercom_jar else ter_statistics(hyps, refs, workers)
    scores, meteor_jobs = {}, {}
    for name, idx in subsets.items():
        if not idx:
            continue
        suffix = "" if len(subsets) == 1 else f"_{name}"
        if python:
            summed = [sum(bleu_stats[i][k] for i in idx) for k in range(len(bleu_stats[0]))]
            scores[f"BLEU{suffix}"] = bleu._compute_score_from_stats(summed).score
            if not tercom_jar:
                scores[f"TER{suffix}"] = _ter_from([ter_stats[i] for i in idx])
        meteor_jobs[f"METEOR{suffix}"] = ([hyps[i] for i in idx], [refs[i] for i in idx])
    if part in ("all", "java"):
        scores.update(meteor_scores(meteor_jobs))
        if tercom_jar:
            for name, (h, r) in meteor_jobs.items():
                scores[name.replace("METEOR", "TER")] = tercom.corpus_ter(h, r, tercom_jar)
    # sacrebleu's TER defaults stand in for tercom 0.7.25 (case-insensitive, punctuation kept,
    # shifts up to 10 words); the edit count is compiled by numba and equals sacrebleu's
    ter_sig = (
        sig(impl=f"tercom-jar:{Path(tercom_jar).name}", case="lc", punct=True, input="normalised")
        if tercom_jar
        else sig(
            impl=f"sacrebleu-{sacrebleu.__version__}",
            case="lc",
            punct=True,
            shifts=10,
            edits=f"numba-{numba.__version__}",
            input="normalised",
        )
    )
    signature = {
        "normalisation": sig(
            norm="unidecode+lower+w-split" if dataset == "webnlg" else "lower+w-split"
        ),
        "references": sig(refs=f"first-{MAX_REFS}", missing="empty"),
    }
    if python:
        signature["BLEU"] = str(bleu.get_signature())
    if part in ("all", "java"):
        signature["METEOR"] = sig(
            impl="meteor-1.5", lang="en", norm=True, jvm="one", input="normalised"
        )
    if (python and not tercom_jar) or (part in ("all", "java") and tercom_jar):
        signature["TER"] = ter_sig
    return {"scores": scores, "signature": signature}
