import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT.parent / "shared").resolve()
FIXTURES = ROOT / "tests" / "fixtures"

torch.set_num_threads(1)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TINY_GPT2 = {
    "source": "random",
    "arch": "gpt2",
    "config": {"n_layer": 2, "n_embd": 64, "n_head": 4, "n_positions": 256},
}
# GQA + rotary, the SmolLM2 architecture in miniature: 4 query heads share 2 key/value heads.
TINY_LLAMA = {
    "source": "random",
    "arch": "llama",
    "config": {
        "num_hidden_layers": 2,
        "hidden_size": 64,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
        "max_position_embeddings": 256,
    },
}

# BART in miniature: 2 encoder + 2 decoder layers, the three-stream prefix's geometry.
TINY_BART = {
    "source": "random",
    "arch": "bart",
    "config": {
        "d_model": 32,
        "encoder_layers": 2,
        "decoder_layers": 2,
        "encoder_attention_heads": 4,
        "decoder_attention_heads": 4,
        "encoder_ffn_dim": 64,
        "decoder_ffn_dim": 64,
        "max_position_embeddings": 256,
    },
}


def needs_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not staged on this machine")
    return path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    from pipeline.models.load import acquire

    root = tmp_path_factory.mktemp("models")
    out = {}
    for name, spec in (("gpt2", TINY_GPT2), ("llama", TINY_LLAMA), ("bart", TINY_BART)):
        acquire(name, spec, root / name)
        out[name] = root / name
    return out


@pytest.fixture(params=["gpt2", "llama"])
def tiny(request, tiny_models):
    from pipeline.models.load import load

    return load(tiny_models[request.param])
