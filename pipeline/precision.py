"""What ``precision: auto`` means: bf16 only for methods the precision study found faithful.

The rule (docs/results/precision/README.md): a method type may run in bf16 under ``auto``
when, in every cell of the study that trained it, the paired mean BLEU difference bf16 − fp32
lies within ±``TOLERANCE`` and its 95% interval (test instances and training subsets both
resampled) includes 0. The study's report writes its verdict to ``bf16_evidence.yaml`` beside
this module's report package; a method without a verdict (never studied) counts as not
faithful. ``auto`` then resolves per configuration (``pipeline.config.experiment_precision``):
``auto`` (bf16 where the device computes it natively, ``pipeline.device``) when every method
trained under ``auto`` is faithful, else ``fp32``, so one exhibit never mixes precisions.

Light imports only: the workflow reads this while it builds the DAG.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

EVIDENCE_PATH = Path(__file__).resolve().parent / "report" / "bf16_evidence.yaml"
TOLERANCE = 0.5  # BLEU points


def faithful(delta: float, low: float, high: float, tolerance: float = TOLERANCE) -> bool:
    """One study cell's verdict: the paired mean within ±tolerance, its interval around 0."""
    return abs(delta) <= tolerance and low <= 0.0 <= high


@functools.cache
def evidence(path: Path = EVIDENCE_PATH) -> dict:
    """``{method type: {"faithful": bool, "cells": [...]}}`` as the study last wrote it."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return (yaml.safe_load(f) or {}).get("methods", {})


def bf16_faithful(method_type: str, verdicts: dict | None = None) -> bool:
    verdicts = evidence() if verdicts is None else verdicts
    return bool(verdicts.get(method_type, {}).get("faithful", False))


def auto_precision(method_types, verdicts: dict | None = None) -> str:
    """``auto`` when bf16 is faithful for every method type trained, else ``fp32``."""
    types = set(method_types)
    if types and all(bf16_faithful(t, verdicts) for t in types):
        return "auto"
    return "fp32"
