"""All four data sets through download -> prepare, on project-made fixtures in each release
format, and (when ../shared/data is staged) the real counts the paper's protocol gives."""

import json

import pytest

from pipeline.data import download, prepare, registry, subsample, xsum
from pipeline.io import read_jsonl
from tests.conftest import FIXTURES, SHARED

MIRROR = FIXTURES / "mirror"


def staged(tmp_path, dataset, pool="train", topic_split=None, mirror=MIRROR, verify=False):
    raw = tmp_path / "raw" / dataset
    download.stage(
        dataset,
        registry.get(dataset).needs_files(pool, topic_split),
        raw,
        mirror,
        verify_canonical=verify,
    )
    out = tmp_path / "data" / dataset
    meta = prepare.prepare(dataset, raw, out, pool, topic_split=topic_split)
    return out, meta


def test_webnlg_fixture_prepares_with_the_papers_linearisation_and_tracks(tmp_path):
    out, meta = staged(tmp_path, "webnlg")
    train = read_jsonl(out / "train.jsonl")
    assert all(r["source"].startswith("| ") and " : " in r["source"] for r in train)
    assert meta["counts"]["test"] == 8
    assert meta["counts"]["test_tracks"] == {"seen": 4, "unseen": 4}
    # only "good" lexicalisations train: the fixture's "bad" ones are a bare subject
    assert all(r["target"].endswith(".") for r in train)


def test_a_dev_subset_selects_checkpoints_on_every_kth_dev_example_and_says_so(tmp_path):
    """A full dev set measured every few steps can cost more than training on a CPU."""
    raw = staged(tmp_path, "webnlg")[0].parent.parent / "raw" / "webnlg"
    whole = prepare.prepare("webnlg", raw, tmp_path / "whole")
    meta = prepare.prepare("webnlg", raw, tmp_path / "sub", dev_every=2, dev_limit=1)
    dev = read_jsonl(tmp_path / "sub" / "dev.jsonl")
    assert dev == read_jsonl(tmp_path / "whole" / "dev.jsonl")[:1]
    assert meta["counts"]["dev_full"] == whole["counts"]["dev"] > meta["counts"]["dev"] == 1
    assert meta["dev_subset"] == {"every": 2, "limit": 1} and whole["dev_subset"] is None
    with pytest.raises(ValueError, match="train_pool train"):
        prepare.prepare("webnlg", raw, tmp_path / "bad", "dev", dev_every=2)


def test_dart_fixture_lowercases_relations_and_deduplicates_the_test_set(tmp_path):
    out, meta = staged(tmp_path, "dart")
    train = read_jsonl(out / "train.jsonl")
    relations = [t.split(" : ")[1] for r in train for t in r["source"].split(" | ")]
    assert relations and all(rel == rel.lower() for rel in relations)
    assert meta["counts"]["test"] == 6  # 8 entries, 2 repeat the previous input


def test_xsum_news_to_sports_trains_on_news_and_tests_on_sport(tmp_path):
    out, meta = staged(tmp_path, "xsum", topic_split="news-to-sports")
    assert {r["topic"].split("/")[0] for r in read_jsonl(out / "train.jsonl")} == {"news"}
    test = read_jsonl(out / "test.jsonl")
    assert test and {r["topic"].split("/")[0] for r in test} == {"sport"}
    assert all(len(r["refs"]) == 1 for r in test)


def test_xsum_within_news_holds_out_the_other_news_subtopics(tmp_path):
    out, _ = staged(tmp_path, "xsum", topic_split="within-news")
    train_topics = {r["topic"] for r in read_jsonl(out / "train.jsonl")}
    test_topics = {r["topic"] for r in read_jsonl(out / "test.jsonl")}
    assert train_topics <= {"news/uk-politics", "news/world-europe", "news/business"}
    assert test_topics == {"news/science-environment"}


@pytest.mark.parametrize(
    "url,topic",
    [
        (
            "http://web.archive.org/web/2015/http://www.bbc.com/news/uk-politics-32342421",
            ("news", "uk-politics"),
        ),
        ("http://www.bbc.co.uk/sport/0/football/32342421", ("sport", "football")),
        ("http://www.bbc.com/news/business-1234", ("news", "business")),
        ("http://example.org/123", ("other", "")),
    ],
)
def test_xsum_topics_come_from_the_url_path(url, topic):
    assert xsum.topic(url) == topic


def test_a_malformed_xsum_record_names_the_file_and_line(tmp_path):
    f = tmp_path / "train.jsonl"
    f.write_text(json.dumps({"document": "d", "summary": "s", "id": "1"}) + '\n{"document": 3}\n')
    with pytest.raises(xsum.XSUMFormatError, match=r"train.jsonl:2"):
        xsum.read_split(f, "train")


def test_training_fractions_are_nested_and_sized(tmp_path):
    pool = [{"id": str(i), "source": f"s{i}", "target": "t"} for i in range(200)]
    ten, twenty = subsample.fraction(pool, 10), subsample.fraction(pool, 20)
    assert len(ten) == 20 and len(twenty) == 40
    assert {r["id"] for r in ten} < {r["id"] for r in twenty}


def test_a_staged_folder_is_checked_file_by_file_against_the_mirror_sums(tmp_path):
    import shutil

    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR / "webnlg2017", mirror / "webnlg2017")
    (mirror / "SHA256SUMS").write_text((MIRROR / "SHA256SUMS").read_text())
    victim = next((mirror / "webnlg2017" / "train").rglob("*.xml"))
    victim.write_text(victim.read_text()[:100])  # truncated
    with pytest.raises(download.ChecksumError, match=victim.name):
        download.stage("webnlg", ["train/"], tmp_path / "out", mirror, verify_canonical=False)
    assert not (tmp_path / "out" / "train").exists()


needs_data = pytest.mark.skipif(
    not (SHARED / "data").exists(), reason="../shared/data (the staged real data) is absent"
)


@needs_data
def test_real_webnlg_prepares_1862_test_entries_971_seen_891_unseen(tmp_path):
    _, meta = staged(tmp_path, "webnlg", mirror=SHARED / "data", verify=True)
    assert meta["counts"]["test"] == 1862
    assert meta["counts"]["test_tracks"] == {"seen": 971, "unseen": 891}
    assert meta["counts"]["dev"] == 2258


@needs_data
def test_real_dart_test_set_deduplicates_5097_entries_to_4159_inputs(tmp_path):
    # measured: 5,097 XML entries; 4,159 distinct linearised inputs (relations lower-cased),
    # references merged in entry order, first 3 kept
    _, meta = staged(tmp_path, "dart", pool="dev", mirror=SHARED / "data", verify=True)
    assert meta["counts"]["test"] == 4159
    assert meta["counts"]["train"] == 6980  # the dev split's annotations stand in for train


@needs_data
def test_real_e2e_test_set_has_630_mrs(tmp_path):
    _, meta = staged(tmp_path, "e2e", pool="dev", mirror=SHARED / "data", verify=True)
    assert meta["counts"]["test"] == 630 and meta["counts"]["test_refs"] == 4693


def test_sources_are_cut_to_max_source_tokens_of_the_models_tokenizer():
    from pipeline.models.load import byte_tokenizer
    from pipeline.textformat import prompt_ids

    tok = byte_tokenizer()
    ids = prompt_ids(tok, "an article " * 200, max_source_tokens=512)
    assert len(ids) == 513 and ids[-1] == tok.eos_token_id  # 512 source tokens + the separator
    assert len(prompt_ids(tok, "short")) < 512


def test_an_xsum_run_carries_its_data_sets_truncation_in_its_hparams():
    from pipeline import config as pconf

    cfg = pconf.load(FIXTURES.parent.parent / "config/smoke.yaml")
    cfg["experiments"]["xsum"] = {
        "dataset": "xsum",
        "model": "tiny-gpt2",
        "methods": {"prefix": {}},
        "seeds": [1],
    }
    runs = {r.dataset: r for r in pconf.expand_runs(pconf.validate(cfg))}
    assert runs["xsum"].hparams["max_source_tokens"] == 512
    assert "max_source_tokens" not in runs["e2e"].hparams
