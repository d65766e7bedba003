"""Prefix-tuning for encoder-decoder LMs (BART family), with the paper's three prefix streams.

docs/method.md §1 (encoder-decoder): encoder self-attention, decoder self-attention and decoder cross-attention
each get their own prefix, from their own P' [L, d] and MLP d -> m -> 2*l*H*D. The three are
materialised side by side as one [L, W_enc + W_self + W_cross] tensor (stream order
``STREAMS``), so storing, loading and mixed-prefix batches work as for decoder-only models.

Where the prefix enters: current transformers has no cache path into BART's encoder, and a
self-attention prefix placed in the decoder cache would shift decoder positions by L (the
original did not shift them). So the prefix enters at the attention function instead:
``prefix_sdpa`` (registered with transformers' ``AttentionInterface``) prepends the active
stream's per-layer K/V [B, H, L, D] to the keys and values of every attention call, and widens
the mask by L attendable columns. The cache only ever holds real tokens, positions are BART's
own, and ``generate`` (beam search included) runs unchanged: a prefix with B rows is repeated
to the B x beams rows it meets.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

from pipeline.models.prefix import PrefixEncoder, PrefixLM, flat_prefix, kv_pairs

STREAMS = ("encoder", "self", "cross")
ATTENTION = "prefix_sdpa"


def stream_geometry(config) -> dict[str, tuple[int, int, int]]:
    """Per stream: (layers, heads, head dim) of an encoder-decoder config."""
    d = config.d_model
    enc = (config.encoder_layers, config.encoder_attention_heads)
    dec = (config.decoder_layers, config.decoder_attention_heads)
    return {
        "encoder": (*enc, d // enc[1]),
        "self": (*dec, d // dec[1]),
        "cross": (*dec, d // dec[1]),
    }


def stream_widths(config) -> dict[str, int]:
    return {s: 2 * n * h * dh for s, (n, h, dh) in stream_geometry(config).items()}


def seq2seq_prefix_width(config) -> int:
    return sum(stream_widths(config).values())


def split_streams(past: torch.Tensor, config) -> dict[str, list[tuple[torch.Tensor, torch.Tensor]]]:
    """[B, L, W_total] -> per stream, per layer (key, value), each [B, H, L, D]."""
    out, start = {}, 0
    for stream, geometry in stream_geometry(config).items():
        width = 2 * geometry[0] * geometry[1] * geometry[2]
        out[stream] = kv_pairs(past[..., start : start + width], *geometry)
        start += width
    return out


class ThreeStreamPrefix(nn.Module):
    """Three independent reparametrised prefixes (P'_s -> MLP_s) -> [L, W_enc + W_self + W_cross]."""

    def __init__(self, config, prefix_length: int, mid_dim: int = 800, dropout: float = 0.0):
        super().__init__()
        self.prefix_length = prefix_length
        widths = stream_widths(config)
        self.streams = nn.ModuleDict(
            {
                s: PrefixEncoder(config, prefix_length, mid_dim, dropout, width=widths[s])
                for s in STREAMS
            }
        )

    def forward(self) -> torch.Tensor:
        return torch.cat([self.streams[s]() for s in STREAMS], dim=-1)

    @torch.no_grad()
    def materialize(self) -> torch.Tensor:
        return torch.cat([self.streams[s].materialize() for s in STREAMS], dim=-1)


@torch.no_grad()
def seq2seq_phrase_past(lm, ids: torch.Tensor) -> torch.Tensor:
    """The frozen encoder-decoder's activations of a phrase as a three-stream prefix
    [L, W_total]: its keys/values in encoder self-attention (the phrase as the source), in
    decoder self-attention (the phrase as the decoder's input) and in cross-attention (the
    encoder's states of the phrase, projected by each decoder layer). ``ids``: [1, L]."""
    captured: dict[tuple[int, str], torch.Tensor] = {}
    hooks = [
        getattr(layer.self_attn, proj).register_forward_hook(
            lambda _m, _i, out, key=(j, proj): captured.__setitem__(key, out)
        )
        for j, layer in enumerate(lm.get_encoder().layers)
        for proj in ("k_proj", "v_proj")
    ]
    try:
        out = lm(input_ids=ids, decoder_input_ids=ids, use_cache=True)
    finally:
        for h in hooks:
            h.remove()
    geometry = stream_geometry(lm.config)
    n_layers, heads, head_dim = geometry["encoder"]

    def as_heads(t):  # a projection's output [1, L, H*D] -> [1, H, L, D]
        return t.view(1, -1, heads, head_dim).transpose(1, 2)

    pairs = {
        "encoder": [
            (as_heads(captured[(j, "k_proj")]), as_heads(captured[(j, "v_proj")]))
            for j in range(n_layers)
        ]
    }
    caches = {"self": out.cache.self_attention_cache, "cross": out.cache.cross_attention_cache}
    for stream, cache in caches.items():
        pairs[stream] = [
            (layer.keys, layer.values) for layer in cache.layers[: geometry[stream][0]]
        ]
    return torch.cat([flat_prefix(pairs[s]) for s in STREAMS], dim=-1)


# --- the attention hook ---------------------------------------------------------------------


class _ActivePrefix:
    """What ``prefix_sdpa`` reads: per (stream, layer) K/V, and which prefix columns count."""

    def __init__(self):
        self.kv: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] | None = None
        self.keep: torch.Tensor | None = None  # [B, L] bool; None = every column


def _widen_mask(mask, keep, length: int, query, key, causal: bool):
    """The mask for [prefix; keys]: prefix columns attendable (where ``keep``), the rest as given.

    sdpa masks are boolean (True = attend) or None; None means no padding, plus causality
    for a decoder's self-attention, which must be made explicit once keys are longer."""
    bsz, q_len, k_len = query.shape[0], query.shape[2], key.shape[2]
    if mask is None:
        if not (causal and q_len > 1) and keep is None:
            return None
        mask = torch.ones(q_len, k_len, dtype=torch.bool, device=query.device)
        if causal:  # bottom-right aligned: query i sees keys up to k_len - q_len + i
            mask = mask.tril(diagonal=k_len - q_len)
        mask = mask.expand(bsz, 1, q_len, k_len)
    elif mask.dtype != torch.bool:  # additive float mask: 0 = attend
        mask = mask == 0
    if keep is None:
        lead = mask.new_ones(mask.shape[0], 1, mask.shape[2], length)
    else:
        lead = keep[:, None, None, :].expand(-1, 1, mask.shape[2], -1)
        mask = mask.expand(lead.shape[0], -1, -1, -1)
    return torch.cat([lead, mask], dim=-1)


def _rows(t: torch.Tensor, n: int) -> torch.Tensor:
    """Prefix rows B -> n (generate's B x beams layout repeats each example's row)."""
    return t if t.shape[0] == n else t.repeat_interleave(n // t.shape[0], dim=0)


def prefix_sdpa(module, query, key, value, attention_mask, **kwargs):
    active: _ActivePrefix | None = getattr(module, "prefix_active", None)
    if active is not None and active.kv is not None:
        stream, layer = module.prefix_site
        pk, pv = active.kv[stream][layer]
        n = key.shape[0]
        pk, pv = _rows(pk, n).to(key.dtype), _rows(pv, n).to(value.dtype)
        keep = None if active.keep is None else _rows(active.keep, n)
        attention_mask = _widen_mask(
            attention_mask, keep, pk.shape[2], query, key, stream == "self"
        )
        key = torch.cat([pk, key], dim=2)
        value = torch.cat([pv, value], dim=2)
    return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)


AttentionInterface.register(ATTENTION, prefix_sdpa)
AttentionMaskInterface.register(ATTENTION, sdpa_mask)


def attach(lm) -> _ActivePrefix:
    """Route every attention of ``lm`` through ``prefix_sdpa`` and tag each with its stream and
    layer; returns the (initially empty) slot the hook reads. Idempotent."""
    if getattr(lm, "prefix_active", None) is not None:
        return lm.prefix_active
    active = _ActivePrefix()
    for i, layer in enumerate(lm.get_encoder().layers):
        layer.self_attn.prefix_site, layer.self_attn.prefix_active = ("encoder", i), active
    for i, layer in enumerate(lm.get_decoder().layers):
        layer.self_attn.prefix_site, layer.self_attn.prefix_active = ("self", i), active
        layer.encoder_attn.prefix_site, layer.encoder_attn.prefix_active = ("cross", i), active
    lm.set_attn_implementation(ATTENTION)
    lm.prefix_active = active
    return active


@contextmanager
def prefix_in_attention(lm, past: torch.Tensor, keep: torch.Tensor | None = None):
    """Within the block, every forward (and ``generate``) of ``lm`` sees the prefix.

    ``past``: [L, W_total] (one prefix for every row) or [B, L, W_total] (one per example);
    ``keep``: [B, L] bool marking real prefix columns (mixed lengths, left-padded)."""
    active = attach(lm)
    if past.dim() == 2:
        past = past.unsqueeze(0)
    active.kv, active.keep = split_streams(past, lm.config), keep
    try:
        yield
    finally:
        active.kv, active.keep = None, None


class Seq2SeqPrefixLM(PrefixLM):
    """A frozen encoder-decoder LM steered by three prefix streams; only ``self.prefix`` trains.

    Unlike the GPT-2 path, the released BART code left the frozen LM's dropout active while the
    prefix trained (docs/method.md §1); ``lm_dropout`` (default True) follows it."""

    def __init__(self, lm: nn.Module, prefix: nn.Module, lm_dropout: bool = True):
        super().__init__(lm, prefix)
        self.lm_dropout = lm_dropout
        attach(lm)

    def train(self, mode: bool = True):
        nn.Module.train(self, mode)
        self.lm.train(mode and self.lm_dropout)
        return self

    def forward(self, input_ids, attention_mask, decoder_input_ids, past=None, **_):
        """input_ids, attention_mask: [B, S] source; decoder_input_ids: [B, T] (labels shifted
        right). Returns the LM output; logits [B, T, V] align with the labels (no shift)."""
        past = self.prefix() if past is None else past
        with prefix_in_attention(self.lm, past):
            return self.lm(
                input_ids=input_ids,
                attention_mask=attention_mask,
                decoder_input_ids=decoder_input_ids,
                use_cache=False,
            )
