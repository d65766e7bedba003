"""E2E NLG (Novikova et al., 2017): read the release CSVs and linearise meaning representations.

Release format: a CSV with header ``mr,ref``; one row per reference; rows sharing an MR are
consecutive. An MR is ``name[The Eagle], eatType[coffee shop], ...``.

Linearisation follows the paper's data files (docs/protocol.md §1):
``name : The Eagle | Type : coffee shop | area : riverside`` -- " : " between attribute and
value, " | " between attributes, and the paper's attribute names (``eatType`` -> ``Type``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pipeline.data.release import DataSet, Source, pairs_and_test
from pipeline.errors import PipelineError
from pipeline.io import read_text

# The paper's attribute names (its src1_*.txt files); release names on the left.
ATTRIBUTE_NAMES = {
    "name": "name",
    "eatType": "Type",
    "food": "food",
    "priceRange": "price",
    "customer rating": "customer rating",
    "area": "area",
    "familyFriendly": "family friendly",
    "near": "near",
}

_SLOT = re.compile(r"\s*([^\[\],]+?)\s*\[([^\]]*)\]\s*(?:,|$)")


class E2EFormatError(PipelineError, ValueError):
    pass


def parse_mr(mr: str, where: str = "MR") -> list[tuple[str, str]]:
    """``name[The Eagle], eatType[pub]`` -> [("name", "The Eagle"), ("eatType", "pub")]."""
    slots, pos = [], 0
    while pos < len(mr):
        m = _SLOT.match(mr, pos)
        if not m:
            raise E2EFormatError(
                f"{where}: cannot parse meaning representation {mr!r} at char {pos}"
            )
        attr, value = m.group(1), m.group(2)
        if attr not in ATTRIBUTE_NAMES:
            raise E2EFormatError(f"{where}: unknown E2E attribute {attr!r} in {mr!r}")
        slots.append((attr, value))
        pos = m.end()
    if not slots:
        raise E2EFormatError(f"{where}: empty meaning representation")
    return slots


def linearize(mr: str, where: str = "MR") -> str:
    return " | ".join(f"{ATTRIBUTE_NAMES[a]} : {v}" for a, v in parse_mr(mr, where))


def read_csv(path: str | Path) -> list[tuple[str, str]]:
    """Rows (mr, ref) of a release CSV; a malformed row is an error naming file and line."""
    path = Path(path)
    rows = []
    with io.StringIO(read_text(path), newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise E2EFormatError(f"{path}: empty file") from None
        except csv.Error as e:
            raise E2EFormatError(f"{path}:1: malformed CSV ({e})") from None
        if [h.strip() for h in header[:2]] != ["mr", "ref"] or len(header) != 2:
            raise E2EFormatError(f"{path}:1: expected header 'mr,ref', got {header!r}")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise E2EFormatError(f"{path}:{reader.line_num}: malformed CSV ({e})") from None
            if not row:
                continue
            if len(row) != 2:
                raise E2EFormatError(
                    f"{path}:{reader.line_num}: expected 2 fields (mr, ref), got {len(row)}"
                )
            mr, ref = row
            parse_mr(mr, where=f"{path}:{reader.line_num}")
            if not ref.strip():
                raise E2EFormatError(f"{path}:{reader.line_num}: empty reference")
            rows.append((mr, ref))
    if not rows:
        raise E2EFormatError(f"{path}: no data rows")
    return rows


def pairs(path: str | Path, split: str) -> list[dict]:
    """One training example per (MR, reference) row."""
    return [
        {"id": f"{split}-{i}", "mr": mr, "source": linearize(mr), "target": ref}
        for i, (mr, ref) in enumerate(read_csv(path))
    ]


def grouped(path: str | Path, split: str) -> list[dict]:
    """One test instance per MR, references grouped (consecutive rows with equal MR)."""
    instances: list[dict] = []
    for mr, ref in read_csv(path):
        if instances and instances[-1]["mr"] == mr:
            instances[-1]["refs"].append(ref)
        else:
            instances.append(
                {
                    "id": f"{split}-{len(instances)}",
                    "mr": mr,
                    "source": linearize(mr),
                    "refs": [ref],
                }
            )
    return instances


def _score(hyps, tests, protocol, part, threads, tercom_jar):
    from pipeline.metrics import e2e as metrics

    return metrics.score(hyps, [t["refs"] for t in tests], protocol, part)


def _bleu_statistics(hyps, refs):
    from pipeline.metrics import e2e as metrics

    return metrics.bleu_statistics(hyps, refs)


def _read_paper_copy(path: Path) -> list[dict]:  # the paper's tokenised src1_test.txt
    from pipeline.data import e2e_paper

    return e2e_paper.grouped(path, "test")


SPLITS = {"train": "trainset.csv", "dev": "devset.csv", "test": "testset_w_refs.csv"}
RELEASE = DataSet(
    name="e2e",
    display="E2E",
    text_note="the release CSVs (raw references)",
    source=Source(
        # the repository at the v1.0.0 release's commit
        archive_url=(
            "https://github.com/tuetschek/e2e-dataset/archive/"
            "ab0d967dd5729ce455ef14ba9ffafc456a335264.zip"
        ),
        archive_member_dir="e2e-dataset-ab0d967dd5729ce455ef14ba9ffafc456a335264",
        mirror_dir="e2e",
        files={
            # dev and test as released (v1.0.0)
            "devset.csv": "fc26b78cdb849c80545f513b223d1e051138b43882eeb79e3eb153e689c864f9",
            "testset_w_refs.csv": "edc8db685e39bb9824d5bd70c18b1c9b0412d14b527aa960e2d1c8251ee15ccd",
            # not pinned: no copy of the train split was reachable when this was written;
            # its checksum is recorded in the staging manifest on first download.
            "trainset.csv": None,
        },
    ),
    splits=SPLITS,
    read_splits=pairs_and_test(
        lambda raw, split: pairs(raw / SPLITS[split], split),
        lambda raw: grouped(raw / SPLITS["test"], "test"),
    ),
    test_readers={".csv": lambda p: grouped(p, "test"), ".txt": _read_paper_copy},
    score=_score,
    columns={"BLEU": 100.0, "NIST": 1.0, "METEOR": 100.0, "ROUGE_L": 100.0, "CIDEr": 1.0},
    digits={"NIST": 2, "CIDEr": 2},
    panels=("BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr"),
    paper_table="e2e_table2",
    paper_ablation_table="e2e_table5",
    exhibit_title="E2E test (Table 2, Table 5)",
    paper_source="ACL 2021 Tables 2 and 5",
    bleu_statistics=_bleu_statistics,
    paper_stats=("50K", 28.5, 27.8),
    test_size=630,
)
