"""Small file helpers shared by every stage: atomic writes, JSON lines, checksums.

Outputs are written to a temporary sibling and renamed into place, so a crash never
leaves a half-written file that Snakemake could mistake for a finished result.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.errors import InputError


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
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


@contextlib.contextmanager
def _opened(path: str | os.PathLike):
    """A binary handle on an input, or an ``InputError`` that names it."""
    try:
        f = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a file") from None
    except PermissionError:
        raise InputError(f"{path}: not readable (permission denied)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None
    with f:
        yield f


def iter_text_lines(path: str | os.PathLike):
    """(line number, text) of every line of a UTF-8 text input, as people write them: a
    leading byte-order mark dropped, CRLF read as LF, an unterminated last line kept.
    Undecodable bytes raise ``InputError`` at file:line, naming the byte."""
    with _opened(path) as f:
        for lineno, raw in enumerate(f, 1):
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            raw = raw.removesuffix(b"\n").removesuffix(b"\r")
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(
                    f"{path}:{lineno}: not UTF-8 (byte 0x{raw[e.start]:02x} at column "
                    f"{e.start + 1}); save the file as UTF-8"
                ) from None


def read_text(path: str | os.PathLike) -> str:
    """A whole text input (as ``iter_text_lines`` reads it), lines joined by LF."""
    return "\n".join(line for _, line in iter_text_lines(path))


def iter_jsonl(path: str | os.PathLike, error: type[Exception] = ValueError):
    """(line number, record) of each non-blank line; bad JSON raises ``error`` at file:line."""
    for lineno, line in iter_text_lines(path):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as e:
            raise error(f"{path}:{lineno}: not valid JSON ({e.msg})") from None


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Every record of a JSON-lines input; an input with none is an error naming it."""
    rows = [row for _, row in iter_jsonl(path, InputError)]
    if not rows:
        raise InputError(f"{path}: empty (no JSON lines)")
    return rows


def read_lines(path: str | os.PathLike) -> list[str]:
    """One string per line (``iter_text_lines``); an empty file has none."""
    return [line for _, line in iter_text_lines(path)]


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
    except OSError:  # missing, a folder, unreadable: the reader's one-line error
        with _opened(path):
            raise
    except ET.ParseError as e:
        line, col = e.position
        raise error(f"{path}:{line}:{col}: broken XML ({e})") from None
