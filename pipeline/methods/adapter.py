"""Adapters (Lin et al., 2020): one bottleneck adapter per block trains, the LM is frozen;
saves ``adapters.safetensors`` (its bottleneck in the metadata)."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import load_file, save_file

from pipeline.methods.base import Method, host, register
from pipeline.models import params
from pipeline.models.adapters import add_adapters, bottleneck_for
from pipeline.models.load import load as load_model


def adapter_bottleneck(hp: dict, lm) -> int:
    if hp.get("adapter_bottleneck"):
        return hp["adapter_bottleneck"]
    cfg = lm.config.get_text_config()
    return bottleneck_for(
        hp["adapter_fraction"], params.count(lm), cfg.num_hidden_layers, cfg.hidden_size
    )


@register
class Adapter(Method):
    name = "adapter"
    frozen_lm = True

    def build(self, hp, lm, tok=None):
        add_adapters(lm, adapter_bottleneck(hp, lm)).to(lm.device)
        return lm

    def trainable_module(self, system):
        return system.adapters

    def accounting(self, hp, system, lm):
        trainable = params.count(system, trainable_only=True)
        lm_params = params.count(lm) - params.count(system.adapters)
        report = params.report(hp["type"], lm_params, trainable, trainable)
        report["adapter_bottleneck"] = system.adapters[0].down.out_features
        return report

    def save(self, hp, system, tok, out_dir: Path) -> None:
        save_file(
            host(system.adapters.state_dict()),
            str(out_dir / "adapters.safetensors"),
            metadata={
                "bottleneck": str(system.adapters[0].down.out_features),
                "hparams": json.dumps(hp),
            },
        )

    def load_for_decoding(self, hp, run_dir: Path, model_dir: Path):
        lm, tok = load_model(model_dir)
        state = load_file(str(run_dir / "adapters.safetensors"))
        adapters = add_adapters(lm, state["0.down.weight"].shape[0])
        adapters.load_state_dict(state)
        return lm.eval(), tok, None
