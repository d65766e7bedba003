r"""How a (source, target) pair becomes token ids (docs/protocol.md §1).

Decoder-only LMs (GPT-2 family): the paper's GPT-2 string is ``" " + x + " <|endoftext|> " + y + " <|endoftext|>"``: the end
token is both the x/y separator and the end of y. We build the ids piecewise with the
model's own end token so the label boundary never depends on how a tokenizer merges text
around a special token, and so the loss covers exactly y and the final end token.

Two layouts (``TextFormat``):

- ``compact`` (default): `` x`` <eos> `` y`` <eos>.
- ``paper``: what the released code's slow GPT-2 tokenizer (transformers 3.2) made of that
  string. Its ``<|endoftext|>`` is an ``AddedToken(lstrip=False, rstrip=False)``, so the text
  is split at it *without* stripping spaces, and each piece is pre-tokenised by GPT-2's regex,
  whose ``\s+(?!\S)|\s+`` leaves the space before the special token as a token of its own
  (``Ġ``, GPT-2 id 220): `` x `` <eos> `` y `` <eos> -- a lone space token before each
  <eos>, in training and in the test prompt (`` x <|endoftext|>``) alike.

``text_prompt`` puts words before every source (`` table-to-text: x``): the released code's
low-data fine-tuning saw the words that initialise the prefix, in training and decoding.

Encoder-decoders (BART family): HF's standard seq2seq collation, ``seq2seq_example_ids``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

IGNORE = -100
LAYOUTS = ("compact", "paper")


@dataclass(frozen=True)
class TextFormat:
    """How a decoder-only (source, target) pair is written before tokenisation."""

    layout: str = "compact"
    text_prompt: str | None = None

    @classmethod
    def of(cls, hp: dict) -> TextFormat:
        return cls(hp.get("token_layout", "compact"), hp.get("text_prompt"))

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"token layout {self.layout!r}: expected one of {LAYOUTS}")

    def text(self, s: str, prompted: bool = False) -> str:
        """`` s`` as tokenised before an <eos> (a trailing space in the paper's layout)."""
        if prompted and self.text_prompt:
            s = f"{self.text_prompt} {s}"
        return " " + s + (" " if self.layout == "paper" else "")


COMPACT = TextFormat()


def pad(rows: list[list[int]], pad_id: int, side: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-id rows -> ([B, T] ids, [B, T] mask), padded on the ``left`` or ``right``.
    Built on the host (token ids come from the tokenizer); callers move them once."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long, device="cpu")
    mask = torch.zeros((len(rows), width), dtype=torch.long, device="cpu")
    for i, r in enumerate(rows):
        cols = slice(width - len(r), width) if side == "left" else slice(0, len(r))
        ids[i, cols] = torch.tensor(r, dtype=torch.long, device="cpu")
        mask[i, cols] = 1
    return ids, mask


def prompt_ids(
    tok, source: str, max_source_tokens: int | None = None, fmt: TextFormat = COMPACT
) -> list[int]:
    """`` x <eos>``; x cut to ``max_source_tokens`` tokens (XSUM articles: 512 in the paper)."""
    ids = tok(fmt.text(source, prompted=True), add_special_tokens=False)["input_ids"]
    return ids[:max_source_tokens] + [tok.eos_token_id]


def target_ids(tok, target: str, fmt: TextFormat = COMPACT) -> list[int]:
    return tok(fmt.text(target), add_special_tokens=False)["input_ids"] + [tok.eos_token_id]


def example_ids(
    tok,
    source: str,
    target: str,
    max_length: int | None = None,
    max_source: int | None = None,
    fmt: TextFormat = COMPACT,
):
    """(input_ids, labels): labels are IGNORE over the prompt, so only y and EOS are scored."""
    src, tgt = prompt_ids(tok, source, max_source, fmt), target_ids(tok, target, fmt)
    ids = src + tgt
    labels = [IGNORE] * len(src) + tgt
    if max_length is not None and len(ids) > max_length:
        ids, labels = ids[:max_length], labels[:max_length]
    return ids, labels


def seq2seq_source_ids(tok, source: str, max_source: int | None = None) -> list[int]:
    """An encoder-decoder's input: x with the tokenizer's own special tokens (BART:
    ``<s> x </s>``), cut to ``max_source`` tokens in all (the paper: 512 for XSUM)."""
    if max_source is None:
        return tok(source)["input_ids"]
    return tok(source, truncation=True, max_length=max_source)["input_ids"]


def seq2seq_example_ids(
    tok, source: str, target: str, max_length: int | None = None, max_source: int | None = None
):
    """(source ids, labels) for an encoder-decoder (BART family): the labels are y as the
    tokenizer encodes it (BART: ``<s> y </s>``), ending in EOS; the decoder's inputs are the
    labels shifted right behind the start token (``train.collate``)."""
    labels = tok(target)["input_ids"]
    if not labels or labels[-1] != tok.eos_token_id:
        labels = labels + [tok.eos_token_id]
    return seq2seq_source_ids(tok, source, max_source), labels[:max_length]
