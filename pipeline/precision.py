"""What ``precision: auto`` means: bf16 only for methods the precision study found faithful.

The rule (docs/results/precision/README.md): a method type may run in a bf16 design
(``bf16``: a frozen LM held in bf16; ``bf16-mixed``: bf16 matmuls, fp32 residual stream;
``pipeline.device``) under ``auto`` when, in every cell of the study that trained it in that
design, the paired mean BLEU difference bf16 − fp32 lies within ±``TOLERANCE`` and its 95%
interval (test instances and training subsets both resampled) includes 0. The study's report
writes its verdicts to ``report/bf16_evidence.yaml``; a method or design without a verdict
(never studied) counts as not faithful. ``auto`` then resolves per configuration
(``pipeline.config.experiment_precision``): ``auto:DESIGN`` (that design where the device
computes bf16 natively, else fp32) when one design is faithful for every method trained under
``auto``, else ``fp32``, so one exhibit never mixes precisions.

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


# the bf16 designs auto may pick (pipeline.device), the leaner first: where both are faithful
# for every method trained, the first is taken
DESIGNS = ("bf16", "bf16-mixed")


@functools.cache
def evidence(path: Path = EVIDENCE_PATH) -> dict:
    """``{design: {method type: {"faithful": bool, "cells": [...]}}}`` as the study last
    wrote it."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return (yaml.safe_load(f) or {}).get("designs", {})


def bf16_faithful(method_type: str, design: str = "bf16", verdicts: dict | None = None) -> bool:
    verdicts = evidence() if verdicts is None else verdicts
    return bool(verdicts.get(design, {}).get(method_type, {}).get("faithful", False))


def auto_design(method_types, verdicts: dict | None = None) -> str | None:
    """The first bf16 design faithful for every method type trained, if any."""
    types = set(method_types)
    for design in DESIGNS:
        if types and all(bf16_faithful(t, design, verdicts) for t in types):
            return design
    return None


def auto_precision(method_types, verdicts: dict | None = None) -> str:
    """What a job of a configuration whose ``auto`` covers these method types is started with:
    ``auto:DESIGN`` (that design where the device computes bf16 natively, else fp32;
    ``pipeline.device.resolve_precision``), or ``fp32``."""
    design = auto_design(method_types, verdicts)
    return f"auto:{design}" if design else "fp32"
