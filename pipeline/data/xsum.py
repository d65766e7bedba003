"""XSUM (Narayan et al., 2018): the splits of ``EdinburghNLP/xsum`` as JSON lines
(``document``, ``summary``, ``id``), and the paper's topic splits from the article URLs.

Articles are kept whole here; each model truncates them to ``max_source_tokens`` (512 BPE
tokens in the paper) with its own tokenizer (``pipeline.textformat.truncate_source``), so one
prepared data set serves every model.

Topic splits (docs/protocol.md §6, ACL §6.4): the topic is the BBC URL path after the host, e.g.
``news/uk-politics-32342421`` -> (news, uk-politics) and ``sport/0/football/32342421`` ->
(sport, football). news-to-sports trains on news/* and tests on sport/*; within-news trains
on news subtopics uk | world | business and tests on the other news subtopics.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.data.release import DataSet, Source
from pipeline.errors import PipelineError
from pipeline.io import iter_jsonl

WITHIN_NEWS_TRAIN = frozenset({"uk", "world", "business"})
TOPIC_SPLITS = ("news-to-sports", "within-news")


class XSUMFormatError(PipelineError, ValueError):
    pass


def read_split(path: str | Path, split: str) -> list[dict]:
    """Rows ``{id, source, target}`` of one exported split, in file order."""
    path = Path(path)
    rows = []
    for n, rec in iter_jsonl(path, XSUMFormatError):
        if not (
            isinstance(rec, dict)
            and all(isinstance(rec.get(k), str) for k in ("document", "summary", "id"))
        ):
            raise XSUMFormatError(
                f"{path}:{n}: expected {{'document': str, 'summary': str, 'id': str}}"
            )
        rows.append(
            {
                "id": rec["id"],
                "source": " ".join(rec["document"].split()),
                "target": rec["summary"].strip(),
            }
        )
    if not rows:
        raise XSUMFormatError(f"{path}: no records")
    return rows


def topic(url: str) -> tuple[str, str]:
    """(section, subtopic) of a BBC article URL, possibly wrapped in a web-archive URL."""
    m = re.search(r"bbc\.(?:co\.uk|com)/(news|sport)/(.+)$", url.strip())
    if not m:
        return ("other", "")
    section, rest = m.groups()
    parts = [p for p in rest.split("/") if p and not p.isdigit()]
    if section == "news":
        # news/uk-politics-32342421 -> uk-politics; news/world-europe-1 -> world-europe
        sub = re.sub(r"-?\d+$", "", parts[0]) if parts else ""
    else:
        sub = parts[0] if parts else ""
    return section, sub


def url_topics(path: str | Path) -> dict[str, tuple[str, str]]:
    """Article id (the URL's trailing number) -> topic, from XSum-WebArxiveUrls.txt."""
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = re.search(r"(\d+)\s*$", line)
        if m:
            out[m.group(1)] = topic(line)
    if not out:
        raise XSUMFormatError(f"{path}: no article URLs")
    return out


def in_topic_split(t: tuple[str, str], split: str, side: str) -> bool:
    """Whether an article of topic ``t`` belongs to ``side`` (train|test) of a topic split."""
    section, sub = t
    if split == "news-to-sports":
        return section == ("news" if side == "train" else "sport")
    if split == "within-news":
        head = sub.split("-")[0]
        return section == "news" and ((head in WITHIN_NEWS_TRAIN) == (side == "train"))
    raise ValueError(f"unknown topic split {split!r} ({', '.join(TOPIC_SPLITS)})")


def apply_topic_split(rows: list[dict], topics: dict, split: str, side: str) -> list[dict]:
    kept = []
    for r in rows:
        t = topics.get(r["id"], ("other", ""))
        if in_topic_split(t, split, side):
            kept.append({**r, "topic": "/".join(t)})
    return kept


def single_reference_test(rows: list[dict]) -> list[dict]:
    """Test instances of (source, target) rows: the summary is the one reference."""
    return [
        {
            "id": r["id"],
            "source": r["source"],
            "refs": [r["target"]],
            **({"topic": r["topic"]} if "topic" in r else {}),
        }
        for r in rows
    ]


def read_splits(raw_dir: Path, train_pool: str, topic_split: str | None = None):
    """(train, dev, test) rows; with a topic split, each side restricted to its topics."""
    dev = read_split(raw_dir / SPLITS["dev"], "dev")
    train = read_split(raw_dir / SPLITS["train"], "train") if train_pool == "train" else dev
    test = read_split(raw_dir / SPLITS["test"], "test")
    if topic_split:
        topics = url_topics(raw_dir / SPLITS["urls"])
        train = apply_topic_split(train, topics, topic_split, "train")
        dev = apply_topic_split(dev, topics, topic_split, "train")
        test = apply_topic_split(test, topics, topic_split, "test")
    return train, dev, single_reference_test(test)


def _score(hyps, tests, protocol, part, threads, tercom_jar):
    from pipeline.metrics import rouge

    if part == "java":  # ROUGE needs no JVM: nothing to add
        return {"scores": {}, "signature": {}}
    return rouge.score(hyps, [t["refs"] for t in tests])


SPLITS = {
    "train": "train.jsonl",
    "dev": "validation.jsonl",
    "test": "test.jsonl",
    "urls": "XSum-WebArxiveUrls.txt",
}
# XSUM through `datasets` (EdinburghNLP/xsum: document, summary, id), exported to JSON lines;
# the article URLs behind the paper's topic splits come from the XSum repository.
RELEASE = DataSet(
    name="xsum",
    display="XSUM",
    source=Source(
        hf_dataset="EdinburghNLP/xsum",
        file_url=(
            "https://raw.githubusercontent.com/EdinburghNLP/XSum/"
            "7b95485c3e861d7caff76a8b4c6b3fd3bf7ee9b1/XSum-Dataset/{name}"
        ),
        mirror_dir="xsum",
        files={name: None for name in SPLITS.values()},
    ),
    splits=SPLITS,
    read_splits=read_splits,
    score=_score,
    java=False,
    columns={"ROUGE-1": 1.0, "ROUGE-2": 1.0, "ROUGE-L": 1.0},
    digits={"ROUGE-1": 2, "ROUGE-2": 2, "ROUGE-L": 2},
    panels=("ROUGE-1", "ROUGE-2", "ROUGE-L"),
    paper_table="xsum_table3",
    paper_model="BART-L",
    paper_topic_table="xsum_table4",
    # PREFIX(2%) is L = 100; PREFIX(0.1%) a short prefix (L ~ 5, docs/method.md §3)
    paper_small_prefix=50,
    exhibit_title="XSUM test (Table 3)",
    paper_source="ACL 2021 Table 3",
    topic_splits=TOPIC_SPLITS,
    paper_stats=("225K", 473.3, 28.1),
    test_size=11_334,
)
