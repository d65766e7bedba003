"""Build the trainable system for a method, and save / load what it produces.

| method   | what trains                                   | what is saved                    |
|----------|-----------------------------------------------|----------------------------------|
| prefix   | P' and the MLP (the LM is frozen)             | prefix.safetensors: ``past`` [L, 2*l*h*D] (all decoding needs) + ``encoder.*`` (MLP state) |
|          | encoder-decoders: three streams (encoder, decoder self, cross), ``seq2seq_prefix`` | as prefix; ``past`` [L, W_enc + W_self + W_cross] |
| emb      | L input embeddings (+ MLP); the LM computes the prefix | prefix.safetensors, as prefix |
| infix    | L positions of K/V between x and y (+ MLP), as prefix | prefix.safetensors, as prefix |
| finetune | every LM weight                               | model/ (the whole LM)            |
| fttop2   | the top ``top_layers`` blocks + final norm    | model/ (the whole LM)            |
| adapter  | one bottleneck adapter per block (LM frozen)  | adapters.safetensors             |

Encoder-decoders (BART family) take ``prefix`` and ``finetune``, the methods of the paper's
summarization experiments; the others are decoder-only here and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from pipeline.errors import PipelineError
from pipeline.models import params
from pipeline.models.adapters import add_adapters, bottleneck_for
from pipeline.models.infix import InfixLM
from pipeline.models.load import load as load_model
from pipeline.models.partial import freeze_all_but_top
from pipeline.models.prefix import PrefixEncoder, PrefixLM, StaticPrefix
from pipeline.models.seq2seq_prefix import Seq2SeqPrefixLM, ThreeStreamPrefix
from pipeline.models.variants import EmbeddingPrefix, init_from_words

METHOD_TYPES = ("prefix", "emb", "infix", "finetune", "fttop2", "adapter")
SEQ2SEQ_TYPES = ("prefix", "finetune")
PREFIX_TYPES = ("prefix", "emb", "infix")  # all end as materialised [L, 2*l*h*D] activations
WHOLE_MODEL = ("finetune", "fttop2")
DISCARDED = "WEIGHTS_DISCARDED"  # left in a run folder whose model was deleted after decoding
# the LM is frozen: it may be held in a half dtype while what trains stays fp32
FROZEN_LM_TYPES = (*PREFIX_TYPES, "adapter")


def adapter_bottleneck(hp: dict, lm) -> int:
    if hp.get("adapter_bottleneck"):
        return hp["adapter_bottleneck"]
    cfg = lm.config.get_text_config()
    return bottleneck_for(
        hp["adapter_fraction"], params.count(lm), cfg.num_hidden_layers, cfg.hidden_size
    )


def build(hp: dict, lm, tok=None):
    """The module to train for hyper-parameters ``hp`` (``hp['type']`` names the method).

    ``hp['init_words']`` (prefix only) initialises the prefix from the LM's activations of a
    phrase; it needs the tokenizer. New trainable modules are created in fp32 on the LM's
    device, whatever dtype the (frozen) LM is held in.
    """
    mtype = hp["type"]
    device = lm.device
    seq2seq = lm.config.is_encoder_decoder
    if seq2seq and mtype not in SEQ2SEQ_TYPES:
        raise ValueError(
            f"method type {mtype!r} is implemented for decoder-only LMs only; an encoder-decoder "
            f"({type(lm).__name__}) takes {' or '.join(SEQ2SEQ_TYPES)} (the paper's XSUM methods)"
        )
    if mtype == "prefix":
        if seq2seq:  # three streams, MLP width 800 by default (the paper's XSUM setting)
            prefix = ThreeStreamPrefix(lm.config, hp["prefix_length"], hp.get("mid_dim", 800))
            prefix = prefix.to(device)
            system = Seq2SeqPrefixLM(lm, prefix, hp.get("lm_dropout", True))
        else:
            prefix = PrefixEncoder(lm.config, hp["prefix_length"], hp.get("mid_dim", 512))
            prefix = prefix.to(device)
            system = PrefixLM(lm, prefix)
        if hp.get("init_words"):  # "table-to-text:" (L = 6) / "summarize" (L = 1), §3.5
            init_from_words(prefix, lm, tok, hp["init_words"])
        return system
    if mtype == "infix":
        enc = PrefixEncoder(lm.config, hp["prefix_length"], hp.get("mid_dim", 512)).to(device)
        return InfixLM(lm, enc, tok.eos_token_id, tok.pad_token_id)
    if mtype == "emb":
        emb = EmbeddingPrefix(lm, hp["prefix_length"], hp.get("mid_dim", 512)).to(device)
        return PrefixLM(lm, emb)
    if mtype == "finetune":
        for p in lm.parameters():
            p.requires_grad_(True)
        return lm
    if mtype == "fttop2":
        return freeze_all_but_top(lm, hp.get("top_layers", 2), hp.get("train_embeddings", False))
    if mtype == "adapter":
        add_adapters(lm, adapter_bottleneck(hp, lm)).to(device)
        return lm
    raise ValueError(f"unknown method type {mtype!r} (known: {', '.join(METHOD_TYPES)})")


def _trainable_module(hp: dict, system):
    if hp["type"] in PREFIX_TYPES:
        return system.prefix
    if hp["type"] == "adapter":
        return system.adapters
    return system


def accounting(hp: dict, system, lm) -> dict:
    mtype = hp["type"]
    trainable = params.count(system, trainable_only=True)  # the LM's share is frozen
    if mtype in PREFIX_TYPES:
        lm_params = params.count(lm)
        stored = params.stored_prefix(lm.config, hp["prefix_length"])
    elif mtype == "adapter":
        lm_params = params.count(lm) - params.count(system.adapters)
        stored = trainable
    else:
        lm_params = params.count(lm)
        stored = trainable  # the rest of the LM is the shared, frozen pretrained one
    report = params.report(mtype, lm_params, trainable, stored)
    if mtype == "adapter":
        report["adapter_bottleneck"] = system.adapters[0].down.out_features
    return report


def trainable_state(hp: dict, system) -> dict[str, torch.Tensor]:
    module = _trainable_module(hp, system)
    if hp["type"] in WHOLE_MODEL:
        return {k: v.detach().clone() for k, v in module.named_parameters() if v.requires_grad}
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def restore_state(hp: dict, system, state: dict) -> None:
    module = _trainable_module(hp, system)
    strict = hp["type"] not in WHOLE_MODEL  # whole-model methods keep only trained tensors
    with torch.no_grad():
        _, unexpected = module.load_state_dict(state, strict=strict)
    if unexpected:
        raise ValueError(f"unexpected tensors in a checkpoint: {unexpected[:5]}")


def _host(state: dict) -> dict[str, torch.Tensor]:
    """Tensors as safetensors stores them: contiguous, on the host."""
    return {k: v.detach().contiguous().cpu() for k, v in state.items()}


def save(hp: dict, system, tok, out_dir: Path) -> None:
    """Write the run's weights; callers write train.json last, as the completion marker."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / DISCARDED).unlink(missing_ok=True)
    mtype = hp["type"]
    if mtype in PREFIX_TYPES:
        tensors = {"past": system.prefix.materialize()}
        tensors.update({f"encoder.{k}": v for k, v in system.prefix.state_dict().items()})
        save_file(
            _host(tensors),
            str(out_dir / "prefix.safetensors"),
            metadata={"prefix_length": str(hp["prefix_length"])},
        )
    elif mtype == "adapter":
        state = _host(system.adapters.state_dict())
        bottleneck = str(system.adapters[0].down.out_features)
        save_file(
            state,
            str(out_dir / "adapters.safetensors"),
            metadata={"bottleneck": bottleneck, "hparams": json.dumps(hp)},
        )
    else:
        system.save_pretrained(out_dir / "model")
        tok.save_pretrained(out_dir / "model")


def load_for_decoding(hp: dict, run_dir: Path, model_dir: Path):
    """(model, tokenizer, prefix past or None) for decoding a finished run."""
    mtype = hp["type"]
    if mtype in PREFIX_TYPES:
        lm, tok = load_model(model_dir)
        past = load_file(str(run_dir / "prefix.safetensors"))["past"]
        if lm.config.is_encoder_decoder:
            return Seq2SeqPrefixLM(lm, StaticPrefix(past)).eval(), tok, past
        if mtype == "infix":
            return (
                InfixLM(lm, StaticPrefix(past), tok.eos_token_id, tok.pad_token_id).eval(),
                tok,
                past,
            )
        return PrefixLM(lm, StaticPrefix(past)).eval(), tok, past
    if mtype == "adapter":
        lm, tok = load_model(model_dir)
        path = str(run_dir / "adapters.safetensors")
        state = load_file(path)
        adapters = add_adapters(lm, state["0.down.weight"].shape[0])
        adapters.load_state_dict(state)
        return lm.eval(), tok, None
    if (run_dir / DISCARDED).exists() and not (run_dir / "model").exists():
        raise PipelineError(
            f"{run_dir}: its fine-tuned weights were deleted after an earlier decoding "
            "(keep_weights: false); train it again first (snakemake --forcerun train ...)"
        )
    model, tok = load_model(run_dir / "model")
    return model.eval(), tok, None
