"""Adapter-tuning as the paper ran it (Lin et al., 2020; docs/method.md §2): one bottleneck adapter
per block, applied to the block's output after the FFN residual, with its own layer norm:

    h <- h + W_up ReLU(W_down LayerNorm(h))        W_down: d -> b, W_up: b -> d

Each adapter has 2db + b + 3d parameters (LN weight and bias, both biases). The bottleneck b is
chosen so that all adapters together are a target fraction of the LM (0.1% or 3%).
"""

from __future__ import annotations

import torch
from torch import nn

from pipeline.models.partial import decoder_layers


def params_per_adapter(hidden: int, bottleneck: int) -> int:
    return 2 * hidden * bottleneck + bottleneck + 3 * hidden


def bottleneck_for(fraction: float, lm_params: int, n_layers: int, hidden: int) -> int:
    """The b whose adapters come closest to ``fraction`` of the LM's parameters."""
    b = round((fraction * lm_params / n_layers - 3 * hidden) / (2 * hidden + 1))
    return max(1, b)


class Adapter(nn.Module):
    def __init__(self, hidden: int, bottleneck: int):
        super().__init__()
        self.norm = nn.LayerNorm(hidden)
        self.down = nn.Linear(hidden, bottleneck)
        self.up = nn.Linear(bottleneck, hidden)
        for lin in (self.down, self.up):  # HF's init for new Linears, as the original code
            nn.init.normal_(lin.weight, std=0.02)
            nn.init.zeros_(lin.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # [B, T, d] -> [B, T, d]
        # the adapter trains in fp32 inside an LM that may be held in bf16: in its dtype, out
        # in the LM's
        x = h.to(self.down.weight.dtype)
        return h + self.up(torch.relu(self.down(self.norm(x)))).to(h.dtype)


def _after_block(adapter: Adapter):
    def hook(module, args, output):
        if isinstance(output, tuple):
            return (adapter(output[0]), *output[1:])
        return adapter(output)

    return hook


def add_adapters(lm: nn.Module, bottleneck: int) -> nn.ModuleList:
    """Freeze the LM, attach one adapter after every block; only adapters train."""
    for p in lm.parameters():
        p.requires_grad_(False)
    hidden = lm.config.get_text_config().hidden_size
    blocks = decoder_layers(lm)
    adapters = nn.ModuleList(Adapter(hidden, bottleneck) for _ in blocks)
    for block, adapter in zip(blocks, adapters):
        block.register_forward_hook(_after_block(adapter))
    lm.adapters = adapters  # registered as a submodule: .parameters() and .train() reach it
    return adapters
