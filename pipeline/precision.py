"""What ``precision: auto`` means: bf16 only for methods the precision study found faithful.

The rule (docs/results/precision/README.md): a method (its type, and for a prefix its
initialisation: ``method_key``) may run in a bf16 design
(``bf16``: a frozen LM held in bf16; ``bf16-mixed``: bf16 matmuls, fp32 residual stream;
``pipeline.device``) under ``auto`` when, in every cell of the study that trained it in that
design, the paired mean BLEU difference bf16 − fp32 lies within ±``TOLERANCE`` and its 95%
interval (test instances and training subsets both resampled) includes 0. The study's report
writes its verdicts to ``report/bf16_evidence.yaml``; a method's verdict in a design counts
once every run the study plans for it there has finished, and a method or design without a
verdict (never studied, or still running) counts as not faithful. ``auto`` then resolves per configuration
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


def method_key(method_type: str, init_words: str | None = None) -> str:
    """A method as the rule tells methods apart: its type, and for a prefix whether it starts
    from a phrase's activations or at random (the two differ in how much rounding they
    amplify: a random prefix moves with the CPU kind even in fp32)."""
    if method_type != "prefix":
        return method_type
    return "prefix (words)" if init_words else "prefix (random)"


@functools.cache
def evidence(path: Path = EVIDENCE_PATH) -> dict:
    """``{design: {method key: {"faithful": bool, "cells": [...]}}}`` as the study last wrote
    it, each method's verdict only once every run the study plans for it in that design has
    finished (``complete``); a method still waiting has no verdict."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        body = yaml.safe_load(f) or {}
    return {
        design: {key: v for key, v in methods.items() if v.get("complete")}
        for design, methods in body.get("designs", {}).items()
    }


def bf16_faithful(key: str, design: str = "bf16", verdicts: dict | None = None) -> bool:
    verdicts = evidence() if verdicts is None else verdicts
    return bool(verdicts.get(design, {}).get(key, {}).get("faithful", False))


def auto_design(keys, verdicts: dict | None = None) -> str | None:
    """The first bf16 design faithful for every method trained (``method_key``), if any."""
    keys = set(keys)
    for design in DESIGNS:
        if keys and all(bf16_faithful(k, design, verdicts) for k in keys):
            return design
    return None


def auto_precision(keys, verdicts: dict | None = None) -> str:
    """What a job of a configuration whose ``auto`` covers these methods (``method_key``) is
    started with: ``auto:DESIGN`` (that design where the device computes bf16 natively, else
    fp32; ``pipeline.device.resolve_precision``), or ``fp32``."""
    design = auto_design(keys, verdicts)
    return f"auto:{design}" if design else "fp32"
