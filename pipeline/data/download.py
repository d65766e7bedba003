"""Stage a release's raw files under ``resources/{release}/``, checksummed.

Two sources, one result:
- the canonical release (downloaded once, sha256-verified, unpacked), or
- a pre-staged mirror folder (``data.mirror``, e.g. ``../shared/data``) holding the same
  files in their release format; its ``SHA256SUMS`` is checked when present.

Every URL names a full commit. XSUM comes from the Hugging Face hub's parquet export of
``EdinburghNLP/xsum`` (``refs/convert/parquet``, read through ``datasets``; current ``datasets``
refuses the repository's loading script), exported to JSON lines; the export's commit is
recorded in the manifest when the hub answers.

Usage: python -m pipeline.data.download --dataset e2e --files devset.csv ... --out-dir DIR
       [--mirror DIR] [--no-verify-canonical]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import quote

from pipeline.data import registry
from pipeline.data.release import Source
from pipeline.errors import PipelineError
from pipeline.io import atomic_path, read_json, sha256sum, write_json
from pipeline.runtime import entry_point


class ChecksumError(PipelineError, RuntimeError):
    pass


class DownloadError(PipelineError, RuntimeError):
    pass


def tree_sha256(folder: Path) -> str:
    lines = "".join(
        f"{sha256sum(p)}  {p.relative_to(folder).as_posix()}\n"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def digest(path: Path) -> str:
    return tree_sha256(path) if path.is_dir() else sha256sum(path)


def _mirror_sums(mirror: Path) -> dict[str, str]:
    sums = {}
    sums_file = mirror / "SHA256SUMS"
    if sums_file.exists():
        for line in sums_file.read_text().splitlines():
            if line.strip():
                digest_, name = line.split(maxsplit=1)
                sums[name.lstrip("*").removeprefix("./")] = digest_
    return sums


def _check(path: Path, expected: str | None, what: str) -> str:
    got = digest(path)
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
        raise DownloadError(
            f"could not download {url} ({e}); set data.mirror to a folder that holds the "
            "release files to work offline"
        ) from e


def _copy_from_mirror(src: Path, tmp: Path, sums: dict[str, str], rel_name: str) -> None:
    if src.is_dir():
        tmp.unlink()
        shutil.copytree(src, tmp)
        for f in tmp.rglob("*"):
            if f.is_file():
                key = f"{rel_name.rstrip('/')}/{f.relative_to(tmp).as_posix()}"
                _check(f, sums.get(key), f"mirror {src / f.relative_to(tmp)} (SHA256SUMS)")
    else:
        shutil.copyfile(src, tmp)
        _check(tmp, sums.get(rel_name), f"mirror {src} (SHA256SUMS)")


def _from_archive(rel: Source, name: str, out_dir: Path, tmp: Path) -> None:
    archive = out_dir / Path(rel.archive_url).name
    if not archive.exists():
        _download(rel.archive_url, archive)
    try:
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
            base = next((n for n in names if n.rstrip("/").endswith(rel.archive_member_dir)), None)
            if base is None:
                raise KeyError(rel.archive_member_dir)
            member = base.rstrip("/") + "/" + name
            if name.endswith("/"):
                tmp.unlink()
                inside = [n for n in names if n.startswith(member) and not n.endswith("/")]
                if not inside:
                    raise KeyError(member)
                for n in inside:
                    dest = tmp / n[len(member) :]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(n) as m, open(dest, "wb") as f:
                        shutil.copyfileobj(m, f)
            else:
                with z.open(member) as m, open(tmp, "wb") as f:
                    shutil.copyfileobj(m, f)
    except (zipfile.BadZipFile, KeyError) as e:
        archive.unlink(missing_ok=True)
        raise DownloadError(f"{archive}: broken or unexpected archive (missing {e})") from e


def parquet_root(rel: Source) -> str:
    """The hub's parquet export of a data set, as a path ``datasets`` reads (hf://)."""
    return f"hf://datasets/{rel.hf_dataset}@{quote(rel.hf_revision, safe='')}/default"


def load_parquet_split(root: str, split: str):
    """One split of a parquet export laid out as the hub's (``{root}/{split}/*.parquet``):
    the hub's own, or a local folder of the same shape."""
    from datasets import load_dataset

    return load_dataset("parquet", data_files={split: f"{root}/{split}/*.parquet"}, split=split)


def export_commit(rel: Source) -> str | None:
    """The commit the export's ref points at now (recorded beside the files' sha256)."""
    try:
        from huggingface_hub import HfApi

        return HfApi().dataset_info(rel.hf_dataset, revision=rel.hf_revision).sha
    except Exception:  # recorded when the hub answers; the checksums stand either way
        return None


def _from_hf(rel: Source, name: str, tmp: Path, root: str | None = None) -> None:
    """One split of a Hugging Face data set as JSON lines (the real path; needs the hub)."""
    root = root or parquet_root(rel)
    try:
        split = load_parquet_split(root, Path(name).stem)
    except Exception as e:  # network, hub or format errors all mean: not staged
        raise DownloadError(
            f"could not load {rel.hf_dataset} from {root} ({type(e).__name__}: {e}); set "
            f"data.mirror to a folder holding {rel.mirror_dir}/{name} to work offline"
        ) from e
    split.to_json(str(tmp), lines=True, force_ascii=False)


def stage(
    dataset: str,
    files: list[str],
    out_dir: Path,
    mirror: Path | None,
    verify_canonical: bool = True,
) -> dict:
    rel = registry.get(dataset).source
    unknown = [f for f in files if f not in rel.files]
    if unknown:
        raise ValueError(f"{dataset}: unknown release files {unknown}; known: {list(rel.files)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"dataset": dataset, "files": {}}
    mirror_root = mirror / rel.mirror_dir if mirror else None
    sums = _mirror_sums(mirror) if mirror else {}
    for name in files:
        dest = out_dir / name.rstrip("/")
        canonical = rel.files[name] if verify_canonical else None
        cached = _cached(out_dir, name, dest, canonical)
        if cached is not None:  # staged before (by this or another configuration)
            manifest["files"][name] = cached
            continue
        src = mirror_root / name.rstrip("/") if mirror_root else None
        with atomic_path(dest) as tmp:
            if src is not None and src.exists():
                _copy_from_mirror(src, tmp, sums, f"{rel.mirror_dir}/{name}")
                origin = f"mirror:{src}"
            else:
                if mirror_root is not None:
                    print(
                        f"{name} not in mirror {mirror_root}; using the canonical source",
                        file=sys.stderr,
                    )
                if rel.hf_dataset and name.endswith(".jsonl"):
                    _from_hf(rel, name, tmp)
                    commit = export_commit(rel)
                    origin = f"{parquet_root(rel)} (commit {commit or 'not resolved'})"
                elif rel.archive_url:
                    _from_archive(rel, name, out_dir, tmp)
                    origin = rel.archive_url
                else:
                    url = rel.file_url.format(name=name)
                    tmp.unlink()
                    _download(url, tmp)
                    origin = url
            got = _check(tmp, canonical, origin)
            if dest.is_dir():  # a folder is replaced whole, never merged
                shutil.rmtree(dest)
        manifest["files"][name] = {
            "sha256": got,
            "origin": origin,
            "canonical_sha256_pinned": rel.files[name] is not None,
        }
        write_json(_record(out_dir, name), manifest["files"][name])
    return manifest


def _record(out_dir: Path, name: str) -> Path:
    """Where a staged file's digest and origin are kept (``.staged/`` beside the files)."""
    return out_dir / ".staged" / f"{name.rstrip('/')}.json"


def _cached(out_dir: Path, name: str, dest: Path, canonical: str | None) -> dict | None:
    """A staged file's record when the file is still exactly what was staged (and, with a
    pinned checksum, the canonical file); None when it must be staged (again)."""
    record = _record(out_dir, name)
    if not (dest.exists() and record.exists()):
        return None
    try:
        info = read_json(record)
    except (OSError, ValueError):  # unreadable record: stage again
        return None
    got = digest(dest)
    if got != info.get("sha256") or (canonical is not None and got != canonical):
        return None
    return info


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--dataset", required=True, help="a release or a copy of one (pipeline.data.registry)"
    )
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
