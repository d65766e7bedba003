"""Encoder-decoder prefix-tuning (BART family): three prefix streams through an attention hook.

docs/method.md §1: encoder self-attention, decoder self-attention and cross-attention each get
their own P' and MLP; positions are not shifted; the frozen BART keeps its dropout.
"""

import pytest
import torch
from transformers import BartConfig

from pipeline import methods
from pipeline.decode import DEFAULT_DECODING, decode, generate_batch
from pipeline.models import params
from pipeline.models.load import load
from pipeline.models.prefix import StaticPrefix
from pipeline.models.seq2seq_prefix import (
    STREAMS,
    Seq2SeqPrefixLM,
    ThreeStreamPrefix,
    prefix_in_attention,
    seq2seq_prefix_width,
    split_streams,
)
from pipeline.models.variants import phrase_past
from pipeline.textformat import IGNORE, seq2seq_source_ids
from pipeline.train import collate, encode, forward_loss

ROWS = [
    {"source": "The council voted to close the library on Sundays.", "target": "Library shut."},
    {"source": "A storm hit the coast overnight.", "target": "Storm hits coast."},
    {"source": "The team won the cup final.", "target": "Cup win."},
]
GREEDY = {
    **DEFAULT_DECODING,
    "num_beams": 1,
    "max_new_tokens": 8,
    "min_new_tokens": 0,
    "batch_size": 8,
    "ban_newlines": False,
}


@pytest.fixture
def bart(tiny_models):
    return load(tiny_models["bart"])


def batch(lm, tok, rows=ROWS):
    ex = encode(tok, rows, 64, None, seq2seq=True)
    return collate(ex, tok.pad_token_id, lm.config.decoder_start_token_id)


def prefix_system(lm, length=3, mid=16):
    return methods.build({"type": "prefix", "prefix_length": length, "mid_dim": mid}, lm)


def test_stored_prefix_of_bart_large_from_its_config_alone():
    # docs/method.md §3: 3 streams x 2 x 12 layers x 1024 = 73,728 per position; L=100 -> 7,372,800
    cfg = BartConfig()  # the defaults are bart-large's geometry
    assert seq2seq_prefix_width(cfg) == 73_728
    assert params.stored_prefix(cfg, 100) == 7_372_800


def test_three_independent_streams_side_by_side(bart):
    lm, _ = bart
    prefix = ThreeStreamPrefix(lm.config, prefix_length=4, mid_dim=16)
    assert set(prefix.streams) == set(STREAMS)
    assert len({id(prefix.streams[s].embedding) for s in STREAMS}) == 3  # own P' each
    past = prefix()
    assert past.shape == (4, seq2seq_prefix_width(lm.config))
    kv = split_streams(past.unsqueeze(0), lm.config)
    # per stream and layer: key and value [B, H, L, D]
    assert [len(kv[s]) for s in STREAMS] == [2, 2, 2]
    assert kv["cross"][1][0].shape == (1, 4, 4, 8)


def _manual_attention(attn, hidden, kv_states, pk, pv, mask_bool):
    """softmax(q [pk; k]^T * scale + mask) [pv; v], written out by hand."""
    b, t, _ = hidden.shape
    h, d = attn.num_heads, attn.head_dim
    q = attn.q_proj(hidden).view(b, t, h, d).transpose(1, 2)
    k = attn.k_proj(kv_states).view(b, -1, h, d).transpose(1, 2)
    v = attn.v_proj(kv_states).view(b, -1, h, d).transpose(1, 2)
    k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
    scores = (q @ k.transpose(-1, -2)) * attn.scaling
    scores = scores.masked_fill(~mask_bool, float("-inf"))
    out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h * d)
    return attn.out_proj(out)


@pytest.mark.parametrize("stream", STREAMS)
def test_the_hook_prepends_each_streams_keys_and_values(bart, stream):
    lm, _ = bart
    lm.eval()
    torch.manual_seed(0)
    past = torch.randn(2, 3, seq2seq_prefix_width(lm.config))  # B=2, L=3
    layer = 1
    enc_layer, dec_layer = lm.get_encoder().layers[layer], lm.get_decoder().layers[layer]
    attn = {
        "encoder": enc_layer.self_attn,
        "self": dec_layer.self_attn,
        "cross": dec_layer.encoder_attn,
    }[stream]
    hidden = torch.randn(2, 5, 32)
    source = torch.randn(2, 6, 32)
    src_keep = torch.tensor([[1] * 6, [1] * 4 + [0] * 2], dtype=torch.bool)
    kv_states = source if stream == "cross" else hidden
    if stream == "self":  # causal over real tokens, the prefix always visible
        real = torch.ones(5, 5, dtype=torch.bool).tril().expand(2, 1, 5, 5)
        mask = None
    elif stream == "encoder":
        real = src_keep[:, None, None, :5].expand(2, 1, 5, 5)
        kv_states = hidden
        mask = real
    else:
        real = src_keep[:, None, None, :].expand(2, 1, 5, 6)
        mask = real
    full = torch.cat([torch.ones(2, 1, 5, 3, dtype=torch.bool), real], dim=-1)
    pk, pv = split_streams(past, lm.config)[stream][layer]
    with torch.no_grad(), prefix_in_attention(lm, past):
        got, _ = attn(
            hidden, key_value_states=source if stream == "cross" else None, attention_mask=mask
        )
        want = _manual_attention(attn, hidden, kv_states, pk, pv, full)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_only_the_prefix_trains_all_three_streams_get_gradients_and_bart_stays(bart):
    lm, tok = bart
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    system = prefix_system(lm)
    assert isinstance(system, Seq2SeqPrefixLM)
    forward_loss(system, batch(lm, tok), "sequence_sum").backward()
    grads = {n for n, p in system.named_parameters() if p.grad is not None}
    assert grads and all(n.startswith("prefix.") for n in grads)
    for s in STREAMS:  # each stream's MLP output layer received a non-zero gradient
        assert system.prefix.streams[s].mlp[2].weight.grad.abs().sum() > 0
    torch.manual_seed(0)  # BART's dropout draws
    opt = torch.optim.Adam([p for p in system.parameters() if p.requires_grad], lr=5e-2)
    system.train()
    assert system.lm.training  # the released BART code kept the frozen LM's dropout on
    losses = []
    for _ in range(30):
        loss = forward_loss(system, batch(lm, tok), "token_mean")
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # a random tiny BART starts at ~ln(vocab) and its attention moves the logits little
    assert losses[-1] < losses[0] - 0.1
    for k, v in lm.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_labels_are_the_target_and_decoder_inputs_are_them_shifted_right(bart):
    lm, tok = bart
    b = batch(lm, tok)
    start = lm.config.decoder_start_token_id
    assert (b["decoder_input_ids"][:, 0] == start).all()
    labels = b["labels"][0]
    n = int((labels != IGNORE).sum())
    assert labels[n - 1] == tok.eos_token_id
    assert torch.equal(b["decoder_input_ids"][0, 1:n], labels[: n - 1])


@torch.no_grad()
def test_greedy_generate_equals_the_argmax_of_the_training_forward(bart):
    lm, tok = bart
    system = Seq2SeqPrefixLM(lm, StaticPrefix(prefix_system(lm).prefix.materialize() * 3)).eval()
    src = torch.tensor([seq2seq_source_ids(tok, ROWS[0]["source"])])
    dec = torch.tensor([[lm.config.decoder_start_token_id]])
    for _ in range(6):
        logits = system(src, torch.ones_like(src), dec).logits
        dec = torch.cat([dec, logits[:, -1:].argmax(-1)], dim=1)
    want = tok.decode(dec[0, 1:], skip_special_tokens=True).strip()
    got = generate_batch(
        lm, tok, [src[0].tolist()], {**GREEDY, "max_new_tokens": 6}, system.prefix.past
    )
    assert got == [want]


@torch.no_grad()
def test_beam_search_batched_equals_one_at_a_time_and_mixed_prefixes_equal_their_own(bart):
    lm, tok = bart
    lm.eval()
    pa = ThreeStreamPrefix(lm.config, 4, 16).materialize() * 3
    pb = ThreeStreamPrefix(lm.config, 2, 16).materialize() * 3  # a different length too
    sources = [r["source"] for r in ROWS]
    beam = {**GREEDY, "num_beams": 3}
    alone = [decode(lm, tok, [s], beam, pa)[0] for s in sources]
    assert decode(lm, tok, sources, beam, pa) == alone
    mixed = decode(lm, tok, sources, beam, [pa, pb, pa])
    assert mixed == [alone[0], decode(lm, tok, [sources[1]], beam, pb)[0], alone[2]]
    b = batch(lm, tok)
    plain = lm(b["input_ids"], b["attention_mask"], decoder_input_ids=b["decoder_input_ids"])
    steered = Seq2SeqPrefixLM(lm, StaticPrefix(pa)).eval()(
        b["input_ids"], b["attention_mask"], b["decoder_input_ids"]
    )
    assert not torch.allclose(plain.logits, steered.logits, atol=1e-3)  # the prefix acts


def test_decoder_only_methods_say_they_are_decoder_only(bart):
    lm, _ = bart
    with pytest.raises(ValueError, match="decoder-only"):
        methods.build({"type": "fttop2"}, lm)


@torch.no_grad()
def test_a_phrases_activations_fill_each_stream_with_its_own_keys_and_values(bart):
    lm, tok = bart
    lm.eval()
    ids = torch.tensor([tok(" sum", add_special_tokens=False)["input_ids"]])  # 4 byte tokens
    past = phrase_past(lm, tok, "sum")
    assert past.shape == (4, seq2seq_prefix_width(lm.config))
    kv = split_streams(past.unsqueeze(0), lm.config)
    out = lm(input_ids=ids, decoder_input_ids=ids, use_cache=True)
    layer = lm.get_encoder().layers[1].self_attn
    hidden = lm.get_encoder()(ids, output_hidden_states=True).hidden_states[1]  # layer 1's input
    want_key = layer.k_proj(hidden).view(1, 4, 4, 8).transpose(1, 2)
    torch.testing.assert_close(kv["encoder"][1][0], want_key)
    torch.testing.assert_close(kv["self"][0][1], out.cache.self_attention_cache.layers[0].values)
    torch.testing.assert_close(kv["cross"][1][0], out.cache.cross_attention_cache.layers[1].keys)


def test_word_initialisation_regresses_every_stream_onto_the_phrase(bart):
    lm, tok = bart
    system = methods.build(
        {"type": "prefix", "prefix_length": 4, "mid_dim": 16, "init_words": "sum"}, lm, tok
    )
    target = phrase_past(lm, tok, "sum")
    before = torch.nn.functional.mse_loss(ThreeStreamPrefix(lm.config, 4, 16)(), target)
    after = torch.nn.functional.mse_loss(system.prefix(), target)
    assert after < 0.5 * before
