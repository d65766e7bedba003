"""WebNLG, DART and XSUM metrics equal to their official kits' definitions (metrics.md),
on cases whose values follow by hand from those definitions."""

import json
import subprocess
import sys

import pytest
import sacrebleu

from pipeline.metrics import rouge, triples
from tests.conftest import FIXTURES, ROOT


def test_webnlg_normalisation_is_unidecode_lower_and_nonword_split():
    assert triples.normalise("Café's runway: 2,194.0 m!", "webnlg") == (
        "cafe ' s runway : 2 , 194 . 0 m !"
    )


def test_dart_normalisation_lowercases_and_splits_but_keeps_accents():
    assert triples.normalise("Café's  Runway", "dart") == "café ' s runway"


def test_missing_references_are_empty_lines_in_three_reference_files():
    assert triples.reference_streams([["a", "b"], ["c"]]) == [["a", "c"], ["b", ""], ["", ""]]


def test_bleu_of_a_copy_is_100_whatever_the_case():
    refs = [["The Eagle serves Italian food near the river."], ["Zizzi is cheap."]]
    hyps = ["the eagle serves italian food near the river.", "ZIZZI IS CHEAP."]
    for dataset in ("webnlg", "dart"):
        s = triples.score(hyps, refs, dataset, part="python")["scores"]
        assert s["BLEU"] == pytest.approx(100.0) and s["TER"] == 0.0


def test_ter_counts_edits_over_the_reference_length():
    # one substitution in four words; one shift of one word in three
    s = triples.score(["a b c d", "b c a"], [["a b e d"], ["a b c"]], "dart", part="python")
    assert s["scores"]["TER"] == pytest.approx((1 + 1) / (4 + 3))


def test_corpus_ter_equals_sacrebleus_ter_with_several_references():
    hyps = ["the cat sat on the mat", "a dog", "x y z w"]
    refs = [["the cat sat on the mat", "a cat sat"], ["the dog barks", "dogs"], ["x z y w"]]
    ours = triples._ter_from(triples.ter_statistics(hyps, refs))
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(2)]
    assert ours == pytest.approx(sacrebleu.TER().corpus_score(hyps, streams).score / 100)


def test_each_track_equals_scoring_its_own_files():
    hyps = ["a b c d e", "f g h", "a b x d e", "p q r s"]
    refs = [["a b c d e"], ["f g i"], ["a b c d e"], ["p q r t"]]
    tracks = ["seen", "unseen", "seen", "unseen"]
    s = triples.score(hyps, refs, "webnlg", tracks, part="python")["scores"]
    for t in ("seen", "unseen"):
        idx = [i for i, x in enumerate(tracks) if x == t]
        alone = triples.score(
            [hyps[i] for i in idx], [refs[i] for i in idx], "webnlg", part="python"
        )["scores"]
        assert s[f"BLEU_{t}"] == pytest.approx(alone["BLEU"])
        assert s[f"TER_{t}"] == pytest.approx(alone["TER"])


@pytest.mark.slow
def test_meteor_runs_every_track_in_one_jvm_and_scores_a_copy_as_one():
    hyps = ["the eagle is a pub", "zizzi is a cheap restaurant in the city centre"]
    refs = [["the eagle is a pub"], ["zizzi is cheap"]]
    s = triples.score(hyps, refs, "webnlg", ["seen", "unseen"])["scores"]
    assert s["METEOR_seen"] == pytest.approx(1.0, abs=1e-6)
    assert 0 < s["METEOR_unseen"] < s["METEOR_all"] < 1


def test_xsum_rouge_uses_the_stemmer_and_is_seeded():
    s = rouge.score(["the cats sat"], [["the cat ran"]])["scores"]
    # stemming makes cats == cat: unigram F = 2/3, bigram F = 1/2
    assert s["ROUGE-1"] == pytest.approx(200 / 3) and s["ROUGE-2"] == pytest.approx(50.0)
    hyps = [f"summary number {i} of the day" for i in range(30)]
    refs = [[f"the {i} summary of a day"] for i in range(30)]
    assert rouge.score(hyps, refs) == rouge.score(hyps, refs)


def run_evaluate(*args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.evaluate", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_the_command_scores_outputs_against_a_release_test_file(tmp_path):
    xml = FIXTURES / "mirror/dart/dart-v1.1.1-full-test.xml"
    hyp = tmp_path / "hyp.txt"
    hyp.write_text("\n".join(["x has y"] * 8) + "\n")  # one line per XML entry, as the kit
    res = run_evaluate(
        "--dataset", "dart", "--hyp", str(hyp), "--test", str(xml), "--part", "python"
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["instances"] == 8 and set(out["scores"]) == {"BLEU", "TER"}
    assert "tok:none" in out["signature"]["BLEU"] and "sacrebleu" in out["versions"]
    hyp.write_text("x\n" * 5)
    res = run_evaluate(
        "--dataset", "dart", "--hyp", str(hyp), "--test", str(xml), "--part", "python"
    )
    assert res.returncode == 1 and "error: " in res.stderr and "8 instances" in res.stderr


def test_a_configured_tercom_jar_runs_in_the_java_step_on_trn_files(tmp_path, monkeypatch):
    """tercom itself is not on any package index: a stand-in `java` checks what it is given
    (tercom's -r/-h .trn files, refs sharing their segment id) and answers in tercom's format."""
    from pipeline.metrics import tercom

    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'while [ "$1" ]; do case "$1" in -r) R="$2";; -h) H="$2";; esac; shift; done\n'
        'grep -q "^a b (seg0)$" "$H" && grep -q "^a c (seg0)$" "$R" && grep -q "^x (seg1)$" "$R"'
        ' && echo "Total TER: 0.25 (1.0/4.0)"\n'
    )
    fake.chmod(0o755)
    jar = tmp_path / "tercom.7.25.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    assert tercom.corpus_ter(["a b", "y"], [["a c", ""], ["x"]], jar) == 0.25
    with pytest.raises(tercom.TercomError, match="no such file"):
        tercom.corpus_ter(["a"], [["a"]], tmp_path / "missing.jar")


@pytest.mark.slow
def test_the_python_and_java_halves_merge_into_the_whole(tmp_path):
    from pipeline.evaluate import merge

    hyps = ["the eagle is a pub", "zizzi is cheap food"]
    refs = [["the eagle is a pub", "eagle pub"], ["zizzi is cheap"]]
    parts = []
    for part in ("python", "java"):
        r = triples.score(hyps, refs, "webnlg", ["seen", "unseen"], part=part)
        r.update({"dataset": "webnlg", "instances": 2, "test": "t", "hypotheses": "h"})
        parts.append(r)
    whole = triples.score(hyps, refs, "webnlg", ["seen", "unseen"])
    merged = merge(parts)
    assert merged["scores"] == whole["scores"] and merged["signature"] == whole["signature"]
