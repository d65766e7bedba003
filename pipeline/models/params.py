"""Parameter accounting: what trains, and what must be stored after training."""

from __future__ import annotations

from torch import nn

from pipeline.models.prefix import prefix_width
from pipeline.models.seq2seq_prefix import seq2seq_prefix_width


def count(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def stored_prefix(config, prefix_length: int) -> int:
    """Stored prefix size once the MLP is dropped: L x 2*layers*kv_heads*head_dim (summed over
    the three streams of an encoder-decoder)."""
    if config.is_encoder_decoder:
        return prefix_length * seq2seq_prefix_width(config)
    return prefix_length * prefix_width(config)


def report(method: str, lm_params: int, trainable: int, stored: int) -> dict:
    return {
        "method": method,
        "lm_parameters": lm_params,
        "trainable": trainable,
        "trainable_pct_of_lm": 100.0 * trainable / lm_params,
        "stored": stored,
        "stored_pct_of_lm": 100.0 * stored / lm_params,
    }
