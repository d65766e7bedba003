"""FT-top2: the top ``top_layers`` blocks and the final norm train (and, as in the released
code, the tied token embedding with ``train_embeddings``); saves the whole model."""

from __future__ import annotations

from pipeline.methods.base import Method, register
from pipeline.models.partial import freeze_all_but_top


@register
class FTTop2(Method):
    name = "fttop2"
    whole_model = True

    def build(self, hp, lm, tok=None):
        return freeze_all_but_top(lm, hp.get("top_layers", 2), hp.get("train_embeddings", False))
