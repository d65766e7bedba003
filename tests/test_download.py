import pytest

from pipeline.data import download, registry
from tests.conftest import FIXTURES


def test_staging_from_a_mirror_checks_and_records_checksums(tmp_path):
    m = download.stage(
        "e2e",
        ["devset.csv", "testset_w_refs.csv"],
        tmp_path,
        FIXTURES / "mirror",
        verify_canonical=False,
    )
    assert (tmp_path / "devset.csv").exists()
    assert m["files"]["devset.csv"]["origin"].startswith("mirror:")


def test_a_staged_file_is_a_cache_shared_by_configurations(tmp_path):
    """A second staging (another configuration) reuses an unchanged file and its origin; a
    file changed since is staged again."""
    files = ["devset.csv", "testset_w_refs.csv"]
    first = download.stage("e2e", files, tmp_path, FIXTURES / "mirror", verify_canonical=False)
    # no mirror now: only the cache can serve the files
    again = download.stage("e2e", files, tmp_path, None, verify_canonical=False)
    assert again == first
    (tmp_path / "devset.csv").write_text("mr,ref\n")  # edited by hand: not what was staged
    third = download.stage("e2e", ["devset.csv"], tmp_path, FIXTURES / "mirror", False)
    assert third["files"]["devset.csv"] == first["files"]["devset.csv"]
    assert (tmp_path / "devset.csv").read_bytes() == (
        FIXTURES / "mirror/e2e/devset.csv"
    ).read_bytes()


def test_a_checksum_mismatch_is_an_error_and_stages_nothing(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "e2e").mkdir(parents=True)
    (mirror / "e2e" / "devset.csv").write_text("mr,ref\n")  # not the released file
    out = tmp_path / "out"
    with pytest.raises(download.ChecksumError, match="devset.csv"):
        download.stage("e2e", ["devset.csv"], out, mirror, verify_canonical=True)
    assert not (out / "devset.csv").exists()
    assert not list(out.glob(".*tmp"))


def test_a_truncated_mirror_file_fails_its_sha256sums(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "e2e").mkdir(parents=True)
    good = (FIXTURES / "mirror" / "e2e" / "devset.csv").read_bytes()
    (mirror / "e2e" / "devset.csv").write_bytes(good[: len(good) // 2])
    (mirror / "SHA256SUMS").write_text((FIXTURES / "mirror" / "SHA256SUMS").read_text())
    with pytest.raises(download.ChecksumError):
        download.stage("e2e", ["devset.csv"], tmp_path / "out", mirror, verify_canonical=False)


def test_xsum_is_read_from_a_parquet_export_laid_out_as_the_hubs(tmp_path):
    # refs/convert/parquet: {config}/{split}/NNNN.parquet with the data set's own columns
    import pandas as pd

    from pipeline.data.xsum import read_split

    root = tmp_path / "export" / "default"
    rows = {
        "test": [("Article one, long.", "Summary one.", "101"), ("Two.", "S two.", "102")],
        "train": [("Train article.", "Train summary.", "7")],
    }
    for split, records in rows.items():
        (root / split).mkdir(parents=True)
        frame = pd.DataFrame(records, columns=["document", "summary", "id"])
        frame.to_parquet(root / split / "0000.parquet")
    rel = registry.get("xsum").source
    staged = tmp_path / "test.jsonl"
    download._from_hf(rel, "test.jsonl", staged, root=str(root))
    assert [(r["id"], r["target"]) for r in read_split(staged, "test")] == [
        ("101", "Summary one."),
        ("102", "S two."),
    ]
    # the real source: the hub's export at its ref, through the same reader
    assert download.parquet_root(rel) == (
        "hf://datasets/EdinburghNLP/xsum@refs%2Fconvert%2Fparquet/default"
    )
    with pytest.raises(download.DownloadError, match="EdinburghNLP/xsum"):
        download._from_hf(rel, "validation.jsonl", tmp_path / "v.jsonl", root=str(root))


def test_every_download_url_pins_a_full_commit():
    import re

    for name, rel in ((n, r.source) for n, r in registry.stagings().items()):
        for url in filter(None, (rel.archive_url, rel.file_url)):
            if "github" in url:
                assert re.search(r"/[0-9a-f]{40}[/.]", url), f"{name}: {url}"
