"""Prefix variants of the paper's ablations and its initialisation study (docs/method.md §1, docs/protocol.md §5).

- ``EmbeddingPrefix`` (EMB-L): only the L virtual tokens' *input embeddings* train (through an
  MLP d -> m -> d, the released code's default); the frozen LM computes their activations in
  every layer (positions 0..L-1), and those keys/values are the prefix. It upper-bounds
  discrete prompt search.
- ``init_from_words``: regress a reparametrised prefix onto the frozen LM's keys/values of a
  real phrase ("table-to-text:" -> L=6 for GPT-2; "summarize" -> L=1 for BART, each of the
  three streams onto its own activations), updating only the MLP (Adam, lr 1e-4, 500 steps,
  MSE), then train as usual. The released BART code never wired this up (docs/method.md §1);
  here it is the paper's description, for both model families.
"""

from __future__ import annotations

import torch
from torch import nn

from pipeline.models.prefix import PrefixEncoder, flat_prefix, kv_geometry
from pipeline.models.seq2seq_prefix import STREAMS, seq2seq_phrase_past, stream_widths


def cache_to_past(cache, config) -> torch.Tensor:
    """A batch-1 cache of L positions -> the flat prefix [L, 2*l*h*D] (our layout)."""
    n_layers, _, _ = kv_geometry(config)
    return flat_prefix([(layer.keys, layer.values) for layer in cache.layers[:n_layers]])


class EmbeddingPrefix(nn.Module):
    """EMB-L: trainable virtual-token embeddings; the frozen LM turns them into the prefix."""

    def __init__(self, lm: nn.Module, prefix_length: int, mid_dim: int = 512):
        super().__init__()
        hidden = lm.config.get_text_config().hidden_size
        self.prefix_length = prefix_length
        self.embedding = nn.Embedding(prefix_length, hidden)
        self.mlp = nn.Sequential(nn.Linear(hidden, mid_dim), nn.Tanh(), nn.Linear(mid_dim, hidden))
        self.register_buffer(
            "positions",
            torch.arange(prefix_length, device=self.embedding.weight.device),
            persistent=False,
        )
        self._lm = [lm]  # a reference, not a submodule: the LM is frozen and counted apart

    def forward(self) -> torch.Tensor:
        lm = self._lm[0]
        embeds = self.mlp(self.embedding(self.positions)).unsqueeze(0)  # [1, L, d]
        out = lm(inputs_embeds=embeds.to(lm.dtype), use_cache=True)
        return cache_to_past(out.cache, lm.config)  # [L, 2*l*h*D], differentiable

    @torch.no_grad()
    def materialize(self) -> torch.Tensor:
        return self.forward().detach().float()  # stored in fp32 whatever the LM's dtype


@torch.no_grad()
def phrase_past(lm, tok, phrase: str) -> torch.Tensor:
    """The frozen LM's keys/values of `` phrase`` (leading space, as the paper's code):
    [L, W], three streams side by side for an encoder-decoder."""
    ids = torch.tensor([tok(" " + phrase, add_special_tokens=False)["input_ids"]], device=lm.device)
    if lm.config.is_encoder_decoder:
        return seq2seq_phrase_past(lm, ids)
    return cache_to_past(lm(ids, use_cache=True).cache, lm.config)


def phrase_length(tok, phrase: str) -> int:
    return len(tok(" " + phrase, add_special_tokens=False)["input_ids"])


def init_from_words(prefix, lm, tok, phrase: str, steps: int = 500, lr: float = 1e-4) -> list:
    """Fit the prefix's MLP(s) so that the prefix equals the LM's activations of ``phrase``
    (a ``PrefixEncoder``, or each stream of a ``ThreeStreamPrefix`` onto its own slice)."""
    target = phrase_past(lm, tok, phrase)
    if target.shape[0] != prefix.prefix_length:
        raise ValueError(
            f"init phrase {phrase!r} has {target.shape[0]} tokens but prefix_length is "
            f"{prefix.prefix_length}"
        )
    if not hasattr(prefix, "streams"):
        return fit_mlp(prefix, target, steps, lr)
    losses, start = [], 0
    for stream, width in zip(STREAMS, (stream_widths(lm.config)[s] for s in STREAMS)):
        losses.append(fit_mlp(prefix.streams[stream], target[:, start : start + width], steps, lr))
        start += width
    return losses


def fit_mlp(encoder: PrefixEncoder, target: torch.Tensor, steps: int, lr: float) -> list[float]:
    """MSE regression of the encoder's MLP output onto ``target`` [L, W] (the LM's activations,
    in whatever dtype it is held; the regression runs in fp32)."""
    target = target.float()
    opt = torch.optim.Adam(encoder.mlp.parameters(), lr=lr)
    # P' stays as initialised (the paper's code updates only the MLP); detaching it also keeps
    # a stale gradient off P' for the training that follows.
    embeds = encoder.embedding(encoder.positions).detach()
    losses = []
    # fp32 even where the caller computes the target under autocast (bf16-mixed): within one
    # autocast region torch reuses its first bf16 copy of each weight, so the MLP would be fit
    # with the weights it started from while Adam moved the real ones away
    with torch.autocast(target.device.type, enabled=False):
        for _ in range(steps):
            loss = torch.nn.functional.mse_loss(encoder.mlp(embeds), target)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
    return losses
