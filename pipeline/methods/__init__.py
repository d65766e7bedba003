"""Build the trainable system for a method, and save / load what it produces.

| method   | what trains                                   | what is saved                    |
|----------|-----------------------------------------------|----------------------------------|
| prefix   | P' and the MLP (the LM is frozen)             | prefix.safetensors: ``past`` [L, 2*l*h*D] (all decoding needs) + ``encoder.*`` (MLP state) |
|          | encoder-decoders: three streams (encoder, decoder self, cross) | as prefix; ``past`` [L, W_enc + W_self + W_cross] |
| emb      | L input embeddings (+ MLP); the LM computes the prefix | prefix.safetensors, as prefix |
| infix    | L positions of K/V between x and y (+ MLP), as prefix | prefix.safetensors, as prefix |
| finetune | every LM weight                               | model/ (the whole LM)            |
| fttop2   | the top ``top_layers`` blocks + final norm    | model/ (the whole LM)            |
| adapter  | one bottleneck adapter per block (LM frozen)  | adapters.safetensors             |

One module per method (``prefix.py``, ``emb.py``, ...), each registering a
``base.Method`` under its type name; this package finds them all, so a new method is one new
module plus configuration (``type:`` in the schema's hparams accepts any registered name).
Encoder-decoders (BART family) take ``prefix`` and ``finetune``, the methods of the paper's
summarization experiments; the others are decoder-only here and say so.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from pipeline.methods.base import DISCARDED, REGISTRY, Method

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

METHOD_TYPES = tuple(REGISTRY)
SEQ2SEQ_TYPES = tuple(n for n, m in REGISTRY.items() if m.seq2seq)
PREFIX_TYPES = tuple(n for n, m in REGISTRY.items() if m.prefix_like)
WHOLE_MODEL = tuple(n for n, m in REGISTRY.items() if m.whole_model)
# the LM is frozen: it may be held in a half dtype while what trains stays fp32
FROZEN_LM_TYPES = tuple(n for n, m in REGISTRY.items() if m.frozen_lm)

__all__ = ["DISCARDED", "METHOD_TYPES", "Method", "method"]


def method(name: str) -> Method:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown method type {name!r} (known: {', '.join(REGISTRY)})") from None


def build(hp: dict, lm, tok=None):
    """The module to train for hyper-parameters ``hp`` (``hp['type']`` names the method).
    ``hp['init_words']`` (prefix) initialises the prefix from the LM's activations of a
    phrase; it needs the tokenizer."""
    m = method(hp["type"])
    if lm.config.is_encoder_decoder and not m.seq2seq:
        raise ValueError(
            f"method type {m.name!r} is implemented for decoder-only LMs only; an encoder-decoder "
            f"({type(lm).__name__}) takes {' or '.join(SEQ2SEQ_TYPES)} (the paper's XSUM methods)"
        )
    system = m.build(hp, lm, tok)
    system.head_on_labels_only = m.head_on_labels_only and not lm.config.is_encoder_decoder
    return system


def accounting(hp: dict, system, lm) -> dict:
    return method(hp["type"]).accounting(hp, system, lm)


def trainable_state(hp: dict, system):
    return method(hp["type"]).trainable_state(hp, system)


def restore_state(hp: dict, system, state: dict) -> None:
    method(hp["type"]).restore_state(hp, system, state)


def save(hp: dict, system, tok, out_dir: Path) -> None:
    """Write the run's weights; callers write train.json last, as the completion marker."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / DISCARDED).unlink(missing_ok=True)
    method(hp["type"]).save(hp, system, tok, out_dir)


def load_for_decoding(hp: dict, run_dir: Path, model_dir: Path):
    """(model, tokenizer, prefix past or None) for decoding a finished run."""
    return method(hp["type"]).load_for_decoding(hp, run_dir, model_dir)
