"""A learning-rate choice on dev loss, before anything is decoded on test.

Each candidate is one run, only trained (``train.json``: its dev loss every ``eval_every``
steps and the best checkpoint's); per method type the candidate with the lowest best dev loss
is chosen. The table says, per candidate, where its best dev loss fell and whether it was
still falling when the budget ended (the best checkpoint is the last one measured), which
warns that a larger budget might choose otherwise.

``--check CONFIG`` refuses a grid whose learning rates are not the ones chosen: the choice is
written down once, and the grid cannot drift from it unnoticed.

Usage: python -m pipeline.report.lr_choice --runs DIR --out PREFIX   (PREFIX.md, PREFIX.json)
       python -m pipeline.report.lr_choice --check CONFIG --choice PREFIX.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.io import read_json, write_json, write_text
from pipeline.report.collect import machine_label
from pipeline.report.run_cost import seconds as run_seconds
from pipeline.runtime import entry_point


def candidates(runs_dir: str | Path) -> list[dict]:
    """Every trained run under ``runs_dir``: its method type, lr and dev-loss curve."""
    out = []
    for summary in sorted(Path(runs_dir).glob("**/train.json")):
        t = read_json(summary)
        history = t["dev_history"]
        if not history:
            raise PipelineError(f"{summary}: no dev loss was measured (set eval_every)")
        best = min(history, key=lambda e: e["dev_loss"])
        cost = run_seconds(summary.parent, t)
        out.append(
            {
                "run": str(summary.parent.relative_to(runs_dir)),
                "type": t["hparams"]["type"],
                "lr": t["hparams"]["lr"],
                "steps": t["steps"],
                "best_dev_loss": best["dev_loss"],
                "best_step": best["step"],
                "still_falling": best["step"] == history[-1]["step"],
                "seconds": cost["train_seconds"],  # every attempt's
                "seconds_estimated": cost["estimated"],
                "machine": machine_label(t.get("machine") or {}),
            }
        )
    if not out:
        raise PipelineError(f"{runs_dir}: no trained runs (train.json) to choose from")
    return out


def choose(cands: list[dict]) -> dict[str, float]:
    """Per method type, the lr of the lowest best dev loss."""
    best = {}
    for c in cands:
        if c["type"] not in best or c["best_dev_loss"] < best[c["type"]]["best_dev_loss"]:
            best[c["type"]] = c
    return {t: c["lr"] for t, c in sorted(best.items())}


def markdown(cands: list[dict], chosen: dict[str, float]) -> str:
    lines = [
        "| method | lr | best dev loss | at step | of | still falling | train s | chosen |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in sorted(cands, key=lambda c: (c["type"], c["lr"])):
        mark = chosen[c["type"]] == c["lr"]
        lines.append(
            f"| {c['type']} | {c['lr']:g} | {'**' if mark else ''}{c['best_dev_loss']:.4f}"
            f"{'**' if mark else ''} | {c['best_step']} | {c['steps']} "
            f"| {'yes' if c['still_falling'] else 'no'} | {c['seconds']:.0f}"
            f"{' (estimated)' if c['seconds_estimated'] else ''} "
            f"| {'yes' if mark else ''} |"
        )
    machines = sorted({c["machine"] for c in cands})
    return "\n".join(lines + ["", "Machines: " + "; ".join(machines) + "."]) + "\n"


def check(config_path: str, choice_path: str) -> None:
    """Every run of the configuration trains at the lr chosen for its method type."""
    from pipeline import config as pconf

    chosen = read_json(choice_path)["chosen"]
    cfg = pconf.load(config_path)
    for run in pconf.expand_runs(cfg):
        mtype, lr = run.hparams["type"], run.hparams["lr"]
        if mtype not in chosen:
            raise PipelineError(f"{choice_path}: no lr was chosen for {mtype!r} ({run.path})")
        if lr != chosen[mtype]:
            raise PipelineError(
                f"{config_path}: {run.experiment}/{run.method} trains {mtype} at lr {lr:g}, "
                f"but {choice_path} chose {chosen[mtype]:g} on dev loss: set "
                f"config['methods'][{mtype!r}]['lr'] to it"
            )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", help="the candidates' archived runs")
    p.add_argument("--out", help="PREFIX: writes PREFIX.md and PREFIX.json")
    p.add_argument("--check", help="a configuration whose learning rates must be the choice")
    p.add_argument("--choice", help="PREFIX.json of an earlier choice (with --check)")
    a = p.parse_args(argv)
    if a.check:
        if not a.choice:
            p.error("--check needs --choice")
        check(a.check, a.choice)
        print(f"{a.check}: every learning rate is the one chosen in {a.choice}")
        return
    if not (a.runs and a.out):
        p.error("give --runs and --out, or --check and --choice")
    cands = candidates(a.runs)
    chosen = choose(cands)
    write_text(f"{a.out}.md", markdown(cands, chosen))
    write_json(f"{a.out}.json", {"chosen": chosen, "candidates": cands})


if __name__ == "__main__":
    entry_point(main)
