"""INFIX-L (ACL §7.2 ablation): trainable activations placed between x and y.

The sequence is ``[x; INFIX; <eos> y <eos>]``: x runs through the frozen LM first (no
gradient: causal attention means the infix cannot change it), the infix's per-layer keys and
values -- the same MLP reparametrisation as prefix-tuning, ``[L, 2*l*h*D]`` -- are appended to
x's cache, and the separator and y attend to both. So the infix steers y only, which is the
ablation's point. Shapes (B rows, Tx source tokens, L infix positions)::

    x      : [B, Tx]    left-padded, so every row's infix sits at the same columns
    cache  : per layer [B, h, Tx + L, D] after the infix is appended
    y part : [B, Ty]    ``<eos> y <eos>``, right-padded; positions continue at n_x + L

Positions follow prefix-tuning's convention: the infix has no position of its own; the
separator of a row with n_x real source tokens sits at position n_x + L.

This is the paper's definition (free per-layer activations after x). The released code also
adds the activations the frozen LM computes for L extra embeddings attending to x
(docs/method.md §1); that sum is not reproduced here.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import DynamicCache

from pipeline.models.prefix import PrefixLM, kv_geometry, kv_pairs
from pipeline.textformat import pad


def split_rows(input_ids: torch.Tensor, attention_mask: torch.Tensor, sep_id: int):
    """Each row ``x <eos> y <eos> pad`` -> (x ids, y-part ids) lists, at the first ``sep_id``."""
    xs, ys = [], []
    for ids, mask in zip(input_ids.tolist(), attention_mask.tolist()):
        n = sum(mask)
        ids = ids[:n] if mask[0] == 1 else ids[len(ids) - n :]  # right- or left-padded
        cut = ids.index(sep_id)
        xs.append(ids[:cut])
        ys.append(ids[cut:])
    return xs, ys


def source_cache(lm, x_ids, x_mask, infix: torch.Tensor) -> DynamicCache:
    """x's keys/values from the frozen LM, then the infix's ([L, 2*l*h*D] or [B, L, ...])."""
    n_layers, n_kv, head_dim = kv_geometry(lm.config)
    bsz = x_ids.shape[0]
    with torch.no_grad():
        positions = (x_mask.cumsum(-1) - 1).clamp(min=0)
        cache = lm(
            input_ids=x_ids, attention_mask=x_mask, position_ids=positions, use_cache=True
        ).cache
    if infix.dim() == 2:
        infix = infix.unsqueeze(0).expand(bsz, -1, -1)
    infix = infix.to(cache.layers[0].keys.dtype)
    pairs = [
        (torch.cat([cache.layers[j].keys, k], dim=2), torch.cat([cache.layers[j].values, v], dim=2))
        for j, (k, v) in enumerate(kv_pairs(infix, n_layers, n_kv, head_dim))
    ]
    return DynamicCache(ddp_cache_data=pairs)


class InfixLM(PrefixLM):
    """A frozen causal LM with a trainable infix (``self.prefix``, saved like a prefix).
    ``forward`` takes the training layout (``x <eos> y <eos>``, right-padded) and returns logits
    in that same layout (zeros over x, where nothing is predicted), so the training loop and
    its loss are the prefix ones."""

    def __init__(self, lm: nn.Module, infix: nn.Module, sep_id: int, pad_id: int):
        super().__init__(lm, infix)  # freezes the LM, keeps it in eval mode while training
        self.sep_id, self.pad_id = sep_id, pad_id

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels=None):
        xs, ys = split_rows(input_ids, attention_mask, self.sep_id)
        x_ids, x_mask = (t.to(input_ids.device) for t in pad(xs, self.pad_id, "left"))
        y_ids, y_mask = (t.to(input_ids.device) for t in pad(ys, self.pad_id, "right"))
        infix = self.prefix()
        length = infix.shape[-2]
        cache = source_cache(self.lm, x_ids, x_mask, infix)
        n_x = x_mask.sum(-1, keepdim=True)
        positions = n_x + length + torch.arange(y_ids.shape[1], device=y_ids.device).unsqueeze(0)
        mask = torch.cat([x_mask, x_mask.new_ones(len(xs), length), y_mask], dim=1)
        out = self.lm(
            input_ids=y_ids,
            attention_mask=mask,
            position_ids=positions,
            cache=cache,
            use_cache=False,
        )
        # back to the caller's layout: row i's y part starts at its separator, column len(x_i)
        logits = out.logits.new_zeros(*input_ids.shape, out.logits.shape[-1])
        for i, (x, y) in enumerate(zip(xs, ys)):
            logits[i, len(x) : len(x) + len(y)] = out.logits[i, : len(y)]
        return _Output(logits)


class _Output:
    def __init__(self, logits):
        self.logits = logits
