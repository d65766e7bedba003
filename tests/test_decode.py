"""Batched, prefix-aware decoding equals one-at-a-time decoding."""

import pytest
import torch

from pipeline.decode import decode
from pipeline.models.prefix import PrefixEncoder

SOURCES = [
    "name : The Eagle | Type : pub",
    "name : A",
    "x",
    "name : Blue Spice | Type : coffee shop | area : city centre",
    "name : Zizzi | near : The Bakers",
]


@pytest.mark.parametrize("beams", [1, 3])
@pytest.mark.parametrize("with_prefix", [True, False])
def test_batched_equals_unbatched(tiny, beams, with_prefix):
    lm, tok = tiny
    torch.manual_seed(0)
    past = PrefixEncoder(lm.config, 4, 16).materialize() if with_prefix else None
    dc = {"num_beams": beams, "max_new_tokens": 10, "min_new_tokens": 2, "batch_size": 5}
    batched = decode(lm, tok, SOURCES, dc, past)
    single = decode(lm, tok, SOURCES, {**dc, "batch_size": 1}, past)
    assert batched == single
    assert len(batched) == len(SOURCES)


def test_the_prefix_changes_what_is_generated(tiny):
    lm, tok = tiny
    torch.manual_seed(0)
    past = PrefixEncoder(lm.config, 4, 16).materialize() * 5
    dc = {"num_beams": 1, "max_new_tokens": 10, "min_new_tokens": 2, "batch_size": 5}
    assert decode(lm, tok, SOURCES, dc, past) != decode(lm, tok, SOURCES, dc, None)


def test_newlines_are_never_generated(tiny):
    lm, tok = tiny
    newline = tok.convert_tokens_to_ids(tok.tokenize("\n"))[0]
    with torch.no_grad():  # make "\n" the model's favourite token
        lm.get_output_embeddings().bias = torch.nn.Parameter(torch.zeros(len(tok)))
        lm.get_output_embeddings().bias[newline] = 100.0
    out = decode(
        lm,
        tok,
        SOURCES[:2],
        {"num_beams": 2, "max_new_tokens": 5, "min_new_tokens": 1, "batch_size": 2},
    )
    assert all("\n" not in o for o in out)
