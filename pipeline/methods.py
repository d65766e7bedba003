"""Build the trainable system for a method, and save / load what it produces.

- ``prefix``: a frozen LM + ``PrefixEncoder``; saves ``prefix.safetensors`` holding the
  materialised prefix ``past`` [L, 2*l*h*D] (all decoding needs) and the MLP state
  (``encoder.*``, for resuming or inspection).
- ``finetune``: every LM weight trains; saves the whole model under ``model/``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from pipeline.models import params
from pipeline.models.load import load as load_model
from pipeline.models.prefix import PrefixEncoder, PrefixLM, StaticPrefix

METHOD_TYPES = ("prefix", "finetune")


def build(hp: dict, lm):
    """The module to train for hyper-parameters ``hp`` (``hp['type']`` names the method)."""
    if hp["type"] == "prefix":
        enc = PrefixEncoder(lm.config, hp["prefix_length"], hp.get("mid_dim", 512))
        return PrefixLM(lm, enc)
    if hp["type"] == "finetune":
        for p in lm.parameters():
            p.requires_grad_(True)
        return lm
    raise ValueError(f"unknown method type {hp['type']!r} (known: {', '.join(METHOD_TYPES)})")


def accounting(hp: dict, system, lm) -> dict:
    lm_params = params.count(lm)
    if hp["type"] == "prefix":
        trainable = params.count(system.prefix, trainable_only=True)
        stored = params.stored_prefix(lm.config, hp["prefix_length"])
    else:
        trainable = params.count(system, trainable_only=True)
        stored = lm_params
    return params.report(hp["type"], lm_params, trainable, stored)


def trainable_state(hp: dict, system) -> dict[str, torch.Tensor]:
    module = system.prefix if hp["type"] == "prefix" else system
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def restore_state(hp: dict, system, state: dict) -> None:
    module = system.prefix if hp["type"] == "prefix" else system
    module.load_state_dict(state)


def save(hp: dict, system, tok, out_dir: Path) -> None:
    """Write the run's weights; callers write train.json last, as the completion marker."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if hp["type"] == "prefix":
        tensors = {"past": system.prefix.materialize()}
        tensors.update(
            {f"encoder.{k}": v.contiguous() for k, v in system.prefix.state_dict().items()}
        )
        save_file(
            tensors,
            str(out_dir / "prefix.safetensors"),
            metadata={"prefix_length": str(hp["prefix_length"])},
        )
    else:
        system.save_pretrained(out_dir / "model")
        tok.save_pretrained(out_dir / "model")


def load_for_decoding(hp: dict, run_dir: Path, model_dir: Path):
    """(model, tokenizer, prefix past or None) for decoding a finished run."""
    if hp["type"] == "prefix":
        lm, tok = load_model(model_dir)
        past = load_file(str(run_dir / "prefix.safetensors"))["past"]
        return PrefixLM(lm, StaticPrefix(past)).eval(), tok, past
    model, tok = load_model(run_dir / "model")
    return model.eval(), tok, None
