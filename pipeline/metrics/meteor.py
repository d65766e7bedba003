"""Meteor 1.5 through one JVM, speaking the jar's ``-stdio`` protocol.

The jar is the one ``pycocoevalcap`` ships (the E2E kit's; it matches the WebNLG/DART kits'
to 6 dp, metrics.md), run as ``java -Xmx2G -jar meteor-1.5.jar - - -stdio -l en -norm``.
pycocoevalcap's own wrapper pipes the JVM's stderr and never reads it, so a large set can
fill that pipe and hang the JVM; here stderr goes to a temporary file instead.

Protocol: ``SCORE ||| ref1 ||| ref2 ||| hyp`` returns one statistics line per segment;
``EVAL ||| stats1 ||| stats2 ...`` returns each segment's score and then the corpus score.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from pipeline.metrics.java import find_java


def _jar() -> str:
    import pycocoevalcap.meteor.meteor as m

    return os.path.join(os.path.dirname(os.path.abspath(m.__file__)), "meteor-1.5.jar")


def _clean(text: str) -> str:
    return " ".join(text.replace("|||", "").split())


class Meteor:
    """``with Meteor() as m: m.corpus(hyps, refs)`` -- one JVM for every call inside."""

    def __enter__(self) -> Meteor:
        jar = _jar()
        self._err = tempfile.TemporaryFile()
        self._p = subprocess.Popen(
            [str(find_java()), "-Xmx2G", "-jar", jar, "-", "-", "-stdio", "-l", "en", "-norm"],
            cwd=os.path.dirname(jar),  # the jar looks for data/paraphrase-en.gz beside it
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
            encoding="utf-8",
        )
        return self

    def __exit__(self, *exc) -> None:
        self._p.kill()
        self._p.wait()
        self._err.close()

    def _ask(self, line: str) -> str:
        self._p.stdin.write(line + "\n")
        self._p.stdin.flush()
        answer = self._p.stdout.readline()
        if not answer:
            self._err.seek(0)
            tail = self._err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"Meteor JVM exited: {tail}")
        return answer.strip()

    def corpus(self, hypotheses: list[str], references: list[list[str]]) -> float:
        """Corpus METEOR (the jar's aggregate over all segments' statistics)."""
        if len(hypotheses) != len(references):
            raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} reference sets")
        stats = [
            self._ask(" ||| ".join(["SCORE", *map(_clean, refs), _clean(hyp)]))
            for hyp, refs in zip(hypotheses, references)
        ]
        self._p.stdin.write(" ||| ".join(["EVAL", *stats]) + "\n")
        self._p.stdin.flush()
        for _ in stats:  # per-segment scores, not needed
            self._p.stdout.readline()
        return float(self._p.stdout.readline().strip())
