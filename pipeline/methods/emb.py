"""Embedding-only prefix (the ablation): L input embeddings (+ MLP) train; the frozen LM
computes the prefix's activations. Saved and decoded as a prefix."""

from __future__ import annotations

from pipeline.methods.base import register
from pipeline.methods.prefix import PrefixLike
from pipeline.models.prefix import PrefixLM
from pipeline.models.variants import EmbeddingPrefix


@register
class Emb(PrefixLike):
    name = "emb"

    def build(self, hp, lm, tok=None):
        emb = EmbeddingPrefix(lm, hp["prefix_length"], hp.get("mid_dim", 512)).to(lm.device)
        return PrefixLM(lm, emb)
