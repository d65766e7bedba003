"""TER through a user-supplied tercom jar (0.7.25, the WebNLG and DART kits' tool).

No package index ships tercom, so sacrebleu's TER stands in by default (within 0.0002 of
tercom on real outputs, metrics.md). Set ``evaluation.tercom_jar`` to a tercom jar and the
Java step runs it as the kits do: case-insensitive, punctuation kept, on the normalised
files, every reference of a segment sharing its id in the ``.trn`` reference file.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.metrics.java import find_java


class TercomError(PipelineError, RuntimeError):
    pass


def trn(lines: list[tuple[str, int]]) -> str:
    """tercom's format: ``text (id)`` per line; several lines may share an id."""
    return "".join(f"{text} (seg{i})\n" for text, i in lines)


def corpus_ter(hypotheses: list[str], references: list[list[str]], jar: str | Path) -> float:
    jar = Path(jar)
    if not jar.is_file():
        raise TercomError(f"evaluation.tercom_jar = {jar}: no such file")
    with tempfile.TemporaryDirectory() as d:
        hyp, ref = Path(d) / "hyp.trn", Path(d) / "ref.trn"
        hyp.write_text(trn([(h, i) for i, h in enumerate(hypotheses)]), encoding="utf-8")
        ref.write_text(
            trn([(r, i) for i, rs in enumerate(references) for r in rs if r]), encoding="utf-8"
        )
        res = subprocess.run(
            [str(find_java()), "-jar", str(jar), "-r", str(ref), "-h", str(hyp)],
            capture_output=True,
            text=True,
            cwd=d,
        )
    m = re.search(r"Total TER:\s*([0-9.]+)", res.stdout)
    if res.returncode != 0 or not m:
        raise TercomError(
            f"{jar} failed (exit {res.returncode}): {res.stderr[-1000:] or res.stdout[-1000:]}"
        )
    return float(m.group(1))
