"""Training may apply a frozen LM head at the labelled positions only (prefix-tuning of a
decoder-only LM): the same per-token NLL, loss and gradients as the head over every position,
bit for bit, so a run trains to the same weights either way."""

import pytest
import torch

from pipeline import methods
from pipeline.models.load import load
from pipeline.train import _next_token_nll, collate, encode, forward_loss, token_nll

ROWS = [
    {"source": "name : Blue Spice | Type : pub", "target": "Blue Spice is a pub."},
    {"source": "name : The Mill", "target": "The Mill serves cheap food in the city centre."},
    {"source": "name : Strada | food : French | area : riverside", "target": "Strada is French."},
]
HP = {"prefix_length": 3, "mid_dim": 16, "adapter_fraction": 0.01}


def _grads(system, batch, labels_only: bool):
    system.head_on_labels_only = labels_only
    system.zero_grad(set_to_none=True)
    nll, labels = token_nll(system, batch)
    loss = forward_loss(system, batch, "token_mean")
    loss.backward()
    grads = [p.grad.clone() for p in system.parameters() if p.requires_grad]
    return nll.detach(), labels, loss.detach(), grads


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_the_head_on_labelled_positions_only_changes_nothing_but_time(tiny_models, arch):
    lm, tok = load(tiny_models[arch])
    torch.manual_seed(0)
    system = methods.build({**HP, "type": "prefix"}, lm, tok)
    assert system.head_on_labels_only  # prefix-tuning takes the short way
    batch = collate(encode(tok, ROWS, 64, None, False), tok.pad_token_id, None)
    full = _grads(system, batch, labels_only=False)
    short = _grads(system, batch, labels_only=True)
    assert torch.equal(full[0], short[0]) and torch.equal(full[1], short[1])
    assert torch.equal(full[2], short[2])
    assert all(torch.equal(a, b) for a, b in zip(full[3], short[3]))
    # and the head is whole again afterwards (decoding uses it)
    out = system(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    assert torch.equal(_next_token_nll(out.logits, batch["labels"])[0], full[0])


@pytest.mark.parametrize("mtype", ["finetune", "adapter", "emb", "infix"])
def test_methods_that_train_the_head_or_run_the_lm_twice_score_every_position(tiny_models, mtype):
    lm, tok = load(tiny_models["gpt2"])
    assert not methods.build({**HP, "type": mtype}, lm, tok).head_on_labels_only
