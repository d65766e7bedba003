"""The released code's beam scoring (transformers 3.2), specified against a hand-run search.

The reference below is 3.2's ``_generate_beam_search`` written out plainly: one example at a
time, the whole sequence re-run every step (no cache, no padding, no batching), the prompt in
every hypothesis' length. ``pipeline.beam_search`` must pick exactly its outputs, batched and
prefix-aware; and on the same model the current rule (length of the generated tokens) must
pick differently somewhere, or the option would be moot.
"""

import pytest
import torch
import torch.nn.functional as F

from pipeline.decode import decode
from pipeline.models.load import load
from pipeline.models.prefix import PrefixLM, StaticPrefix
from pipeline.textformat import prompt_ids

SOURCES = [
    "name : Aromi | food : Chinese",
    "name : Bibimbap House",
    "name : Cotto | area : riverside",
    "name : Zizzi",
    "name : A",
    "name : The Eagle | Type : pub",
]
DC = {
    "num_beams": 4,
    "max_new_tokens": 10,
    "min_new_tokens": 2,
    "batch_size": 6,
    "ban_newlines": False,
    "length_penalty": 1.0,
    "early_stopping": False,
}


def hand_run(next_logprobs, prompt: list[int], eos: int, dc: dict) -> list[int]:
    """3.2's beam search for one prompt; ``next_logprobs(seq)`` gives log p(. | seq)."""
    k, lp = dc["num_beams"], dc["length_penalty"]
    beams = [(0.0 if j == 0 else -1e9, list(prompt)) for j in range(k)]
    finished: list[tuple[float, list[int]]] = []
    worst = 1e9

    def add(seq, total):
        nonlocal worst
        score = total / len(seq) ** lp
        if len(finished) < k or score > worst:
            finished.append((score, seq))
            if len(finished) > k:
                finished.remove(min(finished, key=lambda f: f[0]))
            worst = min(f[0] for f in finished)

    for step in range(dc["max_new_tokens"]):
        cands = []
        for total, seq in beams:
            logp = next_logprobs(seq)
            if step < dc["min_new_tokens"]:
                logp[eos] = -float("inf")
            cands += [(total + logp[t].item(), seq, t) for t in range(len(logp))]
        cands.sort(key=lambda c: -c[0])
        nxt = []
        for rank, (total, seq, t) in enumerate(cands[: 2 * k]):
            if t == eos:
                if rank < k:
                    add(seq, total)
            else:
                nxt.append((total, seq + [t]))
            if len(nxt) == k:
                break
        best = cands[0][0]
        if len(finished) >= k and worst >= best / (len(prompt) + step) ** lp:
            return max(finished, key=lambda f: f[0])[1][len(prompt) :]
        beams = nxt
    for total, seq in beams:
        add(seq, total)
    return max(finished, key=lambda f: f[0])[1][len(prompt) :]


@pytest.fixture
def eos_prone(tiny_models):
    """The tiny GPT-2 with its EOS logit raised, so that beams finish at different lengths."""
    lm, tok = load(tiny_models["gpt2"])
    lm.eval()
    eos = tok.eos_token_id

    def raise_eos(_m, _i, out):
        return out.index_add(-1, torch.tensor([eos]), torch.full((*out.shape[:-1], 1), 1.0))

    lm.lm_head.register_forward_hook(raise_eos)
    return lm, tok


def test_with_prompt_equals_a_hand_run_search_and_differs_from_the_generated_rule(eos_prone):
    lm, tok = eos_prone

    @torch.no_grad()
    def next_logprobs(seq):
        return F.log_softmax(lm(input_ids=torch.tensor([seq])).logits[0, -1].float(), -1)

    want = [
        tok.decode(hand_run(next_logprobs, prompt_ids(tok, s), tok.eos_token_id, DC)).strip()
        for s in SOURCES
    ]
    ours = decode(lm, tok, SOURCES, {**DC, "length_normalisation": "with_prompt"})
    assert ours == want
    # batched like any decoding: one row at a time gives the same
    alone = [
        decode(lm, tok, [s], {**DC, "length_normalisation": "with_prompt"})[0] for s in SOURCES
    ]
    assert alone == ours
    current = decode(lm, tok, SOURCES, {**DC, "length_normalisation": "generated"})
    assert current != ours  # the two rules pick different hypotheses on this model


def test_with_prompt_is_prefix_aware(eos_prone):
    # a prefix enters as past: the hand-run search steps the prefixed LM, the prompt's length
    # is its own tokens only (the released code passed the prefix as past_key_values)
    lm, tok = eos_prone
    g = torch.Generator().manual_seed(0)
    from pipeline.models.prefix import prefix_width

    past = torch.randn(3, prefix_width(lm.config), generator=g) * 0.5
    steered = PrefixLM(lm, StaticPrefix(past)).eval()

    @torch.no_grad()
    def next_logprobs(seq):
        ids = torch.tensor([seq])
        out = steered(input_ids=ids, attention_mask=torch.ones_like(ids))
        return F.log_softmax(out.logits[0, -1].float(), -1)

    want = [
        tok.decode(hand_run(next_logprobs, prompt_ids(tok, s), tok.eos_token_id, DC)).strip()
        for s in SOURCES
    ]
    dc = {**DC, "length_normalisation": "with_prompt"}
    assert decode(lm, tok, SOURCES, dc, past) == want
    assert decode(lm, tok, SOURCES, dc, [past] * len(SOURCES)) == want  # mixed-prefix path
