import pytest

from pipeline.data import download
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
