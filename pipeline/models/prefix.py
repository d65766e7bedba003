"""Prefix-tuning for decoder-only LMs (GPT-2, and GQA/rotary Llama-family models).

Shapes (docs/method.md §1), with l = layers, h = key/value heads, D = head dim, L = prefix length:

    P'  : [L, d]                   trainable embedding (``PrefixEncoder.embedding``)
    MLP : d -> m -> 2*l*h*D        Linear, tanh, Linear (the reparametrisation)
    P   : [L, 2*l*h*D]             the materialised prefix; flat index ((2j+s)*h + k)*D + e,
                                   s=0 key / s=1 value of layer j (same layout as the
                                   original code, PEFT and AdapterHub)

Per layer the LM sees key/value tensors of shape [B, h, L, D] prepended to its own. The
prefix has no position; real tokens take positions L, L+1, ... (what GPT-2 did with ``past``
and what ``generate`` does with a pre-filled cache). For GQA models the prefix is produced at
key/value width (h = num_key_value_heads), which attention repeats to the query heads.

After training the MLP is dropped: ``PrefixEncoder.materialize()`` evaluates it once and only P
needs storing (``StaticPrefix``).
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import DynamicCache


def kv_geometry(config) -> tuple[int, int, int]:
    """(layers, key/value heads, head dim) of a decoder-only config."""
    cfg = config.get_text_config() if hasattr(config, "get_text_config") else config
    n_layers = cfg.num_hidden_layers
    n_heads = cfg.num_attention_heads
    n_kv = getattr(cfg, "num_key_value_heads", None) or n_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // n_heads
    return n_layers, n_kv, head_dim


def prefix_width(config) -> int:
    n_layers, n_kv, head_dim = kv_geometry(config)
    return 2 * n_layers * n_kv * head_dim


def kv_pairs(past: torch.Tensor, n_layers: int, heads: int, head_dim: int) -> list[tuple]:
    """[B, L, 2*l*h*D] -> per layer (key, value), each [B, h, L, D]: the one reading of the
    flat layout (flat index ((2j+s)*h + k)*D + e), shared by every prefix-like module."""
    bsz, length, _ = past.shape
    # [B, L, 2l*h*D] -> [B, L, 2l, h, D] -> [2l, B, h, L, D]
    kv = past.reshape(bsz, length, 2 * n_layers, heads, head_dim).permute(2, 0, 3, 1, 4)
    # unbind, not kv[2j]: indexing would allocate a full-size zero gradient per slice.
    per_layer = kv.unbind(0)
    return [(per_layer[2 * j], per_layer[2 * j + 1]) for j in range(n_layers)]


def flat_prefix(pairs) -> torch.Tensor:
    """Per layer (key, value), each [1, h, L, D] -> [L, 2*l*h*D]: ``kv_pairs``'s inverse."""
    kv = torch.cat([t for pair in pairs for t in pair])  # [2l, h, L, D]
    return kv.permute(2, 0, 1, 3).reshape(kv.shape[2], -1)


def build_cache(past: torch.Tensor, config, batch_size: int | None = None) -> DynamicCache:
    """A fresh cache holding the prefix, for one forward or one ``generate`` call.

    ``past`` is [L, 2*l*h*D] (one prefix, expanded to ``batch_size`` rows) or
    [B, L, 2*l*h*D] (one prefix per row: mixed-prefix batches). The cache is mutated in place
    by the model, so it must never be reused.
    """
    if past.dim() == 2:
        past = past.unsqueeze(0).expand(batch_size, -1, -1)
    return DynamicCache(ddp_cache_data=kv_pairs(past, *kv_geometry(config)))


class PrefixEncoder(nn.Module):
    """P' -> MLP -> P, the reparametrised prefix of docs/method.md §1."""

    def __init__(
        self,
        config,
        prefix_length: int,
        mid_dim: int = 512,
        dropout: float = 0.0,
        width: int | None = None,
    ):
        """``width``: the MLP's output, 2*l*h*D of ``config`` unless given (one stream of an
        encoder-decoder, ``seq2seq_prefix``)."""
        super().__init__()
        hidden = config.get_text_config().hidden_size
        self.prefix_length = prefix_length
        self.embedding = nn.Embedding(prefix_length, hidden)  # P' (width d, as the code)
        self.mlp = nn.Sequential(
            nn.Linear(hidden, mid_dim), nn.Tanh(), nn.Linear(mid_dim, width or prefix_width(config))
        )
        self.dropout = nn.Dropout(dropout)
        self.register_buffer(
            "positions",
            torch.arange(prefix_length, device=self.embedding.weight.device),
            persistent=False,
        )

    def forward(self) -> torch.Tensor:
        return self.dropout(self.mlp(self.embedding(self.positions)))  # [L, 2*l*h*D]

    @torch.no_grad()
    def materialize(self) -> torch.Tensor:
        return self.mlp(self.embedding(self.positions)).detach().clone()


class StaticPrefix(nn.Module):
    """A materialised prefix (the MLP dropped): what is stored and decoded with."""

    def __init__(self, past: torch.Tensor):
        super().__init__()
        self.register_buffer("past", past)
        self.prefix_length = past.shape[0]

    def forward(self) -> torch.Tensor:
        return self.past


class PrefixLM(nn.Module):
    """A frozen causal LM steered by a prefix. Only ``self.prefix`` has trainable parameters."""

    def __init__(self, lm: nn.Module, prefix: nn.Module):
        super().__init__()
        self.lm = lm
        self.prefix = prefix
        for p in self.lm.parameters():
            p.requires_grad_(False)

    @property
    def config(self):
        return self.lm.config

    def train(self, mode: bool = True):
        # The paper's GPT-2 code keeps the frozen LM in eval mode (no dropout) while the
        # prefix trains (docs/method.md §1); only the prefix module follows ``mode``.
        super().train(mode)
        self.lm.eval()
        return self

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels=None,
        past: torch.Tensor | None = None,
    ):
        """input_ids, attention_mask: [B, T] (right or left padded); labels: [B, T] or None.
        The prefix (fp32 while it trains) enters the cache in the LM's dtype; the cast is
        differentiable, so its gradient arrives in fp32."""
        past = self.prefix() if past is None else past
        past = past.to(self.lm.dtype)
        bsz = input_ids.shape[0]
        length = past.shape[-2]
        cache = build_cache(past, self.lm.config, bsz)
        prefix_mask = attention_mask.new_ones(bsz, length)
        position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0) + length
        return self.lm(
            input_ids=input_ids,
            attention_mask=torch.cat([prefix_mask, attention_mask], dim=1),
            position_ids=position_ids,
            cache=cache,
            labels=labels,
            use_cache=False,
        )
