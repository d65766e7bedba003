"""What every method provides: how its trainable system is built, what trains, what is
counted and stored, how it is saved and loaded back for decoding.

A method is one module of ``pipeline.methods`` with a ``Method`` subclass registered under its
type name (``@register``); ``pipeline.methods`` hands each call to the run's method
(``hp["type"]``). The defaults here are those of a method that trains some of the LM's own
weights and saves the whole model (fine-tuning).
"""

from __future__ import annotations

from pathlib import Path

import torch

from pipeline.errors import PipelineError
from pipeline.models import params
from pipeline.models.load import load as load_model

DISCARDED = "WEIGHTS_DISCARDED"  # left in a run folder whose model was deleted after decoding


class Method:
    name: str = ""
    seq2seq: bool = False  # implemented for encoder-decoders too (the paper's XSUM methods)
    frozen_lm: bool = False  # the LM is frozen: it may be held in a half dtype
    # the system runs its decoder-only LM once per batch with the LM head frozen, so training
    # may apply the head at the labelled positions only (pipeline.train.token_nll)
    head_on_labels_only: bool = False
    prefix_like: bool = False  # ends as materialised [L, 2*l*h*D] activations
    whole_model: bool = False  # saves the whole LM (the weights can be discarded once decoded)

    def build(self, hp: dict, lm, tok=None):
        """The module to train. New trainable modules are created in fp32 on the LM's device,
        whatever dtype the (frozen) LM is held in."""
        raise NotImplementedError

    def trainable_module(self, system):
        return system

    def accounting(self, hp: dict, system, lm) -> dict:
        trainable = params.count(system, trainable_only=True)  # the LM's share is frozen
        # the rest of the LM is the shared, frozen pretrained one
        return params.report(hp["type"], params.count(lm), trainable, trainable)

    def trainable_state(self, hp: dict, system) -> dict[str, torch.Tensor]:
        module = self.trainable_module(system)
        if self.whole_model:  # only the tensors that train
            return {k: v.detach().clone() for k, v in module.named_parameters() if v.requires_grad}
        return {k: v.detach().clone() for k, v in module.state_dict().items()}

    def restore_state(self, hp: dict, system, state: dict) -> None:
        module = self.trainable_module(system)
        with torch.no_grad():  # whole-model methods keep only trained tensors: not strict
            _, unexpected = module.load_state_dict(state, strict=not self.whole_model)
        if unexpected:
            raise ValueError(f"unexpected tensors in a checkpoint: {unexpected[:5]}")

    def save(self, hp: dict, system, tok, out_dir: Path) -> None:
        system.save_pretrained(out_dir / "model")
        tok.save_pretrained(out_dir / "model")

    def load_for_decoding(self, hp: dict, run_dir: Path, model_dir: Path):
        """(model, tokenizer, prefix past or None) for decoding a finished run."""
        if (run_dir / DISCARDED).exists() and not (run_dir / "model").exists():
            raise PipelineError(
                f"{run_dir}: its fine-tuned weights were deleted after an earlier decoding "
                "(keep_weights: false); train it again first (snakemake --forcerun train ...)"
            )
        model, tok = load_model(run_dir / "model")
        return model.eval(), tok, None

    def decoding_inputs(self, past):
        """(prefix rows, infix) that decoding hands the generator for this method's past."""
        return past, None


def host(state: dict) -> dict[str, torch.Tensor]:
    """Tensors as safetensors stores them: contiguous, on the host."""
    return {k: v.detach().contiguous().cpu() for k, v in state.items()}


REGISTRY: dict[str, Method] = {}


def register(cls: type[Method]) -> type[Method]:
    if cls.name in REGISTRY:
        raise PipelineError(f"two methods registered as {cls.name!r}")
    REGISTRY[cls.name] = cls()
    return cls
