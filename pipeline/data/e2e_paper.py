"""E2E as the paper's code read it: the released repository's tokenised copy.

``data/e2e_data/src1_{train,valid,test}.txt`` of XiangLi1999/PrefixTuning: one
``source||target`` pair per line, the source already linearised
(``name : Blue Spice | Type : coffee shop | area : city centre``), the target tokenised the
way its scorer expects (``A coffee shop in the city centre area called Blue Spice .``,
"it 's", "£ 20 - 25", "family - friendly"). Training on this text and scoring against it
moves BLEU by up to 5 points against the raw release CSVs (``pipeline.data.e2e``).

Test references are grouped as the released ``run_generation.py`` grouped them
(``read_e2e_files`` + ``write_e2e_corr``): every reference of a source, wherever it appears in
the file, in order of each source's first appearance; each side stripped of surrounding
spaces. For ``src1_test.txt`` that is the 630 MRs in the order of ``testset_w_refs.csv``.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.data.release import DataSet, Source, pairs_and_test
from pipeline.errors import PipelineError
from pipeline.io import iter_text_lines

FILES = {"train": "src1_train.txt", "dev": "src1_valid.txt", "test": "src1_test.txt"}


class E2EPaperFormatError(PipelineError, ValueError):
    pass


def read(path: str | Path) -> list[tuple[str, str]]:
    """(source, target) pairs; a line that is not ``source||target`` names file and line."""
    path = Path(path)
    rows = []
    for n, line in iter_text_lines(path):
        if not line.strip():
            continue
        parts = line.strip().split("||")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise E2EPaperFormatError(f"{path}:{n}: expected 'source||target'")
        rows.append((parts[0].strip(), parts[1].strip()))
    if not rows:
        raise E2EPaperFormatError(f"{path}: no 'source||target' lines")
    return rows


def pairs(path: str | Path, split: str) -> list[dict]:
    """One training example per line."""
    return [
        {"id": f"{split}-{i}", "source": src, "target": tgt}
        for i, (src, tgt) in enumerate(read(path))
    ]


def grouped(path: str | Path, split: str = "test") -> list[dict]:
    """One instance per distinct source, its references grouped as the paper's code did."""
    refs: dict[str, list[str]] = {}
    for src, tgt in read(path):
        refs.setdefault(src, []).append(tgt)
    return [
        {"id": f"{split}-{i}", "source": src, "refs": r} for i, (src, r) in enumerate(refs.items())
    ]


# E2E as the paper's code read it: staged as its own, prepared and scored as E2E (`copy: paper`)
RELEASE = DataSet(
    name="e2e-paper",
    copy_of=("e2e", "paper"),
    text_note="the paper's tokenised copy (src1_*.txt, references as its code grouped them)",
    source=Source(
        archive_url=(
            "https://github.com/XiangLi1999/PrefixTuning/archive/"
            "6519d30e69b15a180f23e2cd41b766d3f62b8e82.zip"
        ),
        archive_member_dir="data/e2e_data",
        mirror_dir="e2e-paper",
        files={
            "src1_train.txt": None,  # no copy was reachable offline: recorded on first download
            "src1_valid.txt": "ba963113c8401d3d26216c0dc0a6dae1ea6ea927de3bf830e32c41f65401c80d",
            "src1_test.txt": "81b1bcd40c4f12845ec4eb61a77bf43765d112483cd9b2f91ef10bfc1b3d8f13",
        },
    ),
    splits=FILES,
    read_splits=pairs_and_test(
        lambda raw, split: pairs(raw / FILES[split], split),
        lambda raw: grouped(raw / FILES["test"], "test"),
    ),
)
