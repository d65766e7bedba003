"""The precision study's table: each run trained twice, in its original experiment's precision
(fp32) and in a repeat's (``repeat_of`` + ``precision``: bf16), paired run by run.

A cell is one protocol (the original experiment), method and training size; its pairs are the
runs of the same method, subset and seed in both. Per cell, and pooled over a protocol's sizes
and over every cell of a method type:

- Δ BLEU (repeat − original) of the paired means, with the project's two-level paired bootstrap
  (``significance.paired_bootstrap``): test instances resampled (these runs fixed), and
  training subsets resampled too (would it hold for other subsets?);
- the share of test outputs identical in both precisions, and the dev-loss difference of the
  checkpoints each kept;
- seconds per training step and per decoding of the test set, side by side, and their ratio.

A cell is *faithful* (``pipeline.precision.faithful``) when its Δ is within ±0.5 BLEU and its
runs-too interval includes 0; a method type is faithful when all its cells are. ``--evidence``
writes that verdict where ``precision: auto`` reads it (``pipeline/report/bf16_evidence.yaml``).

Usage: python -m pipeline.report.precision --spec JSON --out-prefix PREFIX [--evidence YAML]
       (writes .md, .csv, .tex and .significance.json)
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd
import yaml

from pipeline import precision as rule
from pipeline.io import atomic_path, read_json, read_jsonl, read_lines, write_json, write_text
from pipeline.report import specs
from pipeline.report.collect import collect, init_labels
from pipeline.report.run_cost import seconds
from pipeline.report.significance import paired_bootstrap
from pipeline.runtime import entry_point

POOLED = "all sizes"
ALL_CELLS = "all cells"  # a method type over every protocol, initialisation and size


def timings(run_dir: str) -> dict:
    """Dev loss of the kept checkpoint, seconds per training step, seconds of decoding, and
    whether training resumed (a resumed run's pace is left out of the speed comparison)."""
    t = read_json(Path(run_dir) / "train.json")
    c = seconds(Path(run_dir), t)
    return {
        "dev_loss": t["dev_loss"],
        "step_seconds": c["train_seconds"] / max(c["steps"], 1),
        "decode_seconds": math.nan if c["decode_seconds"] is None else c["decode_seconds"],
        "native_bf16": (t.get("machine") or {}).get("cpu_bf16"),
        "resumed": c["resumed"],
    }


def pair_runs(df: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: the repeat's run (``_b``: the precision under study) beside its
    original's (``_a``), matched by original experiment, method, regime and seed."""
    repeats = df[df["repeat_of"].notna()]
    originals = df[df["repeat_of"].isna()]
    keys = ["method", "regime", "seed"]
    pairs = repeats.merge(
        originals,
        left_on=["repeat_of", *keys],
        right_on=["experiment", *keys],
        suffixes=("_b", "_a"),
    )
    return pairs.rename(
        columns={
            "repeat_of_b": "protocol",
            "size_b": "size",
            "type_b": "type",
            "init_words_b": "init_words",
        }
    )


def identical_share(hyp_a: list[str], hyp_b: list[str]) -> float:
    return sum(x == y for x, y in zip(hyp_a, hyp_b)) / max(len(hyp_a), 1)


def _cell(g: pd.DataFrame, references: list[list[str]]) -> dict:
    hyps = [
        (read_lines(f"{b}/test.hyp.txt"), read_lines(f"{a}/test.hyp.txt"))
        for a, b in zip(g["dir_a"], g["dir_b"])
    ]
    boot = paired_bootstrap(hyps, references, clusters=list(g["regime"]))
    ta = [timings(d) for d in g["dir_a"]]
    tb = [timings(d) for d in g["dir_b"]]
    # speed only from pairs computed on one machine: another CPU's seconds say nothing here
    same = [i for i, (x, y) in enumerate(zip(g["machine_a"], g["machine_b"])) if x == y]
    # and training speed only from runs trained in one attempt (a resumed run's seconds are its
    # last attempt's)
    steady = [i for i in same if not (ta[i]["resumed"] or tb[i]["resumed"])]

    def mean(rows, key, only=None):
        rows = rows if only is None else [rows[i] for i in only]
        return float(pd.Series([r[key] for r in rows], dtype=float).mean())

    step_a, step_b = mean(ta, "step_seconds", steady), mean(tb, "step_seconds", steady)
    dec_a, dec_b = mean(ta, "decode_seconds", same), mean(tb, "decode_seconds", same)
    return {
        "pairs": len(g),
        "precision_a": g["precision_a"].iloc[0],
        "precision_b": g["precision_b"].iloc[0],
        "bleu_a": float(g["BLEU_a"].mean()),
        "bleu_b": float(g["BLEU_b"].mean()),
        "delta": boot["delta"],
        "ci95": boot["ci95"],
        "ci95_runs": boot["ci95_runs"],
        "p": boot["p"],
        "p_runs": boot["p_runs"],
        "b_better": boot["a_better"],
        "pair_deltas": boot["pair_deltas"],
        "identical_outputs": float(sum(identical_share(ha, hb) for hb, ha in hyps) / len(hyps)),
        "dev_loss_delta": mean(tb, "dev_loss") - mean(ta, "dev_loss"),
        "step_seconds_a": step_a,
        "step_seconds_b": step_b,
        "decode_seconds_a": dec_a,
        "decode_seconds_b": dec_b,
        "train_speedup": step_a / step_b,
        "decode_speedup": dec_a / dec_b,
        "speed_pairs": len(same),
        "train_speed_pairs": len(steady),
        "machines_a": sorted(set(g["machine_a"])),
        "machines_b": sorted(set(g["machine_b"])),
        "native_bf16": sorted({str(t["native_bf16"]) for t in tb}),
        "faithful": rule.faithful(boot["delta"], *boot["ci95_runs"]),
        "resamples": boot["resamples"],
        "seed": boot["seed"],
    }


def method_label(row) -> str:
    """A method as the study names it: its type, with a prefix's initialisation."""
    if row["type"] != "prefix":
        return row["type"]
    return f"prefix ({init_labels(pd.DataFrame([row])).iloc[0]})"


def cells(pairs: pd.DataFrame, tests: dict) -> list[dict]:
    """Every (protocol, method, size) cell, then each protocol-method pooled over its sizes,
    then each method type pooled over everything it ran in."""
    pairs = pairs.assign(label=[method_label(r) for _, r in pairs.iterrows()])
    out = []
    groups = []
    # a cell: one protocol, design under study (B's precision), method and size
    keys = ["protocol", "precision_b", "label", "size"]
    for (protocol, _, label, size), g in pairs.groupby(keys, sort=False):
        groups.append(((protocol, label, f"{int(size)} examples"), g))
    for (protocol, _, label), g in pairs.groupby(keys[:3], sort=False):
        if g["size"].nunique() > 1:
            groups.append(((protocol, label, POOLED), g))
    for (_, mtype), g in pairs.groupby(["precision_b", "type"], sort=False):
        if g[["protocol", "label"]].drop_duplicates().shape[0] > 1:
            groups.append((("every protocol", f"{mtype} (all)", ALL_CELLS), g))
    refs = {}
    for (protocol, label, setting), g in groups:
        if g["dataset_b"].nunique() > 1:  # different test sets: score each, pool the pairs
            parts = [_cell(d, _refs(refs, tests, ds)) for ds, d in g.groupby("dataset_b")]
            res = _pool(parts)
        else:
            res = _cell(g, _refs(refs, tests, g["dataset_b"].iloc[0]))
        words = g["init_words"].iloc[0] if "init_words" in g else None
        res.update(
            {
                "protocol": protocol,
                "method": label,
                "key": rule.method_key(g["type"].iloc[0], None if pd.isna(words) else words),
                "type": g["type"].iloc[0],
                "setting": setting,
                "size": None if setting in (POOLED, ALL_CELLS) else int(g["size"].iloc[0]),
            }
        )
        out.append(res)
    return out


def _refs(cache: dict, tests: dict, dataset: str) -> list[list[str]]:
    if dataset not in cache:
        cache[dataset] = [t["refs"] for t in read_jsonl(tests[dataset])]
    return cache[dataset]


def _pool(parts: list[dict]) -> dict:
    """Cells on different test sets pooled: means weighted by pairs; the interval is the
    widest part's hull (conservative: no joint resampling across test sets)."""
    n = sum(p["pairs"] for p in parts)

    def w(key, count="pairs"):  # seconds: over the parts' timed pairs only
        total = sum(p[count] for p in parts)
        return sum(p[key] * p[count] for p in parts if p[count]) / total if total else math.nan

    res = {**parts[0], "pairs": n}
    for key in ("bleu_a", "bleu_b", "delta", "identical_outputs", "dev_loss_delta"):
        res[key] = w(key)
    for key in ("step_seconds_a", "step_seconds_b"):
        res[key] = w(key, "train_speed_pairs")
    for key in ("decode_seconds_a", "decode_seconds_b"):
        res[key] = w(key, "speed_pairs")
    for key in ("ci95", "ci95_runs"):
        res[key] = [min(p[key][0] for p in parts), max(p[key][1] for p in parts)]
    res["p"] = res["p_runs"] = None
    res["b_better"] = sum(p["b_better"] for p in parts)
    res["pair_deltas"] = [d for p in parts for d in p["pair_deltas"]]
    res["speed_pairs"] = sum(p["speed_pairs"] for p in parts)
    res["train_speed_pairs"] = sum(p["train_speed_pairs"] for p in parts)
    res["train_speedup"] = res["step_seconds_a"] / res["step_seconds_b"]
    res["decode_speedup"] = res["decode_seconds_a"] / res["decode_seconds_b"]
    for key in ("machines_a", "machines_b", "native_bf16"):
        res[key] = sorted({m for p in parts for m in p[key]})
    res["faithful"] = rule.faithful(res["delta"], *res["ci95_runs"])
    return res


def verdicts(results: list[dict]) -> dict:
    """Per design under study (B's precision) and method (``precision.method_key``): faithful
    when every one of its own cells (not the pooled rows) is."""
    out = {}
    for r in results:
        if r["setting"] in (POOLED, ALL_CELLS):
            continue
        design = out.setdefault(r["precision_b"], {})
        v = design.setdefault(r["key"], {"faithful": True, "cells": []})
        v["faithful"] = v["faithful"] and r["faithful"]
        v["cells"].append(
            {
                "protocol": r["protocol"],
                "method": r["method"],
                "setting": r["setting"],
                "pairs": r["pairs"],
                "delta": round(r["delta"], 2),
                "ci95_runs": [round(x, 2) for x in r["ci95_runs"]],
                "faithful": r["faithful"],
            }
        )
    return out


def _speed(r: dict, key: str, ratio: str, fmt: str, timed: str = "speed_pairs") -> str:
    """A / B seconds and the speed-up, from the pairs computed on one machine (``timed``
    counts them)."""
    a, b = r[f"{key}_a"], r[f"{key}_b"]
    if r["speed_pairs"] and not r[timed]:
        return "– (resumed runs)"
    if not r["speed_pairs"] or pd.isna(a) or pd.isna(b):
        return "– (A timed elsewhere)"
    n = "" if r[timed] == r["pairs"] else f", {r[timed]} pairs"
    return f"{a:{fmt}} / {b:{fmt}} ({r[ratio]:.2f}x{n})"


def _ci(ci) -> str:
    return f"[{ci[0]:+.2f}, {ci[1]:+.2f}]"


def markdown(results: list[dict], spec: dict) -> str:
    lines = [
        f"# {spec['title']}",
        "",
        f"Scale: {spec['scale']}. Each pair: one run (method, training subset, seed) trained, "
        "decoded and scored in both precisions. Δ = B − A (the repeat's precision minus the "
        "original's) of the paired mean BLEU; 95% CI over test instances (these runs fixed) and "
        "with the training subsets resampled too (runs too); B better: pairs where B scores "
        "higher; identical: share of test outputs equal in both; dev Δ: dev loss of the kept "
        "checkpoints, B − A; s/step and decode s: means, A / B, over the pairs whose two "
        "runs computed on one machine (the speed-up beside; s/step only over runs trained in "
        "one attempt, not resumed). Faithful: |Δ| ≤ "
        f"{rule.TOLERANCE} and the runs-too interval includes 0 (the rule `precision: auto` "
        "follows, pipeline/precision.py). Machines A / B: where each side's runs computed "
        "(numbered below); a cell may pool pairs from several machines, each pair on one "
        "(or, for runs whose fp32 outputs are the same on every CPU kind tried, with the fp32 "
        "half from another).",
        "",
    ]
    lines += [f"- {n}" for n in spec.get("notes", [])]
    machines = sorted({m for r in results for m in r["machines_a"] + r["machines_b"]})
    number = {m: str(i) for i, m in enumerate(machines, 1)}
    lines += [
        "",
        "| Protocol | Method | Setting | pairs | A / B | BLEU A | BLEU B | Δ | 95% CI | "
        "95% CI, runs too | B better | identical | dev Δ | s/step A / B | decode s A / B | "
        "machines A / B | faithful |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            "| "
            + " | ".join(
                [
                    r["protocol"],
                    r["method"],
                    r["setting"],
                    str(r["pairs"]),
                    f"{r['precision_a']} / {r['precision_b']}",
                    f"{r['bleu_a']:.1f}",
                    f"{r['bleu_b']:.1f}",
                    f"{r['delta']:+.2f}",
                    _ci(r["ci95"]),
                    _ci(r["ci95_runs"]),
                    f"{r['b_better']} of {r['pairs']}",
                    f"{100 * r['identical_outputs']:.0f}%",
                    f"{r['dev_loss_delta']:+.4f}",
                    _speed(r, "step_seconds", "train_speedup", ".2f", "train_speed_pairs"),
                    _speed(r, "decode_seconds", "decode_speedup", ".0f"),
                    " / ".join(
                        ", ".join(number[m] for m in r[k]) for k in ("machines_a", "machines_b")
                    ),
                    "yes" if r["faithful"] else "**no**",
                ]
            )
            + " |"
        )
    lines += ["", "Machines: " + "; ".join(f"{number[m]}. {m}" for m in machines) + "."]
    return "\n".join(lines) + "\n"


def latex(results: list[dict], spec: dict) -> str:
    lines = [
        f"% {spec['title']}, scale: {spec['scale']}. Delta = B - A, 95% CI with subsets resampled.",
        "\\begin{tabular}{lllrrrrl}",
        "\\toprule",
        "Protocol & Method & Setting & pairs & BLEU A & BLEU B & $\\Delta$ & CI \\\\",
        "\\midrule",
    ]
    for r in results:
        cells_ = [r["protocol"], r["method"], r["setting"]]
        esc = [str(c).replace("_", "\\_").replace("%", "\\%") for c in cells_]
        lines.append(
            " & ".join(
                esc
                + [
                    str(r["pairs"]),
                    f"{r['bleu_a']:.1f}",
                    f"{r['bleu_b']:.1f}",
                    f"{r['delta']:+.2f}",
                    _ci(r["ci95_runs"]),
                ]
            )
            + " \\\\"
        )
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = [
    "protocol", "method", "setting", "pairs", "precision_a", "precision_b", "bleu_a", "bleu_b",
    "delta", "ci95", "ci95_runs", "b_better", "identical_outputs", "dev_loss_delta",
    "step_seconds_a", "step_seconds_b", "train_speedup", "decode_seconds_a", "decode_seconds_b",
    "decode_speedup", "speed_pairs", "train_speed_pairs", "faithful",
]  # fmt: skip


def build(spec: dict, out_prefix: str, results_dir: str = "results") -> list[dict]:
    df = collect(spec["runs"], results_dir, one_precision=False)
    pairs = pair_runs(df)
    results = cells(pairs, spec["tests"]) if len(pairs) else []
    write_text(f"{out_prefix}.md", markdown(results, spec))
    write_json(f"{out_prefix}.significance.json", results)
    write_text(f"{out_prefix}.tex", latex(results, spec))
    table = pd.DataFrame(results, columns=CSV_COLUMNS)
    write_text(f"{out_prefix}.csv", table.to_csv(index=False, float_format="%.4f"))
    return results


def unfinished(spec: dict) -> list[dict]:
    """The spec's planned runs without scores yet (looked at now, not when the spec was
    written)."""
    return [r for r in spec.get("planned", []) if not specs.scored(r["dir"])]


def pending(spec: dict) -> set[tuple[str, str]]:
    """The verdicts (design, ``precision.method_key``) still waiting for runs: a repeat's
    unfinished run holds back its own design's verdict for its method; an original's, every
    design's."""
    out = set()
    for r in unfinished(spec):
        key = rule.method_key(r["type"], r.get("init_words"))
        designs = [r["precision"]] if r["repeat_of"] else rule.DESIGNS
        out |= {(d, key) for d in designs}
    return out


def complete(spec: dict) -> bool:
    """Whether every run the study plans has finished and the spec reads them all (a spec
    written with ``report_finished_only`` before the last runs finished lists fewer)."""
    return not unfinished(spec) and len(spec["runs"]) >= len(spec.get("planned", []))


def write_evidence(results: list[dict], path: str | Path, source: str, spec: dict) -> None:
    """The verdict ``precision: auto`` reads (pipeline.precision.evidence). A method's verdict
    in a design counts once every run the study plans for it has finished (``complete``);
    until then auto reads none for it."""
    waiting = pending(spec)
    designs = verdicts(results)
    for design, methods in designs.items():
        for key, v in methods.items():
            methods[key] = {
                "faithful": v["faithful"],
                "complete": (design, key) not in waiting,
                "cells": v["cells"],
            }
    body = {
        "source": source,
        "complete": complete(spec),
        "rule": f"a bf16 design where every cell of the method has |delta BLEU| <= "
        f"{rule.TOLERANCE} and its 95% interval (subsets and test instances resampled) "
        "includes 0, once every run the study plans for the method in that design finished",
        "designs": designs,
    }
    with atomic_path(Path(path)) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write("# written by python -m pipeline.report.precision --evidence; do not edit\n")
        yaml.safe_dump(body, f, sort_keys=False, allow_unicode=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spec", required=True)
    p.add_argument("--out-prefix", required=True)
    p.add_argument("--results-dir", default="results")
    p.add_argument("--evidence", help="also write the per-method verdict here (YAML)")
    a = p.parse_args(argv)
    spec = read_json(a.spec)
    results = build(spec, a.out_prefix, a.results_dir)
    if a.evidence:
        write_evidence(results, a.evidence, f"{a.out_prefix}.significance.json", spec)


if __name__ == "__main__":
    entry_point(main)
