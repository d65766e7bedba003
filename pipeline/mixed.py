"""Mixed-prefix decoding: one batch whose rows use different trained prefixes over one
frozen LM (the paper's "batching across users/tasks", impossible for adapters), in a single
``generate`` call per batch. Outputs equal decoding each row alone with its own prefix.

Input lines are ``PREFIX_NAME<TAB>linearised source``; each name maps to a trained run's
``prefix.safetensors``.

Usage: python -m pipeline.mixed --model-dir results/models/M --input lines.tsv
       --prefix e2e=results/runs/.../prefix.safetensors --prefix other=... --out out.txt
       [--decoding JSON] [--threads N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

import torch
from safetensors.torch import load_file

from pipeline.decode import DEFAULT_DECODING, decode, place_for_decoding
from pipeline.device import add_arguments, place
from pipeline.errors import PipelineError
from pipeline.io import read_lines, write_lines
from pipeline.models.load import load as load_model
from pipeline.runtime import entry_point, set_threads


def load_prefixes(specs: list[str]) -> dict[str, torch.Tensor]:
    prefixes = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not Path(path).exists():
            raise PipelineError(f"--prefix {spec!r}: expected NAME=path/to/prefix.safetensors")
        prefixes[name] = load_file(path)["past"]
    return prefixes


def decode_mixed(
    lm, tok, rows: list[tuple[str, str]], prefixes: dict[str, torch.Tensor], dc: dict
) -> list[str]:
    """``rows``: (prefix name, source) pairs; every name must be in ``prefixes``."""
    unknown = sorted({name for name, _ in rows} - set(prefixes))
    if unknown:
        raise PipelineError(f"no prefix given for {unknown} (known: {sorted(prefixes)})")
    return decode(lm, tok, [src for _, src in rows], dc, [prefixes[name] for name, _ in rows])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", required=True, type=Path)
    p.add_argument("--input", required=True, help="lines: PREFIX_NAME<TAB>source")
    p.add_argument("--prefix", action="append", required=True, help="NAME=prefix.safetensors")
    p.add_argument("--out", required=True)
    p.add_argument("--decoding", default="{}", help="decoding settings as JSON")
    p.add_argument("--threads", type=int, default=1)
    add_arguments(p)
    a = p.parse_args(argv)
    set_threads(a.threads)
    placement = place(a.device, a.precision)
    rows = []
    for n, line in enumerate(read_lines(a.input), 1):
        name, sep, source = line.partition("\t")
        if not sep:
            raise PipelineError(f"{a.input}:{n}: expected PREFIX_NAME<TAB>source")
        rows.append((name, source))
    if not rows:
        raise PipelineError(f"{a.input}: empty (no PREFIX_NAME<TAB>source lines)")
    lm, tok = load_model(a.model_dir)
    prefixes = load_prefixes(a.prefix)
    names = list(prefixes)
    lm, moved = place_for_decoding(lm.eval(), [prefixes[n] for n in names], placement)
    dc = {**DEFAULT_DECODING, **json.loads(a.decoding)}
    with placement.autocast() if placement.mixed else contextlib.nullcontext():
        outputs = decode_mixed(lm, tok, rows, dict(zip(names, moved)), dc)
    write_lines(a.out, outputs)


if __name__ == "__main__":
    entry_point(main)
