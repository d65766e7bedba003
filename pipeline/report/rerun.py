"""One run trained twice (on two machines, or on two kernel paths of one): how far apart the
two land. Every run finished under both ``--original`` and ``--rerun`` is compared (matched by run
path); a pair whose hyper-parameters or training-set size differ is not the same run and
stops the comparison.

Per run: where each computed, the dev loss at the first evaluation and the largest gap over
the curve, the checkpoint each kept, how many test outputs differ, and BLEU of each (E2E
scale, x100). The same run on the same machine gives identical outputs (checked: the grid's
rerun of its learning-rate run), so any gap here is the machines' rounding, grown by training.

Usage: python -m pipeline.report.rerun --original DIR --rerun DIR --out PREFIX
       (writes PREFIX.md and PREFIX.json)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.errors import PipelineError
from pipeline.io import read_json, read_lines, write_json, write_text
from pipeline.report.collect import machine_label
from pipeline.runtime import entry_point


def compare_run(original: Path, rerun: Path, path: str) -> dict:
    """The two trainings of one run path (each a run folder with train.json, test.hyp.txt and
    test.metrics.json)."""
    t0, t1 = read_json(original / "train.json"), read_json(rerun / "train.json")
    for key in ("hparams", "train_examples", "seed"):
        if t0.get(key) != t1.get(key):
            raise PipelineError(
                f"{path}: {key} differs between {original} and {rerun}: not the same run"
            )
    h0, h1 = read_lines(original / "test.hyp.txt"), read_lines(rerun / "test.hyp.txt")
    if len(h0) != len(h1):
        raise PipelineError(f"{path}: {len(h0)} vs {len(h1)} test outputs: not the same test set")
    curve0 = {e["step"]: e["dev_loss"] for e in t0["dev_history"]}
    curve1 = {e["step"]: e["dev_loss"] for e in t1["dev_history"]}
    steps = sorted(curve0.keys() & curve1.keys())
    gaps = [abs(curve0[s] - curve1[s]) for s in steps]
    bleu0 = read_json(original / "test.metrics.json")["scores"]["BLEU"] * 100
    bleu1 = read_json(rerun / "test.metrics.json")["scores"]["BLEU"] * 100
    return {
        "run": path,
        "method": t0["hparams"].get("type"),
        "machine_original": machine_label(t0.get("machine") or {}),
        "machine_rerun": machine_label(t1.get("machine") or {}),
        "first_eval_step": steps[0] if steps else None,
        "dev_loss_first_original": curve0[steps[0]] if steps else None,
        "dev_loss_first_rerun": curve1[steps[0]] if steps else None,
        "dev_loss_max_gap": max(gaps) if gaps else None,
        "selected_step_original": t0["selected_step"],
        "selected_step_rerun": t1["selected_step"],
        "outputs": len(h0),
        "outputs_differ": sum(a != b for a, b in zip(h0, h1)),
        "bleu_original": bleu0,
        "bleu_rerun": bleu1,
        "bleu_delta": bleu1 - bleu0,
    }


def finished(root: Path) -> set[str]:
    return {str(p.parent.relative_to(root)) for p in Path(root).glob("**/test.metrics.json")}


def compare(original: Path, rerun: Path) -> list[dict]:
    """Every run finished under both roots (a run under one only is not a comparison)."""
    paths = sorted(finished(original) & finished(rerun))
    if not paths:
        raise PipelineError(f"{original} and {rerun}: no finished run in common to compare")
    return [compare_run(original / p, rerun / p, p) for p in paths]


def markdown(rows: list[dict]) -> str:
    df = pd.DataFrame(rows)
    lines = [
        "# The same runs trained twice: how far apart they land",
        "",
        "Where each computed:",
        *[f"- original: {m}" for m in sorted(set(df["machine_original"]))],
        *[f"- rerun: {m}" for m in sorted(set(df["machine_rerun"]))],
        "",
        "| run | first dev loss (original / rerun) | largest dev-loss gap | kept step "
        "| outputs that differ | BLEU original | BLEU rerun | Δ BLEU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['run']} | {r['dev_loss_first_original']:.4f} / {r['dev_loss_first_rerun']:.4f} "
            f"(step {r['first_eval_step']}) | {r['dev_loss_max_gap']:.2g} "
            f"| {r['selected_step_original']} / {r['selected_step_rerun']} "
            f"| {r['outputs_differ']} of {r['outputs']} | {r['bleu_original']:.1f} "
            f"| {r['bleu_rerun']:.1f} | {r['bleu_delta']:+.1f} |"
        )
    lines += ["", "| method | runs | mean abs. Δ BLEU | largest abs. Δ BLEU |", "|---|---|---|---|"]
    for method, g in df.groupby("method"):
        d = g["bleu_delta"].abs()
        lines.append(f"| {method} | {len(g)} | {d.mean():.2f} | {d.max():.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--original", type=Path, required=True, help="the archived runs")
    ap.add_argument("--rerun", type=Path, required=True, help="the same runs trained again")
    ap.add_argument("--out", required=True, help="output prefix (.md and .json are written)")
    args = ap.parse_args(argv)
    rows = compare(args.original, args.rerun)
    write_json(f"{args.out}.json", rows)
    write_text(f"{args.out}.md", markdown(rows))


if __name__ == "__main__":
    entry_point(main)
