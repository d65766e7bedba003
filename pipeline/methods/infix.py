"""Infix (the ablation): L positions of keys and values between x and y (+ MLP) train.
Saved as a prefix; decoding hands the activations to the infix path, not as a prefix."""

from __future__ import annotations

from pipeline.methods.base import register
from pipeline.methods.prefix import PrefixLike
from pipeline.models.infix import InfixLM
from pipeline.models.prefix import PrefixEncoder


@register
class Infix(PrefixLike):
    name = "infix"

    def build(self, hp, lm, tok=None):
        enc = PrefixEncoder(lm.config, hp["prefix_length"], hp.get("mid_dim", 512)).to(lm.device)
        return InfixLM(lm, enc, tok.eos_token_id, tok.pad_token_id)

    def wrap(self, lm, tok, prefix):
        return InfixLM(lm, prefix, tok.eos_token_id, tok.pad_token_id)

    def decoding_inputs(self, past):
        return None, past
