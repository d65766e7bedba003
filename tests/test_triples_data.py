"""WebNLG 2017 and DART v1.1.1 readers: linearisation as the paper's data, and bad input."""

import json

import pytest

from pipeline.data import dart, webnlg
from tests.conftest import needs_shared

WEBNLG_XML = """<?xml version='1.0' encoding='UTF-8'?>
<benchmark><entries>
<entry category="Airport" eid="Id1" size="2">
  <originaltripleset><otriple>A_Port | cityServed | B,_Texas</otriple></originaltripleset>
  <modifiedtripleset>
    <mtriple>A_Port | cityServed | B,_Texas</mtriple>
    <mtriple>A_Port | runwayLength | 2194.0</mtriple>
  </modifiedtripleset>
  <lex comment="good" lid="Id1">A Port serves B, Texas.</lex>
  <lex comment="bad" lid="Id2">A Port.</lex>
</entry>
<entry category="Artist" eid="Id2" size="1">
  <modifiedtripleset><mtriple>C_D | genre | Jazz</mtriple></modifiedtripleset>
  <lex comment="good" lid="Id1">C D plays jazz.</lex>
</entry>
</entries></benchmark>
"""


def webnlg_tree(tmp_path, text=WEBNLG_XML):
    for split, name in [("train/2triples", "x_train.xml"), ("test", "testdata_with_lex.xml")]:
        (tmp_path / split).mkdir(parents=True, exist_ok=True)
        (tmp_path / split / name).write_text(text)
    return tmp_path


def test_webnlg_linearisation_keeps_the_leading_separator_and_raw_triples():
    assert webnlg.linearize(
        ["A_Port | cityServed | B,_Texas", "A_Port | runwayLength | 2194.0"]
    ) == ("| A_Port : cityServed : B,_Texas | A_Port : runwayLength : 2194.0")


def test_webnlg_training_uses_good_lexicalisations_and_test_keeps_them_all(tmp_path):
    root = webnlg_tree(tmp_path)
    train = webnlg.pairs(root, "train")
    assert [p["target"] for p in train] == ["A Port serves B, Texas.", "C D plays jazz."]
    test = webnlg.test_instances(root)
    assert [t["id"] for t in test] == ["Id1", "Id2"]
    assert test[0]["refs"] == ["A Port serves B, Texas.", "A Port."]
    assert [t["track"] for t in test] == ["seen", "unseen"]  # Artist is an unseen category


def test_broken_webnlg_xml_names_the_file_and_line(tmp_path):
    root = webnlg_tree(tmp_path, WEBNLG_XML.replace("</entry>\n<entry", "</entr>\n<entry", 1))
    with pytest.raises(
        webnlg.WebNLGFormatError, match=r"testdata_with_lex.xml:\d+:\d+: broken XML"
    ):
        webnlg.test_instances(root)


def test_dart_linearisation_lowercases_relations_only():
    assert dart.linearize(
        [["Mars Hill College", "JOINED", "1973"], ["[TABLECONTEXT]", "[TITLE]", "X"]]
    ) == ("Mars Hill College : joined : 1973 | [TABLECONTEXT] : [title] : X")


def test_dart_every_annotation_is_a_training_pair(tmp_path):
    f = tmp_path / "dev.json"
    f.write_text(
        json.dumps(
            [
                {
                    "tripleset": [["A", "R", "B"]],
                    "annotations": [
                        {"source": "s", "text": "A r B."},
                        {"source": "s", "text": "B."},
                    ],
                }
            ]
        )
    )
    assert [(p["source"], p["target"]) for p in dart.read_json(f, "dev")] == [
        ("A : r : B", "A r B."),
        ("A : r : B", "B."),
    ]


@pytest.mark.parametrize(
    "payload,where",
    [
        ({"tripleset": []}, "a JSON list"),
        ([{"tripleset": [["A", "R"]], "annotations": []}], "record 0"),
        ([{"tripleset": [["A", "R", "B"]], "annotations": [{"source": "s"}]}], "record 0"),
    ],
)
def test_dart_json_of_the_wrong_shape_names_the_file_and_record(tmp_path, payload, where):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(payload))
    with pytest.raises(dart.DARTFormatError, match=where) as e:
        dart.read_json(f, "train")
    assert "bad.json" in str(e.value)


def test_dart_test_set_is_deduplicated_with_three_references(tmp_path):
    xml = """<benchmark><entries>
    <entry eid="Id1"><modifiedtripleset><mtriple>A | R | B</mtriple></modifiedtripleset>
      <lex>one</lex><lex>two</lex></entry>
    <entry eid="Id2"><modifiedtripleset><mtriple>A | r | B</mtriple></modifiedtripleset>
      <lex>three</lex><lex>four</lex></entry>
    </entries></benchmark>"""
    (tmp_path / "t.xml").write_text(xml)
    test = dart.read_test_xml(tmp_path / "t.xml")
    assert [(t["id"], t["refs"]) for t in test] == [("Id1", ["one", "two", "three"])]


def test_real_webnlg_test_set_has_1862_instances_971_seen_891_unseen():
    root = needs_shared("data", "webnlg2017")
    test = webnlg.test_instances(root)
    assert len(test) == 1862
    assert sum(t["track"] == "seen" for t in test) == 971
    assert sum(t["track"] == "unseen" for t in test) == 891
    assert len(webnlg.pairs(root, "dev")) == 2258  # docs/protocol.md §1: 2,258 good lexicalisations


def test_real_dart_counts():
    root = needs_shared("data", "dart")
    assert len(dart.read_json(root / "dart-v1.1.1-full-dev.json", "dev")) == 6980
    # 5,097 test entries; 4,159 distinct linearised inputs once relations are lower-cased
    assert len(dart.read_test_xml(root / "dart-v1.1.1-full-test.xml")) == 4159
