"""Metric signatures in one grammar, sacrebleu's: ``key:value|key:value|...``.

sacrebleu's own BLEU / TER signatures already read this way; every other metric (NIST,
METEOR, ROUGE-L, CIDEr, ROUGE) gets a signature of the same shape naming its implementation,
tokenisation and settings, and ending in the project's version, so a number can be traced
to what computed it: ``nrefs:var|case:lc|tok:13a|...|version:2.6.0`` for BLEU and, e.g.,
``impl:meteor-1.5|lang:en|norm:yes|tok:ptb|via:pycocoevalcap-1.2|prefix-repro:0.1.0``.
"""

from __future__ import annotations

from pipeline import __version__


def signature(**fields) -> str:
    """``key:value|...`` in the order given, then ``prefix-repro:<version>``. Values must not
    contain ``|`` (the separator)."""
    parts = []
    for key, value in fields.items():
        value = {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
        text = f"{key.replace('_', '-')}:{value}"
        if "|" in text:
            raise ValueError(f"signature field {text!r} contains the separator '|'")
        parts.append(text)
    parts.append(f"prefix-repro:{__version__}")
    return "|".join(parts)


def parse(text: str) -> dict[str, str]:
    """The fields of a signature (``key:value|...``)."""
    return dict(part.split(":", 1) for part in text.split("|"))
