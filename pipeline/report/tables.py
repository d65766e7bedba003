"""The E2E table: our scores (mean +- sd over subsets x seeds) beside the paper's Table 2.

Usage: python -m pipeline.report.tables --spec JSON --out-prefix results/tables/e2e
       (writes .md, .csv and .tex)

``--spec`` holds the runs behind the table, the scale label and the data notes, so the
table can never be mistaken for a paper-scale one when it comes from a CPU demo.
"""

from __future__ import annotations

import pandas as pd

from pipeline.io import read_jsonl, read_lines, write_json, write_text
from pipeline.report.cli import exhibit_main
from pipeline.report.collect import METRICS, collect
from pipeline.report.paper import LABELS, paper_numbers, paper_row
from pipeline.report.significance import paired_bootstrap


def setting(regime: str, size) -> str:
    return "full data" if regime == "full" else f"{int(size)} examples"


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(
        setting=[setting(r, s) for r, s in zip(df["regime"], df["size"])],
        order=df["size"].fillna(10**9),
    )
    rows = []
    for (model, method, mtype, sett, order), g in df.groupby(
        ["model", "method", "type", "setting", "order"], sort=False
    ):
        pm, prow, paper = paper_row(model, mtype)
        if sett != "full data":
            # the paper shows low-data results only as a figure (Fig. 3): no number to set
            # beside ours, and the full-data row would mislead
            prow, paper = "low-data: Fig. 3 only (no numbers)", {m: float("nan") for m in METRICS}
        out = {
            "model": model,
            "method": method,
            "setting": sett,
            "order": order,
            "n": len(g),
            "paper_row": f"{pm} {prow}",
            "stored_pct": g["stored_pct"].iloc[0],
        }
        for m in METRICS:
            out[f"{m}_mean"] = g[m].mean()
            out[f"{m}_sd"] = g[m].std(ddof=1) if len(g) > 1 else float("nan")
            out[f"{m}_paper"] = paper[m]
            out[f"{m}_delta"] = out[f"{m}_mean"] - paper[m]
        rows.append(out)
    return pd.DataFrame(rows).sort_values(["order", "model", "method"]).drop(columns="order")


def comparisons(df: pd.DataFrame, spec: dict, a: str = "prefix", b: str = "finetune") -> list[dict]:
    """Paired bootstrap of method type ``a`` vs ``b`` per (data set, model, setting): runs are
    paired by training regime (subset) and seed; unpaired runs are left out and counted."""
    out = []
    refs = {}
    df = df.assign(setting=[setting(r, s) for r, s in zip(df["regime"], df["size"])])
    for (dataset, model, sett), g in df.groupby(["dataset", "model", "setting"], sort=False):
        runs_a = {(r["regime"], r["seed"]): r for _, r in g[g["type"] == a].iterrows()}
        runs_b = {(r["regime"], r["seed"]): r for _, r in g[g["type"] == b].iterrows()}
        keys = sorted(runs_a.keys() & runs_b.keys())
        if not keys:
            continue
        if dataset not in refs:
            refs[dataset] = [t["refs"] for t in read_jsonl(spec["tests"][dataset])]
        pairs = [
            (
                read_lines(f"{runs_a[k]['dir']}/test.hyp.txt"),
                read_lines(f"{runs_b[k]['dir']}/test.hyp.txt"),
            )
            for k in keys
        ]
        res = paired_bootstrap(pairs, refs[dataset])
        res.update(
            {
                "dataset": dataset,
                "model": model,
                "setting": sett,
                "size": None if pd.isna(g["size"].iloc[0]) else int(g["size"].iloc[0]),
                "a": a,
                "b": b,
                "unpaired": len(runs_a) + len(runs_b) - 2 * len(keys),
            }
        )
        out.append(res)
    return sorted(out, key=lambda r: (r["dataset"], r["model"], r["size"] or 10**9))


def comparison_markdown(comps: list[dict]) -> list[str]:
    if not comps:
        return []
    lines = [
        "",
        f"## {comps[0]['a']} − {comps[0]['b']}: paired bootstrap over test instances",
        "",
        "Runs paired by subset and seed; BLEU difference of the paired means, "
        f"{comps[0]['resamples']} resamples (seed {comps[0]['seed']}), two-sided p. "
        "The paper reports no test.",
        "",
        "| Setting | Model | pairs | Δ BLEU | 95% CI | p |",
        "|---|---|---|---|---|---|",
    ]
    for c in comps:
        lines.append(
            f"| {c['setting']} | {c['model']} | {c['pairs']} | {c['delta']:+.2f} "
            f"| [{c['ci95'][0]:+.2f}, {c['ci95'][1]:+.2f}] | {c['p']:.3g} |"
        )
    return lines


def _fmt(x: float, metric: str) -> str:
    digits = 2 if metric in ("NIST", "CIDEr") else 1
    return "–" if pd.isna(x) else f"{x:.{digits}f}"


def _cell(r, m: str) -> str:
    sd = "" if pd.isna(r[f"{m}_sd"]) else f" ± {_fmt(r[f'{m}_sd'], m)}"
    if pd.isna(r[f"{m}_paper"]):
        return f"{_fmt(r[f'{m}_mean'], m)}{sd}"
    delta = f"{r[f'{m}_delta']:+.{2 if m in ('NIST', 'CIDEr') else 1}f}"
    return f"{_fmt(r[f'{m}_mean'], m)}{sd} ({_fmt(r[f'{m}_paper'], m)}; {delta})"


def markdown(summary: pd.DataFrame, spec: dict, comps: list[dict] = ()) -> str:
    head = (
        ["Setting", "Model", "Method", "n", "stored %"]
        + [LABELS[m] for m in METRICS]
        + ["paper row"]
    )
    lines = [
        f"# E2E test — scale: {spec['scale']}",
        "",
        f"Cells: ours mean ± sd over subsets × seeds (paper {spec['paper_source']}; ours − paper).",
        *[f"- {n}" for n in spec["notes"]],
        *(
            [
                f"- paper (low data, figure only): {c}"
                for c in paper_numbers()["lowdata_figure"]["claims"]
            ]
            if (summary["setting"] != "full data").any()
            else []
        ),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for _, r in summary.iterrows():
        cells = [r["setting"], r["model"], r["method"], str(r["n"]), f"{r['stored_pct']:.3g}"]
        cells += [_cell(r, m) for m in METRICS] + [r["paper_row"]]
        lines.append("| " + " | ".join(cells) + " |")
    lines += comparison_markdown(list(comps))
    return "\n".join(lines) + "\n"


def latex(summary: pd.DataFrame, spec: dict) -> str:
    cols = "lll" + "r" * len(METRICS)
    lines = [
        f"% E2E test, scale: {spec['scale']}. Cells: ours (paper).",
        f"\\begin{{tabular}}{{{cols}}}",
        "\\toprule",
        "Setting & Model & Method & " + " & ".join(LABELS[m] for m in METRICS) + " \\\\",
        "\\midrule",
    ]
    for _, r in summary.iterrows():
        vals = [f"{_fmt(r[f'{m}_mean'], m)} ({_fmt(r[f'{m}_paper'], m)})" for m in METRICS]
        esc = [
            str(x).replace("_", "\\_").replace("%", "\\%")
            for x in (r["setting"], r["model"], r["method"])
        ]
        lines.append(" & ".join(esc + vals) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


def build(spec: dict, out_prefix: str, results_dir: str = "results") -> pd.DataFrame:
    df = collect(spec["runs"], results_dir)
    summary = summarise(df)
    comps = comparisons(df, spec) if "tests" in spec else []
    write_text(f"{out_prefix}.md", markdown(summary, spec, comps))
    write_json(f"{out_prefix}.significance.json", comps)
    write_text(f"{out_prefix}.tex", latex(summary, spec))
    write_text(f"{out_prefix}.csv", summary.to_csv(index=False))
    return summary


if __name__ == "__main__":
    exhibit_main(build, __doc__.splitlines()[0])
