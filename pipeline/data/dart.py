"""DART v1.1.1: read the release JSON (train/dev) and XML (test) and linearise (docs/protocol.md §1).

Linearisation: ``s : r : o | s2 : r2 : o2`` with the relation lower-cased and no leading
separator. Every annotation is a training pair. The test set is de-duplicated by linearised
input (first occurrence kept, references merged in order); the first 3 references are the
scored ones (empty where fewer), as the official kit's reference files.
"""

from __future__ import annotations

import json
from pathlib import Path

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
