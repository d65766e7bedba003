"""FT-top2 (docs/method.md §2): fine-tune only the top k blocks and the final layer norm.

The released code also unfreezes GPT-2's token embedding (tied to the LM head, 51.5M
parameters for GPT-2 medium); the paper's description does not. ``train_embeddings``
chooses; the default follows the paper.
"""

from __future__ import annotations

from torch import nn


def decoder_layers(lm: nn.Module) -> nn.ModuleList:
    """The list of transformer blocks (GPT-2: transformer.h, Llama: model.layers)."""
    n = lm.config.get_text_config().num_hidden_layers
    for module in lm.modules():
        if isinstance(module, nn.ModuleList) and len(module) == n:
            return module
    raise ValueError(f"{type(lm).__name__}: no list of {n} decoder blocks found")


def final_norm(lm: nn.Module) -> nn.Module:
    base = getattr(lm, "transformer", None) or getattr(lm, "model", None)
    for name in ("ln_f", "norm", "final_layer_norm"):
        if hasattr(base, name):
            return getattr(base, name)
    raise ValueError(f"{type(lm).__name__}: no final layer norm found")


def freeze_all_but_top(lm: nn.Module, top_layers: int = 2, train_embeddings: bool = False):
    for p in lm.parameters():
        p.requires_grad_(False)
    trainable = list(decoder_layers(lm))[-top_layers:] + [final_norm(lm)]
    if train_embeddings:
        trainable.append(lm.get_input_embeddings())
    for module in trainable:
        for p in module.parameters():
            p.requires_grad_(True)
    return lm
