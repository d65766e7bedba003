"""WebNLG challenge 2017: read the release XML and linearise triple sets (docs/protocol.md §1).

Linearisation: every ``modifiedtripleset`` triple ``s | p | o`` becomes ``s : p : o``, as is
(underscores and camelCase kept), each preceded by ``| ``: ``| s : p : o | s2 : p2 : o2`` --
the leading separator of the paper's training data. Training pairs use only lexicalisations
with ``comment="good"``; the test set keeps the XML order (Id1..Id1862) and every
lexicalisation as a reference. Unseen test categories are the five not in training.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.data.release import DataSet, Source, pairs_and_test
from pipeline.errors import PipelineError
from pipeline.io import parse_xml

UNSEEN = frozenset({"MeanOfTransportation", "CelestialBody", "Politician", "Athlete", "Artist"})


class WebNLGFormatError(PipelineError, ValueError):
    pass


def linearize(triples: list[str]) -> str:
    parts = []
    for t in triples:
        fields = [f.strip() for f in t.split(" | ")]
        if len(fields) != 3:
            raise WebNLGFormatError(f"triple {t!r} does not have the form 's | p | o'")
        parts.append(" : ".join(fields))
    return "| " + " | ".join(parts)


def read_entries(path: str | Path) -> list[dict]:
    """Entries of one release XML file: category, eid, triples, lexicalisations."""
    path = Path(path)
    root = parse_xml(path, WebNLGFormatError)
    entries = []
    for entry in root.iter("entry"):
        eid = entry.get("eid")
        mts = entry.find("modifiedtripleset")
        if mts is None or eid is None:
            raise WebNLGFormatError(f"{path}: entry {eid or '?'} lacks a modifiedtripleset or eid")
        triples = [mt.text or "" for mt in mts.iter("mtriple")]
        try:
            source = linearize(triples)
        except WebNLGFormatError as e:
            raise WebNLGFormatError(f"{path}: entry {eid}: {e}") from None
        lexs = [(lex.get("comment"), (lex.text or "").strip()) for lex in entry.iter("lex")]
        entries.append(
            {"category": entry.get("category"), "eid": eid, "source": source, "lexs": lexs}
        )
    if not entries:
        raise WebNLGFormatError(f"{path}: no <entry> elements")
    return entries


def split_files(root: str | Path, split: str) -> list[Path]:
    """train/dev: every XML under ``{split}/{1..7}triples/``; test: testdata_with_lex.xml."""
    root = Path(root)
    if split == "test":
        return [root / "test" / "testdata_with_lex.xml"]
    files = sorted(
        (root / split).glob("*triples/*.xml"), key=lambda p: (int(p.parent.name[0]), p.name)
    )
    if not files:
        raise WebNLGFormatError(f"{root / split}: no *triples/*.xml files")
    return files


def pairs(root: str | Path, split: str) -> list[dict]:
    """Training pairs: one per lexicalisation marked good."""
    out = []
    for f in split_files(root, split):
        for e in read_entries(f):
            for comment, text in e["lexs"]:
                if comment == "good" and text:
                    out.append(
                        {
                            "id": f"{split}-{len(out)}",
                            "source": e["source"],
                            "target": text,
                            "category": e["category"],
                        }
                    )
    return out


def test_instances(root: str | Path) -> list[dict]:
    """The test set in XML order, all lexicalisations as references, seen/unseen marked."""
    return read_test(split_files(root, "test")[0])


def read_test(path: str | Path) -> list[dict]:
    entries = read_entries(path)
    return [
        {
            "id": e["eid"],
            "source": e["source"],
            "refs": [t for _, t in e["lexs"]],
            "category": e["category"],
            "track": "unseen" if e["category"] in UNSEEN else "seen",
        }
        for e in entries
    ]


def _score(hyps, tests, protocol, part, threads, tercom_jar):
    from pipeline.metrics import triples

    refs, tracks = [t["refs"] for t in tests], [t["track"] for t in tests]
    return triples.score(hyps, refs, "webnlg", tracks, part, threads, tercom_jar)


def _bleu_statistics(hyps, refs):
    from pipeline.metrics import triples

    return triples.bleu_statistics(hyps, refs, "webnlg")


# The challenge files exactly as the paper's code read them
# (XiangLi1999/PrefixTuning @ 6519d30, data/webnlg_challenge_2017)
SPLITS = {"train": "train/", "dev": "dev/", "test": "test/testdata_with_lex.xml"}
RELEASE = DataSet(
    name="webnlg",
    display="WebNLG",
    source=Source(
        archive_url=(
            "https://github.com/XiangLi1999/PrefixTuning/archive/"
            "6519d30e69b15a180f23e2cd41b766d3f62b8e82.zip"
        ),
        archive_member_dir="data/webnlg_challenge_2017",
        mirror_dir="webnlg2017",
        files={
            "train/": "05013542631373b3727e4eb236ef9bc0ddfeadf03bbf2746a956d0c0be87b81b",
            "dev/": "33b5bb7192323ebabaeb82a5a14aa446e78dc06e0896facce68689963944a2c2",
            "test/testdata_with_lex.xml": (
                "43287905cbfe47697232d569ea6ff072d598282da2ea022bc435ca26b943cd93"
            ),
        },
    ),
    splits=SPLITS,
    read_splits=pairs_and_test(pairs, test_instances),
    test_readers={".xml": read_test},
    score=_score,
    bleu_statistics=_bleu_statistics,
    columns={f"{m}_{t}": 1.0 for m in ("BLEU", "METEOR", "TER") for t in ("seen", "unseen", "all")},
    digits={"METEOR": 2, "TER": 2},
    panels=("BLEU_all", "TER_all"),
    paper_table="webnlg_table2",
    exhibit_title="WebNLG test (Table 2)",
    paper_source="ACL 2021 Table 2",
    paper_stats=("22K", 49.6, 30.7),
    test_size=1_862,
)
