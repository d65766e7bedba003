"""Beam search with the released code's hypothesis scoring (transformers 3.2), batched and
prefix-aware, for decoder-only LMs.

transformers 3.2 scored a finished hypothesis as ``sum log p / len(hyp) ** length_penalty``
where ``hyp`` is the whole sequence *including the prompt* (source and separator), and
stopped a batch row once its ``num_beams`` best finished hypotheses all beat
``best running sum / cur_len ** length_penalty`` (``cur_len`` with the prompt again).
Current transformers divides by the generated length only. No ``length_penalty`` turns one
rule into the other: they rank hypotheses of different lengths differently, so they can pick
different outputs. ``length_normalisation: with_prompt`` runs this search;
``generated`` (the default) runs ``generate``.

One step, as 3.2 did it: log-softmax, the EOS ban below ``min_new_tokens`` and the banned
words, add each beam's score, take the 2K best (beam, token) pairs of the row; an EOS among
the first K finishes that beam's hypothesis (EOS not counted in its length), the others
fill the K running beams. A row's prompt length is its real token count (padding and the
prefix, which the released code passed as ``past``, do not count).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import DynamicCache

from pipeline.models.prefix import build_cache


class Hypotheses:
    """The ``num_beams`` best finished hypotheses of one row (3.2's ``BeamHypotheses``)."""

    def __init__(self, num_beams: int, length_penalty: float, early_stopping: bool):
        self.num_beams, self.length_penalty, self.early_stopping = (
            num_beams,
            length_penalty,
            early_stopping,
        )
        self.beams: list[tuple[float, list[int]]] = []
        self.worst_score = 1e9

    def add(self, tokens: list[int], sum_logprobs: float, length: int) -> None:
        score = sum_logprobs / length**self.length_penalty
        if len(self.beams) < self.num_beams or score > self.worst_score:
            self.beams.append((score, tokens))
            if len(self.beams) > self.num_beams:
                ranked = sorted((s, i) for i, (s, _) in enumerate(self.beams))
                del self.beams[ranked[0][1]]
                self.worst_score = ranked[1][0]
            else:
                self.worst_score = min(score, self.worst_score)

    def is_done(self, best_sum_logprobs: float, cur_len: int) -> bool:
        if len(self.beams) < self.num_beams:
            return False
        if self.early_stopping:
            return True
        return self.worst_score >= best_sum_logprobs / cur_len**self.length_penalty

    def best(self) -> list[int]:
        return max(self.beams, key=lambda b: b[0])[1]


@torch.no_grad()
def beam_search(
    lm,
    ids: torch.Tensor,
    mask: torch.Tensor,
    dc: dict,
    eos: int,
    pad: int,
    banned=(),
    past=None,
    past_mask=None,
) -> list[list[int]]:
    """Generated token ids per row (EOS excluded). ``ids``, ``mask``: [B, T] left-padded
    prompts on the model's device; ``past``: None or prefix rows [B, L, W] (one per example),
    ``past_mask`` [B, L] marking real prefix columns (mixed-length prefixes)."""
    k, (bsz, width) = dc["num_beams"], ids.shape
    prompt_len = mask.sum(-1).tolist()
    ids, mask = ids.repeat_interleave(k, 0), mask.repeat_interleave(k, 0)
    cache = DynamicCache()
    if past is not None:
        cache = build_cache(past.repeat_interleave(k, 0), lm.config)
        if past_mask is None:
            past_mask = mask.new_ones(bsz, past.shape[1])
        mask = torch.cat([past_mask.repeat_interleave(k, 0), mask], dim=1)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, -width:]
    out = lm(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache)
    scores = torch.zeros(bsz, k, device=ids.device)
    scores[:, 1:] = -1e9  # the first step expands beam 0 only: the K beams are identical
    scores = scores.view(-1)
    generated = ids.new_zeros(bsz * k, 0)
    hyps = [Hypotheses(k, dc["length_penalty"], dc["early_stopping"]) for _ in range(bsz)]
    done = [False] * bsz
    banned = list(banned)
    for step in range(dc["max_new_tokens"]):
        logprobs = F.log_softmax(out.logits[:, -1, :].float(), dim=-1)
        if step < dc["min_new_tokens"]:
            logprobs[:, eos] = -float("inf")
        if banned:
            logprobs[:, banned] = -float("inf")
        vocab = logprobs.shape[-1]
        cand = (logprobs + scores[:, None]).view(bsz, k * vocab)
        top_scores, top_ids = torch.topk(cand, 2 * k, dim=1)
        next_scores, next_tokens, sources = [], [], []
        for b in range(bsz):
            if done[b]:  # a finished row carries padding
                next_scores += [0.0] * k
                next_tokens += [pad] * k
                sources += [b * k] * k
                continue
            kept = 0
            for rank, (s, flat) in enumerate(zip(top_scores[b].tolist(), top_ids[b].tolist())):
                beam, token = divmod(flat, vocab)
                src = b * k + beam
                if token == eos:
                    if rank < k:  # 3.2: an EOS outside the first K does not finish a beam
                        hyps[b].add(generated[src].tolist(), s, prompt_len[b] + step)
                else:
                    next_scores.append(s)
                    next_tokens.append(token)
                    sources.append(src)
                    kept += 1
                if kept == k:
                    break
            done[b] = done[b] or hyps[b].is_done(top_scores[b].max().item(), prompt_len[b] + step)
        if all(done):
            break
        src_idx = torch.tensor(sources, device=ids.device)
        tokens = torch.tensor(next_tokens, device=ids.device)
        scores = torch.tensor(next_scores, device=ids.device)
        generated = torch.cat([generated[src_idx], tokens[:, None]], dim=1)
        cache.reorder_cache(src_idx)
        mask = torch.cat([mask[src_idx], mask.new_ones(mask.shape[0], 1)], dim=1)
        out = lm(
            input_ids=tokens[:, None],
            attention_mask=mask,
            position_ids=mask.sum(-1, keepdim=True) - 1,
            cache=cache,
        )
    steps = generated.shape[1]
    for b in range(bsz):  # rows still running at the length limit: their beams as they are
        if not done[b]:
            for j in range(b * k, b * k + k):
                hyps[b].add(generated[j].tolist(), scores[j].item(), prompt_len[b] + steps)
    return [hyp.best() for hyp in hyps]
