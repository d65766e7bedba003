"""Batched, prefix-aware decoding with Hugging Face ``generate``.

A prefix enters ``generate`` as a pre-filled cache. ``generate`` treats a cache's length as
already-consumed tokens, so we prepend L placeholder ids (never embedded: the cache covers
them) and L ones to the attention mask. Prompts are left-padded; ``generate`` derives
positions from the mask (cumsum - 1), so real tokens sit at positions L, L+1, ... exactly as
in training. ``generate`` expands inputs to batch x beams but not a user cache, so the cache
is built at batch x beams rows (each row's prefix repeated ``num_beams`` times).

Encoder-decoders (BART family) take their prefix at the attention function
(``seq2seq_prefix.prefix_in_attention``), so ``generate`` runs on the bare source ids.

Batches are formed over length-sorted prompts and results restored to input order; the
outputs equal one-at-a-time decoding (tested).

Device and precision: the model, its prefix and every batch live on the job's device; in
bf16 / fp16 the whole model (and the prefix) is cast to that dtype, so decoding computes in it;
in bf16-mixed only the matmul weights are, and decoding runs under autocast.

Usage: python -m pipeline.decode --hparams JSON --run-dir DIR --model-dir DIR --test F
       --decoding JSON --out F --threads N [--device auto] [--precision fp32]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from functools import lru_cache
from pathlib import Path

import torch
from tqdm import tqdm

from pipeline import distributed, methods
from pipeline.beam_search import beam_search
from pipeline.device import Placement, add_arguments
from pipeline.distributed import SINGLE, World
from pipeline.errors import PipelineError
from pipeline.io import read_jsonl, write_json, write_lines
from pipeline.models.prefix import build_cache
from pipeline.models.seq2seq_prefix import prefix_in_attention
from pipeline.runtime import entry_point
from pipeline.textformat import COMPACT, TextFormat, pad, prompt_ids, seq2seq_source_ids

DEFAULT_DECODING = {
    # "generated" (current transformers) or "with_prompt" (transformers 3.2, which made the
    # paper's numbers: a finished beam's length counts the prompt; pipeline.beam_search)
    "length_normalisation": "generated",
    "num_beams": 5,
    "max_new_tokens": 100,
    "min_new_tokens": 5,
    "batch_size": 10,
    "length_penalty": 1.0,
    "ban_newlines": True,
    "no_repeat_ngram_size": 0,
    "early_stopping": False,
}


@lru_cache(maxsize=8)
def _newline_token_ids(tok) -> tuple[int, ...]:
    """Every token whose text contains a newline (the paper bans "\\n" and "\\n\\n")."""
    return tuple(
        i for i in range(len(tok)) if "\n" in tok.decode([i], clean_up_tokenization_spaces=False)
    )


def generation_kwargs(tok, dc: dict) -> dict:
    """Every generation argument, set explicitly (no silent generation_config defaults)."""
    kw = {
        "num_beams": dc["num_beams"],
        "num_return_sequences": 1,
        "do_sample": False,
        "max_new_tokens": dc["max_new_tokens"],
        "min_new_tokens": dc["min_new_tokens"],
        "length_penalty": dc["length_penalty"],
        "early_stopping": dc["early_stopping"],
        "no_repeat_ngram_size": dc["no_repeat_ngram_size"],
        "repetition_penalty": 1.0,
        "eos_token_id": tok.eos_token_id,
        "pad_token_id": tok.pad_token_id,
        "use_cache": True,
    }
    if dc["ban_newlines"]:
        kw["bad_words_ids"] = [[i] for i in _newline_token_ids(tok)]
    return kw


def stack_prefixes(pasts: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row prefixes of lengths L_i -> ([B, L_max, W], mask [B, L_max]).

    Shorter prefixes are left-padded with zeros that the mask hides, so each row's real
    tokens still start at position L_i, as in its own training.
    """
    width = max(p.shape[0] for p in pasts)
    like = pasts[0]
    rows = torch.zeros(len(pasts), width, like.shape[1], dtype=like.dtype, device=like.device)
    mask = torch.zeros(len(pasts), width, dtype=torch.long, device=like.device)
    for i, p in enumerate(pasts):
        rows[i, width - p.shape[0] :] = p
        mask[i, width - p.shape[0] :] = 1
    return rows, mask


@torch.no_grad()
def generate_infix_batch(lm, tok, prompts: list[list[int]], dc: dict, infix) -> list[str]:
    """INFIX-L: run x, append the infix [L, W] to its cache, and generate from the separator.
    ``generate`` treats the cache (x + infix) as consumed and feeds only the separator, whose
    position (from the mask) is n_x + L, as in training."""
    from pipeline.models.infix import source_cache

    beams = dc["num_beams"]
    # drop the separator
    x_ids, x_mask = on_device(lm, pad([p[:-1] for p in prompts], tok.pad_token_id, "left"))
    cache = source_cache(
        lm, x_ids.repeat_interleave(beams, 0), x_mask.repeat_interleave(beams, 0), infix
    )
    bsz, length = x_ids.shape[0], infix.shape[0]
    ids = torch.cat(
        [
            x_ids,
            x_ids.new_full((bsz, length), tok.pad_token_id),
            x_ids.new_full((bsz, 1), tok.eos_token_id),
        ],
        dim=1,
    )
    mask = torch.cat([x_mask, x_mask.new_ones((bsz, length + 1))], dim=1)
    kw = generation_kwargs(tok, dc)
    out = lm.generate(input_ids=ids, attention_mask=mask, cache=cache, **kw)
    texts = tok.batch_decode(out[:, ids.shape[1] :], skip_special_tokens=True)
    return [t.strip() for t in texts]


@torch.no_grad()
def generate_seq2seq_batch(lm, tok, sources: list[list[int]], dc: dict, past=None) -> list[str]:
    """An encoder-decoder batch; ``past`` as in ``generate_batch``, held by the attention hook
    (mixed lengths: left-padded rows whose padding the hook masks)."""
    ids, mask = on_device(lm, pad(sources, tok.pad_token_id, "right"))
    kw = generation_kwargs(tok, dc)
    kw["decoder_start_token_id"] = lm.config.decoder_start_token_id
    if past is None:
        out = lm.generate(input_ids=ids, attention_mask=mask, **kw)
    else:
        rows, keep = stack_prefixes(past) if isinstance(past, list) else (past, None)
        with prefix_in_attention(lm, rows, None if keep is None else keep.bool()):
            out = lm.generate(input_ids=ids, attention_mask=mask, **kw)
    return [t.strip() for t in tok.batch_decode(out, skip_special_tokens=True)]


@torch.no_grad()
def generate_batch(lm, tok, prompts: list[list[int]], dc: dict, past=None, infix=None) -> list[str]:
    """Decode one batch. ``past``: None, one prefix [L, W], or a list with one prefix per
    prompt (a mixed-prefix batch: different tasks or users over one frozen LM).
    ``infix``: an INFIX-L activation [L, W] instead."""
    if lm.config.is_encoder_decoder:
        return generate_seq2seq_batch(lm, tok, prompts, dc, past)
    if infix is not None:
        return generate_infix_batch(lm, tok, prompts, dc, infix)
    ids, mask = on_device(lm, pad(prompts, tok.pad_token_id, "left"))
    rows, prefix_mask = prefix_rows(lm, past, mask)
    if dc["length_normalisation"] == "with_prompt" and dc["num_beams"] > 1:
        return released_beam_batch(lm, tok, ids, mask, dc, rows, prefix_mask)
    kw = generation_kwargs(tok, dc)
    if rows is not None:
        bsz = ids.shape[0]
        rows = rows.repeat_interleave(dc["num_beams"], dim=0)  # generate's beam layout
        kw["cache"] = build_cache(rows, lm.config)
        length = rows.shape[1]
        ids = torch.cat([ids.new_full((bsz, length), tok.pad_token_id), ids], dim=1)
        mask = torch.cat([prefix_mask, mask], dim=1)
    out = lm.generate(input_ids=ids, attention_mask=mask, **kw)
    texts = tok.batch_decode(out[:, ids.shape[1] :], skip_special_tokens=True)
    return [t.strip() for t in texts]


def prefix_rows(lm, past, mask):
    """``past`` (None, one prefix [L, W] or a list of per-row prefixes) as one row per prompt
    [B, L, W] in the model's device and dtype, with the mask of its real columns [B, L]."""
    if past is None:
        return None, None
    if isinstance(past, list):
        rows, prefix_mask = stack_prefixes(past)
    else:
        rows = past.unsqueeze(0).expand(mask.shape[0], -1, -1)
        prefix_mask = mask.new_ones((mask.shape[0], past.shape[0]))
    return rows.to(device=lm.device, dtype=lm.dtype), prefix_mask


def released_beam_batch(lm, tok, ids, mask, dc: dict, rows=None, prefix_mask=None) -> list[str]:
    """A batch through ``pipeline.beam_search`` (the released code's beam scoring); ``rows``,
    ``prefix_mask`` as ``prefix_rows`` gives them."""
    banned = _newline_token_ids(tok) if dc["ban_newlines"] else ()
    if dc["no_repeat_ngram_size"]:
        raise PipelineError(
            "decoding: length_normalisation with_prompt (the released code's beam search) has "
            "no no_repeat_ngram_size; set it to 0 or use length_normalisation generated"
        )
    out = beam_search(
        lm, ids, mask, dc, tok.eos_token_id, tok.pad_token_id, banned, rows, prefix_mask
    )
    return [t.strip() for t in tok.batch_decode(out, skip_special_tokens=True)]


def on_device(lm, tensors):
    """Host-built token ids and masks -> the model's device."""
    return tuple(t.to(lm.device) for t in tensors)


def place_for_decoding(lm, past, placement: Placement):
    """The model (and its prefix, or list of prefixes) on the job's device, held as the
    precision says (``Placement.frozen``): in bf16 / fp16 wholly in that dtype, prefix too;
    in bf16-mixed its matmul weights in bf16 and the prefix fp32, decoded under
    ``placement.autocast()`` (``decode_run``)."""
    dtype = placement.half if placement.holds_half else None
    lm = placement.frozen(lm)
    lm.requires_grad_(False)  # decoding never trains

    def move(p):
        return p.to(device=placement.device, dtype=dtype or p.dtype)

    if isinstance(past, list):
        return lm, [move(p) for p in past]
    return lm, None if past is None else move(past)


def decode(
    lm,
    tok,
    sources: list[str],
    dc: dict,
    past=None,
    progress: bool = False,
    max_source_tokens: int | None = None,
    infix=None,
    fmt: TextFormat = COMPACT,
    world: World = SINGLE,
) -> list[str]:
    """Decode ``sources`` in length-sorted batches; ``past`` as in ``generate_batch``;
    decoder-only prompts written as ``fmt`` says (the run's layout and text prompt).
    Several processes decode every N-th batch each (the batches a single process would
    decode, so the same outputs) and every process returns all outputs in input order."""
    dc = {**DEFAULT_DECODING, **dc}
    if lm.config.is_encoder_decoder:
        prompts = [seq2seq_source_ids(tok, s, max_source_tokens) for s in sources]
    else:
        prompts = [prompt_ids(tok, s, max_source_tokens, fmt) for s in sources]
    order = sorted(range(len(prompts)), key=lambda i: (len(prompts[i]), i))
    outputs: list[str | None] = [None] * len(prompts)
    bs = dc["batch_size"]
    chunks = [order[s : s + bs] for s in range(0, len(order), bs)]
    mine = world.shard(chunks)
    done = []
    for chunk in tqdm(
        mine, desc="decode", file=sys.stderr, disable=not (progress and world.main), mininterval=10
    ):
        rows = [past[i] for i in chunk] if isinstance(past, list) else past
        texts = generate_batch(lm, tok, [prompts[i] for i in chunk], dc, rows, infix)
        done.extend(zip(chunk, texts))
    for part in distributed.gather(done, world):
        for i, text in part:
            outputs[i] = text
    return outputs


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hparams", required=True)
    p.add_argument("--run-dir", required=True, type=Path)
    p.add_argument("--model-dir", required=True, type=Path)
    p.add_argument("--test", required=True)
    p.add_argument("--decoding", required=True, help="decoding settings as JSON")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--info", required=True, type=Path)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--discard-weights",
        action="store_true",
        help="delete a fine-tuned run's model folder once its outputs are written",
    )
    add_arguments(p)
    a = p.parse_args(argv)
    with distributed.job(a.device, a.precision, a.threads) as (world, placement):
        decode_run(a, placement, world)


def decode_run(a, placement: Placement, world: World) -> None:
    """Decode one run's test set (every process a share) and write its outputs (rank 0)."""
    hp, dc = json.loads(a.hparams), {**DEFAULT_DECODING, **json.loads(a.decoding)}
    t0 = time.time()
    rows = read_jsonl(a.test)  # a bad test file fails before the model loads
    system, tok, past = methods.load_for_decoding(hp, a.run_dir, a.model_dir)
    lm = system.lm if past is not None else system
    lm, past = place_for_decoding(lm.eval(), past, placement)
    sources = [r["source"] for r in rows]
    past, infix = methods.method(hp["type"]).decoding_inputs(past)
    fmt = TextFormat.of(hp)
    with placement.mixed_autocast():
        outputs = decode(
            lm, tok, sources, dc, past, True, hp.get("max_source_tokens"), infix, fmt, world
        )
    if not world.main:
        return
    write_lines(a.out, outputs)
    write_json(
        a.info,
        {
            "decoding": dc,
            "instances": len(rows),
            "seconds": round(time.time() - t0, 1),
            "empty_outputs": sum(1 for o in outputs if not o),
            "precision": placement.precision,
            "processes": world.size,
            "machine": placement.describe(),
            "weights_discarded": discard_weights(hp, a.run_dir) if a.discard_weights else False,
        },
    )


def discard_weights(hp: dict, run_dir: Path) -> bool:
    """Delete a whole-model run's weights (its outputs are written): disk at paper scale."""
    folder = run_dir / "model"
    if hp["type"] not in methods.WHOLE_MODEL or not folder.exists():
        return False
    shutil.rmtree(folder)
    (run_dir / methods.DISCARDED).write_text(
        "weights deleted after decoding (keep_weights: false); to decode again, train again\n"
    )
    return True


if __name__ == "__main__":
    entry_point(main)
