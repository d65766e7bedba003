"""DART v1.1.1: read the release JSON (train/dev) and XML (test) and linearise (docs/protocol.md §1).

Linearisation: ``s : r : o | s2 : r2 : o2`` with the relation lower-cased and no leading
separator. Every annotation is a training pair. The test set is de-duplicated by linearised
input (first occurrence kept, references merged in order); the first 3 references are the
scored ones (empty where fewer), as the official kit's reference files.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.data.release import DataSet, Source, pairs_and_test
from pipeline.errors import PipelineError
from pipeline.io import parse_xml, read_text


class DARTFormatError(PipelineError, ValueError):
    pass


def linearize(tripleset: list[list[str]]) -> str:
    return " | ".join(f"{s} : {r.lower()} : {o}" for s, r, o in tripleset)


def read_json(path: str | Path, split: str) -> list[dict]:
    path = Path(path)
    try:
        records = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise DARTFormatError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(records, list):
        raise DARTFormatError(
            f"{path}: expected a JSON list of entries, got {type(records).__name__}"
        )
    out = []
    for i, rec in enumerate(records):
        ok = (
            isinstance(rec, dict)
            and isinstance(rec.get("tripleset"), list)
            and all(isinstance(t, list) and len(t) == 3 for t in rec["tripleset"])
            and isinstance(rec.get("annotations"), list)
            and all(
                isinstance(a, dict) and isinstance(a.get("text"), str) for a in rec["annotations"]
            )
        )
        if not ok:
            raise DARTFormatError(
                f"{path}: record {i} is not {{'tripleset': [[s, r, o], ...], "
                "'annotations': [{'text': ...}, ...]}"
            )
        source = linearize(rec["tripleset"])
        for a in rec["annotations"]:
            out.append({"id": f"{split}-{len(out)}", "source": source, "target": a["text"]})
    return out


def read_test_xml(path: str | Path, dedup: bool = True) -> list[dict]:
    """Test instances; ``dedup=False``: one per XML entry (the official kit's 5,097 lines)."""
    path = Path(path)
    root = parse_xml(path, DARTFormatError)
    instances: dict[str, dict] = {}
    for entry in root.iter("entry"):
        triples = []
        for mt in entry.iter("mtriple"):
            fields = [f.strip() for f in (mt.text or "").split(" | ")]
            if len(fields) != 3:
                raise DARTFormatError(f"{path}: entry {entry.get('eid')}: bad triple {mt.text!r}")
            triples.append(fields)
        source = linearize(triples)
        refs = [(lex.text or "").strip() for lex in entry.iter("lex")]
        if not dedup:
            source_key = f"{len(instances)}"
            instances[source_key] = {"id": entry.get("eid"), "source": source, "refs": refs}
        elif source in instances:
            instances[source]["refs"].extend(refs)
        else:
            instances[source] = {"id": entry.get("eid"), "source": source, "refs": refs}
    if not instances:
        raise DARTFormatError(f"{path}: no <entry> elements")
    for inst in instances.values():
        inst["refs"] = inst["refs"][:3]
    return list(instances.values())


def _score(hyps, tests, protocol, part, threads, tercom_jar):
    from pipeline.metrics import triples

    return triples.score(hyps, [t["refs"] for t in tests], "dart", None, part, threads, tercom_jar)


def _bleu_statistics(hyps, refs):
    from pipeline.metrics import triples

    return triples.bleu_statistics(hyps, refs, "dart")


# DART v1.1.1 (Yale-LILY/dart @ bb644b1, data/v1.1.1)
SPLITS = {
    "train": "dart-v1.1.1-full-train.json",
    "dev": "dart-v1.1.1-full-dev.json",
    "test": "dart-v1.1.1-full-test.xml",
}
RELEASE = DataSet(
    name="dart",
    display="DART",
    source=Source(
        file_url=(
            "https://raw.githubusercontent.com/Yale-LILY/dart/"
            "bb644b12ec1d0264f96a31145534b9a94f6ff5f5/data/v1.1.1/{name}"
        ),
        mirror_dir="dart",
        files={
            "dart-v1.1.1-full-train.json": None,
            "dart-v1.1.1-full-dev.json": (
                "56606eac12baa7f0ddb81c61890f9f1a95bace4df8f8989852786358fe5d2b88"
            ),
            "dart-v1.1.1-full-test.xml": (
                "4f6994d633030278798c114555549a13202780fe0d78ee2e7ac7dcce45a8e233"
            ),
        },
    ),
    splits=SPLITS,
    read_splits=pairs_and_test(
        lambda raw, split: read_json(raw / SPLITS[split], split),
        lambda raw: read_test_xml(raw / SPLITS["test"]),
    ),
    test_readers={".xml": lambda p: read_test_xml(p, dedup=False)},
    score=_score,
    bleu_statistics=_bleu_statistics,
    columns={"BLEU": 1.0, "METEOR": 1.0, "TER": 1.0},
    digits={"METEOR": 2, "TER": 2},
    panels=("BLEU", "TER"),
    paper_table="dart_table2",
    exhibit_title="DART test (Table 2)",
    paper_source="ACL 2021 Table 2",
    paper_stats=("82K", 38.8, 27.3),
    test_size=5_097,
)
