"""The baselines (FT-top2, adapters), mixed-prefix batches and a cross-check against PEFT."""

import pytest
import torch
from transformers import GPT2Config

from pipeline import methods
from pipeline.decode import decode
from pipeline.models import adapters, params
from pipeline.models.infix import InfixLM
from pipeline.models.prefix import PrefixEncoder, PrefixLM, StaticPrefix
from pipeline.textformat import prompt_ids
from pipeline.train import collate, example_ids, forward_loss

ROWS = [
    ("name : A | Type : pub", "A is a pub."),
    ("name : B", "B."),
    ("name : C | area : riverside", "C is by the river."),
]


def batch(tok):
    return collate([example_ids(tok, s, t) for s, t in ROWS], tok.pad_token_id)


def test_fttop2_trains_the_top_two_blocks_and_the_final_norm_only(tiny_models):
    from pipeline.models.load import load

    lm, tok = load(tiny_models["gpt2"])
    system = methods.build({"type": "fttop2"}, lm)
    trainable = {
        n.split(".")[1] + "." + n.split(".")[2] if n.startswith("transformer.h.") else n
        for n, p in system.named_parameters()
        if p.requires_grad
    }
    assert trainable == {"h.0", "h.1", "transformer.ln_f.weight", "transformer.ln_f.bias"}
    assert not lm.get_input_embeddings().weight.requires_grad  # the paper's description
    methods.build({"type": "fttop2", "train_embeddings": True}, lm)
    assert lm.get_input_embeddings().weight.requires_grad  # the released code's choice


def test_adapter_bottleneck_hits_the_papers_fractions_for_gpt2_medium():
    # docs/method.md §2: b=6 gives 0.10% and b~215 gives 3.0% of GPT-2 medium (354,823,168)
    n, layers, d = 354_823_168, 24, 1024
    assert adapters.bottleneck_for(0.001, n, layers, d) == 6
    assert adapters.bottleneck_for(0.03, n, layers, d) == 215
    assert layers * adapters.params_per_adapter(d, 6) == 24 * (2049 * 6 + 3072)


def test_adapters_start_near_identity_and_only_they_receive_gradients(tiny):
    lm, tok = tiny
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        plain = lm(ids).logits
    system = methods.build({"type": "adapter", "adapter_bottleneck": 4}, lm)
    assert len(system.adapters) == lm.config.num_hidden_layers
    forward_loss(system, batch(tok), "token_mean").backward()
    grads = {n for n, p in system.named_parameters() if p.grad is not None}
    assert grads and all(n.startswith("adapters.") for n in grads)
    with torch.no_grad():
        adapted = system.eval()(ids).logits
    assert not torch.equal(plain, adapted) and torch.allclose(plain, adapted, atol=0.5)
    assert all(torch.equal(before[k], lm.state_dict()[k]) for k in before)


def test_adapter_accounting_reports_the_resulting_count(tiny):
    lm, tok = tiny
    hp = {"type": "adapter", "adapter_fraction": 0.03}
    system = methods.build(hp, lm)
    acc = methods.accounting(hp, system, lm)
    d, b = lm.config.hidden_size, acc["adapter_bottleneck"]
    assert (
        acc["trainable"]
        == acc["stored"]
        == lm.config.num_hidden_layers * adapters.params_per_adapter(d, b)
    )
    assert abs(acc["trainable_pct_of_lm"] - 3.0) < 1.5


@pytest.mark.parametrize("mtype", ["fttop2", "adapter"])
def test_each_baseline_saves_and_reloads_to_the_same_outputs(tmp_path, tiny_models, mtype):
    from pipeline.models.load import load

    lm, tok = load(tiny_models["gpt2"])
    hp = {"type": mtype, "adapter_bottleneck": 4}
    system = methods.build(hp, lm)
    with torch.no_grad():
        for p in system.parameters():
            if p.requires_grad:
                p.add_(0.01)
    methods.save(hp, system, tok, tmp_path)
    reloaded, tok2, past = methods.load_for_decoding(hp, tmp_path, tiny_models["gpt2"])
    ids = torch.tensor([[5, 6, 7]])
    with torch.no_grad():
        assert torch.allclose(system.eval()(ids).logits, reloaded(ids).logits, atol=1e-6)


def test_a_mixed_prefix_batch_equals_each_row_with_its_own_prefix(tiny):
    lm, tok = tiny
    torch.manual_seed(0)
    pa = PrefixEncoder(lm.config, 4, 16).materialize() * 3
    pb = PrefixEncoder(lm.config, 2, 16).materialize() * 3  # a different length too
    sources = ["name : A | Type : pub", "name : B", "name : Zizzi | near : X", "x"]
    which = [pa, pb, pb, pa]
    for beams in (1, 2):
        dc = {"num_beams": beams, "max_new_tokens": 8, "min_new_tokens": 2, "batch_size": 4}
        mixed = decode(lm, tok, sources, dc, which)
        alone = [decode(lm, tok, [s], dc, p)[0] for s, p in zip(sources, which)]
        assert mixed == alone


def test_same_prefix_gives_the_same_logits_as_peft():
    """PEFT's PrefixTuningConfig, given our materialised prefix, computes the same forward
    (PEFT's generate() is not compared: it ignores the prefix on transformers >= 5.19)."""
    from peft import PrefixTuningConfig, get_peft_model
    from transformers import GPT2LMHeadModel

    torch.manual_seed(0)
    lm = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=4, vocab_size=100)).eval()
    past = PrefixEncoder(lm.config, 3, 16).materialize()
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    with torch.no_grad():
        ours = PrefixLM(lm, StaticPrefix(past))(ids, mask).logits
        peft = get_peft_model(lm, PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=3))
        peft.prompt_encoder["default"].embedding.weight.copy_(past)
        theirs = peft(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(ours[mask.bool()], theirs[mask.bool()], atol=1e-5)


def test_embedding_only_prefix_trains_embeddings_through_the_frozen_lm(tiny):
    lm, tok = tiny
    hp = {"type": "emb", "prefix_length": 3, "mid_dim": 16}
    system = methods.build(hp, lm)
    past = system.prefix()
    assert past.shape == (3, params.stored_prefix(lm.config, 1))  # [L, 2*l*h*D]
    forward_loss(system, batch(tok), "token_mean").backward()
    assert system.prefix.embedding.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in lm.parameters())
    acc = methods.accounting(hp, system, lm)
    assert acc["trainable"] == sum(p.numel() for p in system.prefix.parameters())


def test_word_initialisation_regresses_the_prefix_onto_the_phrase_activations(tiny):
    from pipeline.models.variants import init_from_words, phrase_length, phrase_past

    lm, tok = tiny
    phrase = "table-to-text:"
    enc = PrefixEncoder(lm.config, phrase_length(tok, phrase), 64)
    p_prime = enc.embedding.weight.detach().clone()
    losses = init_from_words(enc, lm, tok, phrase, steps=200, lr=1e-3)
    assert losses[-1] < 0.5 * losses[0]
    target = phrase_past(lm, tok, phrase)
    assert torch.nn.functional.mse_loss(enc.materialize(), target) < losses[0]
    assert torch.equal(enc.embedding.weight, p_prime) and enc.embedding.weight.grad is None


def test_infix_sits_between_x_and_y_and_steers_only_y(tiny):
    lm, tok = tiny
    hp = {"type": "infix", "prefix_length": 3, "mid_dim": 16}
    system = methods.build(hp, lm, tok)
    b = batch(tok)
    out = system(input_ids=b["input_ids"], attention_mask=b["attention_mask"])
    assert out.logits.shape == (*b["input_ids"].shape, lm.config.vocab_size)
    # nothing is predicted over x (its labels are ignored), and x cannot see the infix
    first_sep = [ids.index(tok.eos_token_id) for ids in b["input_ids"].tolist()]
    assert all(out.logits[i, :s].abs().sum() == 0 for i, s in enumerate(first_sep))
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    opt = torch.optim.AdamW(system.prefix.parameters(), lr=1e-2)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = forward_loss(system, b, "token_mean")
        loss.backward()
        assert all(p.grad is None for p in lm.parameters())
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert all(torch.equal(v, lm.state_dict()[k]) for k, v in before.items())  # LM unchanged


def test_infix_decoding_continues_exactly_the_training_layout(tiny):
    """Greedy generate (x, then the infix in the cache, then the separator) picks the same
    tokens as argmax over the training forward of x <eos> y, token by token."""
    lm, tok = tiny
    torch.manual_seed(0)
    infix = torch.randn(2, params.stored_prefix(lm.config, 1)) * 0.5
    system = InfixLM(lm, StaticPrefix(infix), tok.eos_token_id, tok.pad_token_id).eval()
    dc = {
        "num_beams": 1,
        "max_new_tokens": 6,
        "min_new_tokens": 6,
        "batch_size": 2,
        "length_penalty": 1.0,
        "ban_newlines": False,
    }
    sources = [s for s, _ in ROWS]
    got = decode(lm, tok, sources, dc, infix=infix)
    for src, text in zip(sources, got):
        ids = prompt_ids(tok, src)  # " x" <eos>
        n_prompt = len(ids)
        for _ in range(6):
            t = torch.tensor([ids])
            logits = system(input_ids=t, attention_mask=torch.ones_like(t)).logits[0, -1]
            logits[tok.eos_token_id] = -float("inf")  # min_new_tokens keeps generate from it
            ids.append(int(logits.argmax()))
        assert tok.decode(ids[n_prompt:], skip_special_tokens=True).strip() == text
    # batched == one at a time, and beams work
    assert decode(lm, tok, sources, {**dc, "batch_size": 1}, infix=infix) == got
    beam = {**dc, "num_beams": 3}
    assert decode(lm, tok, sources, beam, infix=infix) == decode(
        lm, tok, sources, {**beam, "batch_size": 1}, infix=infix
    )


def test_every_method_module_registers_the_method_it_is_named_after():
    """A new method is one module of pipeline/methods: the configuration knows it by file
    name (without importing torch), the code by its registration."""
    from pipeline.config import method_names

    assert method_names() == sorted(methods.METHOD_TYPES)
    assert set(methods.PREFIX_TYPES) == {"prefix", "emb", "infix"}
    assert set(methods.SEQ2SEQ_TYPES) == {"prefix", "finetune"}
    assert set(methods.WHOLE_MODEL) == {"finetune", "fttop2"}
    assert set(methods.FROZEN_LM_TYPES) == {"prefix", "emb", "infix", "adapter"}
    with pytest.raises(ValueError, match="unknown method type 'lora'"):
        methods.method("lora")
