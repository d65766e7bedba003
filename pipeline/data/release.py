"""What the pipeline knows about one data-set release, in one record.

Each release is one module of ``pipeline.data`` that defines ``RELEASE = DataSet(...)``: where
its files come from and their checksums (``Source``), which file holds which split, how its
files are read and linearised, how a release test file is read, how outputs are scored (and
whether that needs the JVM), the metrics its tables and figures show on the paper's scale, and
the paper's exhibit for it. ``pipeline.data.registry`` finds every such module, so a new data
set is one new module plus configuration (``datasets: {name: {release: ...}}``).

A *copy* of a release (``copy_of``: E2E as the paper's code tokenised it) is staged and read
on its own but prepared and scored as the release it copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """Where a release's files come from, and their sha256 as released.

    A name ending in ``/`` is a folder; its digest is ``download.tree_sha256`` (sha256 of the
    sorted ``"<file sha256>  <relative path>"`` lines), so a folder of many files pins as one.
    ``None``: could not be pinned offline (the digest is recorded in the manifest instead).
    """

    mirror_dir: str  # folder inside a mirror holding the files
    files: dict[str, str | None] = field(default_factory=dict)
    archive_url: str | None = None  # one archive holding every file ...
    archive_member_dir: str = ""  # ... under a folder whose path ends with this
    file_url: str | None = None  # ... or each file at file_url.format(name=...)
    hf_dataset: str | None = None  # ... or a Hugging Face data set, exported to JSON lines
    hf_revision: str = "refs/convert/parquet"  # ... read from its parquet export at this ref


# (hypotheses, test rows, protocol, part, threads, tercom_jar) -> {"scores", "signature"}
Scorer = Callable[[list[str], list[dict], str, str, int, "str | None"], dict]


@dataclass(frozen=True)
class DataSet:
    name: str  # the release's name: a configuration's `release:` value
    source: Source
    # split -> staged file (train, dev, test; optional extras such as xsum's urls)
    splits: dict[str, str]
    # (raw dir, train pool, topic split) -> (train rows, dev rows, test rows)
    read_splits: Callable[[Path, str, str | None], tuple[list, list, list]]
    copy_of: tuple[str, str] | None = None  # (release, copy name) for a copy of a release
    display: str = ""  # the name the paper prints ("E2E")
    text_note: str = ""  # which text of the release this is, for the exhibits' notes
    # suffix of a release test file -> its reader (evaluate scores against it directly)
    test_readers: dict[str, Callable[[Path], list[dict]]] = field(default_factory=dict)
    score: Scorer | None = None
    java: bool = True  # whether scoring needs the JVM (a Python half and a Java step)
    # metric -> factor from our scores to the paper's scale, in table order
    columns: dict[str, float] = field(default_factory=dict)
    digits: dict[str, int] = field(default_factory=dict)  # decimals the paper prints (else 1)
    panels: tuple[str, ...] = ()  # the metrics a figure shows
    paper_table: str | None = None  # key in pipeline/report/paper_numbers.yaml
    paper_model: str = "GPT-2 M"  # the model of the paper's table a run is set beside
    # the paper's ablation table for this release (E2E: Table 5, the emb-L / infix-L rows)
    paper_ablation_table: str | None = None
    # the paper's table for this release's topic splits (XSUM: Table 4)
    paper_topic_table: str | None = None
    # prefix runs shorter than this compare to the paper's short-prefix row (XSUM's 0.1%)
    paper_small_prefix: int | None = None
    exhibit_title: str = ""  # its table's title ("E2E test (Table 2, Table 5)")
    paper_source: str = ""  # where the paper reports it
    topic_splits: tuple[str, ...] = ()  # extrapolation splits it can be prepared with
    # (hypotheses, references) -> (sacrebleu metric, per-instance BLEU statistics), as its
    # scorer counts them: the tables' paired bootstrap recomputes the release's own BLEU
    bleu_statistics: Callable[[list[str], list[list[str]]], tuple] | None = None
    # rows per split for the data-set table (the paper's Table 1): examples, in, out lengths
    paper_stats: tuple[str, float, float] | None = None
    test_size: int | None = None  # instances of the full prepared test set (cost estimates)

    def needs_files(self, train_pool: str, topic_split: str | None = None) -> list[str]:
        """Staged files a configuration needs (no train file when training from dev)."""
        wanted = [
            self.splits[s]
            for s in ("train", "dev", "test")
            if s != "train" or train_pool == "train"
        ]
        if topic_split:
            wanted.append(self.splits["urls"])
        return wanted

    def decimals(self, metric: str) -> int:
        return self.digits.get(metric, self.digits.get(metric.split("_")[0], 1))


def pairs_and_test(
    read_pairs: Callable[[Path, str], list[dict]], read_test: Callable[[Path], list[dict]]
) -> Callable[[Path, str, str | None], tuple[list, list, list]]:
    """``read_splits`` of a release whose train and dev files hold (source, target) pairs and
    whose test file holds instances: training drawn from dev when the pool says so."""

    def read_splits(raw_dir: Path, train_pool: str, topic_split: str | None = None):
        if topic_split:
            raise ValueError(f"topic splits are XSUM's; this release has none ({topic_split!r})")
        dev = read_pairs(raw_dir, "dev")
        train = read_pairs(raw_dir, "train") if train_pool == "train" else dev
        return train, dev, read_test(raw_dir)

    return read_splits
