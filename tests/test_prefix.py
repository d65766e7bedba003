"""Prefix-tuning for decoder-only LMs, specified as tests (docs/method.md §1)."""

import pytest
import torch
from transformers import GPT2Config, LlamaConfig

from pipeline import methods
from pipeline.models import params
from pipeline.models.prefix import PrefixEncoder, PrefixLM, StaticPrefix, kv_geometry
from pipeline.train import collate, example_ids, forward_loss


def test_prefix_shapes_for_gpt2():
    cfg = GPT2Config(n_layer=3, n_embd=48, n_head=4)
    enc = PrefixEncoder(cfg, prefix_length=7, mid_dim=16)
    assert enc.embedding.weight.shape == (7, 48)  # P' is L x d (the released code's width)
    assert enc().shape == (7, 2 * 3 * 4 * 12)  # [L, 2 * layers * heads * head_dim]


def test_prefix_is_produced_at_key_value_width_for_gqa():
    cfg = LlamaConfig(
        num_hidden_layers=2,
        hidden_size=64,
        num_attention_heads=8,
        num_key_value_heads=2,
        intermediate_size=32,
    )
    assert kv_geometry(cfg) == (2, 2, 8)
    assert PrefixEncoder(cfg, 5, 16)().shape == (5, 2 * 2 * 2 * 8)


def test_stored_prefix_of_gpt2_medium_is_245760_for_l5():
    # docs/method.md §3: 2 * 24 * 1024 per position; 0.069% of GPT-2 medium's 354.8M.
    cfg = GPT2Config(n_layer=24, n_embd=1024, n_head=16)
    assert params.stored_prefix(cfg, 5) == 245_760
    assert round(100 * 245_760 / 354_823_168, 3) == 0.069


def _batch(tok):
    rows = [
        ("name : A | Type : pub", "A is a pub."),
        ("name : B", "B."),
        ("name : C | area : riverside", "C is by the river."),
    ]
    return collate([example_ids(tok, s, t) for s, t in rows], tok.pad_token_id)


def test_only_prefix_parameters_receive_gradients(tiny):
    lm, tok = tiny
    system = methods.build({"type": "prefix", "prefix_length": 4, "mid_dim": 16}, lm)
    forward_loss(system, _batch(tok), "sequence_sum").backward()
    assert all(p.grad is None for p in system.lm.parameters())
    prefix_params = list(system.prefix.parameters())
    assert prefix_params and all(
        p.grad is not None and p.grad.abs().sum() > 0 for p in prefix_params
    )


def test_training_lowers_the_loss_and_leaves_the_lm_bit_identical(tiny):
    lm, tok = tiny
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    system = methods.build({"type": "prefix", "prefix_length": 4, "mid_dim": 32}, lm)
    opt = torch.optim.AdamW([p for p in system.parameters() if p.requires_grad], lr=1e-2)
    batch = _batch(tok)
    system.train()
    losses = []
    for _ in range(40):
        loss = forward_loss(system, batch, "token_mean")
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.25  # a random tiny LM starts at ~ln(vocab)
    after = lm.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_a_prefix_equal_to_real_keys_and_values_equals_prepending_those_tokens(tiny):
    # If P is the LM's own K/V of tokens p, then logits(x | P) == logits(p + x) on x: the
    # prefix is exactly "activations at virtual positions", and x sits at positions L...
    lm, tok = tiny
    p = torch.tensor([[5, 17, 42]])
    x = torch.tensor([[8, 9, 10, 11, 12]])
    with torch.no_grad():
        cache = lm(p, use_cache=True).cache
        n_layers, n_kv, head_dim = kv_geometry(lm.config)
        kv = torch.stack(
            [
                t
                for j in range(n_layers)
                for t in (cache.layers[j].keys[0], cache.layers[j].values[0])
            ]
        )
        past = kv.permute(2, 0, 1, 3).reshape(3, -1)  # [L, 2l * h * D]
        ours = PrefixLM(lm, StaticPrefix(past))(x, torch.ones_like(x)).logits
        ref = lm(torch.cat([p, x], 1)).logits[:, 3:]
    assert torch.allclose(ours, ref, atol=1e-4)


def test_padding_does_not_change_real_token_logits(tiny):
    lm, tok = tiny
    system = PrefixLM(lm, PrefixEncoder(lm.config, 3, 16)).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        alone = system(ids, torch.ones_like(ids)).logits
        padded = system(
            torch.tensor([[5, 6, 7, 8, 0, 0]]), torch.tensor([[1, 1, 1, 1, 0, 0]])
        ).logits
    assert torch.allclose(alone, padded[:, :4], atol=1e-5)


def test_materialised_prefix_gives_the_same_logits_as_the_mlp(tiny):
    lm, tok = tiny
    enc = PrefixEncoder(lm.config, 3, 16)
    ids = torch.tensor([[5, 6, 7]])
    with torch.no_grad():
        a = PrefixLM(lm, enc).eval()(ids, torch.ones_like(ids)).logits
        b = PrefixLM(lm, StaticPrefix(enc.materialize()))(ids, torch.ones_like(ids)).logits
    assert torch.equal(a, b)


@pytest.mark.parametrize("mtype", ["prefix", "finetune"])
def test_parameter_accounting(tiny, mtype):
    lm, tok = tiny
    hp = {"type": mtype, "prefix_length": 4, "mid_dim": 16}
    system = methods.build(hp, lm)
    acc = methods.accounting(hp, system, lm)
    total = sum(p.numel() for p in lm.parameters())
    if mtype == "prefix":
        assert acc["stored"] == 4 * system.prefix.mlp[-1].out_features
        assert acc["trainable"] == sum(p.numel() for p in system.prefix.parameters())
    else:
        assert acc["trainable"] == acc["stored"] == total
