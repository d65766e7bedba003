"""Prefix-tuning: P' and the MLP train, the LM is frozen; saves ``prefix.safetensors``:
``past`` [L, 2*l*h*D] (all decoding needs) and ``encoder.*`` (the MLP state). Encoder-decoders
get three streams (encoder, decoder self, cross; ``past`` [L, W_enc + W_self + W_cross])."""

from __future__ import annotations

from pathlib import Path

from safetensors.torch import load_file, save_file

from pipeline.methods.base import Method, host, register
from pipeline.models import params
from pipeline.models.load import load as load_model
from pipeline.models.prefix import PrefixEncoder, PrefixLM, StaticPrefix
from pipeline.models.seq2seq_prefix import Seq2SeqPrefixLM, ThreeStreamPrefix
from pipeline.models.variants import init_from_words


class PrefixLike(Method):
    """What prefix, emb and infix share: a frozen LM, a prefix module that trains, and the
    materialised activations saved for decoding."""

    frozen_lm = True
    prefix_like = True

    def trainable_module(self, system):
        return system.prefix

    def accounting(self, hp, system, lm):
        trainable = params.count(system, trainable_only=True)
        stored = params.stored_prefix(lm.config, hp["prefix_length"])
        return params.report(hp["type"], params.count(lm), trainable, stored)

    def save(self, hp, system, tok, out_dir: Path) -> None:
        tensors = {"past": system.prefix.materialize()}
        tensors.update({f"encoder.{k}": v for k, v in system.prefix.state_dict().items()})
        save_file(
            host(tensors),
            str(out_dir / "prefix.safetensors"),
            metadata={"prefix_length": str(hp["prefix_length"])},
        )

    def wrap(self, lm, tok, prefix):
        """The decoding system around a stored prefix."""
        return PrefixLM(lm, prefix)

    def load_for_decoding(self, hp, run_dir: Path, model_dir: Path):
        lm, tok = load_model(model_dir)
        past = load_file(str(run_dir / "prefix.safetensors"))["past"]
        if lm.config.is_encoder_decoder:
            return Seq2SeqPrefixLM(lm, StaticPrefix(past)).eval(), tok, past
        return self.wrap(lm, tok, StaticPrefix(past)).eval(), tok, past


@register
class Prefix(PrefixLike):
    name = "prefix"
    head_on_labels_only = True
    seq2seq = True

    def build(self, hp, lm, tok=None):
        if lm.config.is_encoder_decoder:  # three streams, MLP width 800 by default (XSUM)
            prefix = ThreeStreamPrefix(lm.config, hp["prefix_length"], hp.get("mid_dim", 800))
            prefix = prefix.to(lm.device)
            system = Seq2SeqPrefixLM(lm, prefix, hp.get("lm_dropout", True))
        else:
            prefix = PrefixEncoder(lm.config, hp["prefix_length"], hp.get("mid_dim", 512))
            prefix = prefix.to(lm.device)
            system = PrefixLM(lm, prefix)
        if hp.get("init_words"):  # "table-to-text:" (L = 6) / "summarize" (L = 1)
            init_from_words(prefix, lm, tok, hp["init_words"])  # docs/protocol.md §5
        return system
