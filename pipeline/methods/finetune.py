"""Fine-tuning: every LM weight trains; saves the whole model (``model/``)."""

from __future__ import annotations

from pipeline.methods.base import Method, register


@register
class Finetune(Method):
    name = "finetune"
    seq2seq = True
    whole_model = True

    def build(self, hp, lm, tok=None):
        for p in lm.parameters():
            p.requires_grad_(True)
        return lm
