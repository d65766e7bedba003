"""How a (source, target) pair becomes token ids for a decoder-only LM (``paper.md`` §3.1).

The paper's GPT-2 string is ``" " + x + " <|endoftext|> " + y + " <|endoftext|>"``: the end
token is both the x/y separator and the end of y. We build the ids piecewise with the
model's own end token so the label boundary never depends on how a tokenizer merges text
around a special token, and so the loss covers exactly y and the final end token.
"""

from __future__ import annotations

IGNORE = -100


def prompt_ids(tok, source: str, max_source_tokens: int | None = None) -> list[int]:
    """`` x <eos>``; x cut to ``max_source_tokens`` tokens (XSUM articles: 512 in the paper)."""
    ids = tok(" " + source, add_special_tokens=False)["input_ids"]
    return ids[:max_source_tokens] + [tok.eos_token_id]


def target_ids(tok, target: str) -> list[int]:
    return tok(" " + target, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]


def example_ids(
    tok, source: str, target: str, max_length: int | None = None, max_source: int | None = None
):
    """(input_ids, labels): labels are IGNORE over the prompt, so only y and EOS are scored."""
    src, tgt = prompt_ids(tok, source, max_source), target_ids(tok, target)
    ids = src + tgt
    labels = [IGNORE] * len(src) + tgt
    if max_length is not None and len(ids) > max_length:
        ids, labels = ids[:max_length], labels[:max_length]
    return ids, labels
