"""Stage a data set's raw release files under ``resources/{dataset}/``, checksummed.

Two sources, one result:
- the canonical release (downloaded once, sha256-verified, unpacked), or
- a pre-staged mirror folder (``data.mirror``, e.g. ``../shared/data``) holding the same
  files in their release format; its ``SHA256SUMS`` is checked when present.

Usage: python -m pipeline.data.download --dataset e2e --files devset.csv ... --out-dir DIR
       [--mirror DIR] [--no-verify-canonical]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.io import atomic_path, sha256sum, write_json
from pipeline.runtime import entry_point


@dataclass(frozen=True)
class Release:
    url: str
    archive_member_dir: str  # folder inside the archive holding the files
    mirror_dir: str  # folder inside a mirror holding the files
    # sha256 of each file as released; None where it could not be pinned offline.
    files: dict[str, str | None] = field(default_factory=dict)


RELEASES = {
    "e2e": Release(
        url="https://github.com/tuetschek/e2e-dataset/releases/download/v1.0.0/e2e-dataset.zip",
        archive_member_dir="e2e-dataset",
        mirror_dir="e2e",
        files={
            # dev and test as released (e2e-dataset @ ab0d967 == v1.0.0 contents)
            "devset.csv": "fc26b78cdb849c80545f513b223d1e051138b43882eeb79e3eb153e689c864f9",
            "testset_w_refs.csv": "edc8db685e39bb9824d5bd70c18b1c9b0412d14b527aa960e2d1c8251ee15ccd",
            # not pinned: no copy of the train split was reachable when this was written;
            # its checksum is recorded in the staging manifest on first download.
            "trainset.csv": None,
        },
    ),
}


class ChecksumError(PipelineError, RuntimeError):
    pass


def _mirror_sums(mirror: Path) -> dict[str, str]:
    sums = {}
    sums_file = mirror / "SHA256SUMS"
    if sums_file.exists():
        for line in sums_file.read_text().splitlines():
            if line.strip():
                digest, name = line.split(maxsplit=1)
                sums[name.lstrip("*").removeprefix("./")] = digest
    return sums


def _check(path: Path, expected: str | None, what: str) -> str:
    got = sha256sum(path)
    if expected is not None and got != expected:
        raise ChecksumError(
            f"{what}: sha256 mismatch for {path.name}: expected {expected}, got {got} "
            "(truncated or altered file; nothing was staged)"
        )
    return got


def _download(url: str, dest: Path) -> None:
    print(f"downloading {url}", file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=60) as r, atomic_path(dest) as tmp:
            with open(tmp, "wb") as f:
                shutil.copyfileobj(r, f)
    except OSError as e:
        raise RuntimeError(
            f"could not download {url} ({e}); set data.mirror to a folder that holds the "
            "release files to work offline"
        ) from e


def stage(
    dataset: str,
    files: list[str],
    out_dir: Path,
    mirror: Path | None,
    verify_canonical: bool = True,
) -> dict:
    rel = RELEASES[dataset]
    unknown = [f for f in files if f not in rel.files]
    if unknown:
        raise ValueError(f"{dataset}: unknown release files {unknown}; known: {list(rel.files)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"dataset": dataset, "files": {}}
    mirror_root = mirror / rel.mirror_dir if mirror else None
    sums = _mirror_sums(mirror) if mirror else {}
    for name in files:
        dest = out_dir / name
        canonical = rel.files[name] if verify_canonical else None
        src = mirror_root / name if mirror_root else None
        with atomic_path(dest) as tmp:
            if src is not None and src.exists():
                shutil.copyfile(src, tmp)
                _check(tmp, sums.get(f"{rel.mirror_dir}/{name}"), f"mirror {src}")
                origin = f"mirror:{src}"
            else:
                if mirror_root is not None:
                    print(
                        f"{name} not in mirror {mirror_root}; using the canonical release",
                        file=sys.stderr,
                    )
                archive = out_dir / Path(rel.url).name
                if not archive.exists():
                    _download(rel.url, archive)
                try:
                    with (
                        zipfile.ZipFile(archive) as z,
                        z.open(f"{rel.archive_member_dir}/{name}") as m,
                    ):
                        with open(tmp, "wb") as f:
                            shutil.copyfileobj(m, f)
                except (zipfile.BadZipFile, KeyError) as e:
                    archive.unlink(missing_ok=True)
                    raise RuntimeError(f"{archive}: broken or unexpected archive ({e})") from e
                origin = rel.url
            digest = _check(tmp, canonical, origin)
        manifest["files"][name] = {
            "sha256": digest,
            "origin": origin,
            "canonical_sha256_pinned": rel.files[name] is not None,
        }
    return manifest


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True, choices=sorted(RELEASES))
    p.add_argument("--files", nargs="+", required=True)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--manifest", required=True, type=Path)
    p.add_argument("--mirror", type=Path, default=None)
    p.add_argument("--no-verify-canonical", action="store_true")
    a = p.parse_args(argv)
    mirror = a.mirror if a.mirror and a.mirror.exists() else None
    if a.mirror and mirror is None:
        print(f"mirror {a.mirror} does not exist; using canonical sources", file=sys.stderr)
    manifest = stage(a.dataset, a.files, a.out_dir, mirror, not a.no_verify_canonical)
    write_json(a.manifest, manifest)


if __name__ == "__main__":
    entry_point(main)
