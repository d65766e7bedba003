"""Small file helpers shared by every stage: atomic writes, JSON lines, checksums.

Outputs are written to a temporary sibling and renamed into place, so a crash never
leaves a half-written file that Snakemake could mistake for a finished result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.is_dir():  # a staged folder (pipeline.data.download)
            shutil.rmtree(tmp)
        elif tmp.exists():
            tmp.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def read_json(path: str | os.PathLike):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


def iter_jsonl(path: str | os.PathLike, error: type[Exception] = ValueError):
    """(line number, record) of each non-blank line; bad JSON raises ``error`` at file:line."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise error(f"{path}:{lineno}: not valid JSON ({e.msg})") from None


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    return [row for _, row in iter_jsonl(path)]


def read_lines(path: str | os.PathLike) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1] if os.path.getsize(path) else []


def write_lines(path: str | os.PathLike, lines: Iterable[str]) -> None:
    lines = list(lines)
    for i, line in enumerate(lines):
        if "\n" in line:
            raise ValueError(f"line {i + 1} for {path} contains a newline")
    write_text(path, "".join(line + "\n" for line in lines))


def sha256sum(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def parse_xml(path: str | os.PathLike, error: type[Exception]):
    """The root element of an XML file; a parse error becomes ``error`` naming file:line:col."""
    import xml.etree.ElementTree as ET

    try:
        return ET.parse(path).getroot()
    except ET.ParseError as e:
        line, col = e.position
        raise error(f"{path}:{line}:{col}: broken XML ({e})") from None
