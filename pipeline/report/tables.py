"""A paper table: our scores (mean +- sd over subsets x seeds) beside the paper's numbers,
one section per data set in the table's own columns (E2E, WebNLG and DART: Table 2 and, for
E2E, Table 5; XSUM: Table 3).

Usage: python -m pipeline.report.tables --spec JSON --out-prefix results/tables/e2e
       (writes .md, .csv, .tex and .significance.json)

``--spec`` holds the runs behind the table, the scale label and the data notes, so the
table can never be mistaken for a paper-scale one when it comes from a CPU demo.
"""

from __future__ import annotations

import pandas as pd

from pipeline.data import registry
from pipeline.io import read_jsonl, read_lines, write_json, write_text
from pipeline.report.cli import exhibit_main
from pipeline.report.collect import (
    LABELS,
    collect,
    columns,
    digits,
    init_labels,
    machine_note,
    precision_note,
)
from pipeline.report.paper import ABLATIONS, paper_numbers, paper_row, paper_rows
from pipeline.report.significance import paired_bootstrap, sd, spread_test


def setting(regime: str, size) -> str:
    return "full data" if regime == "full" else f"{int(size)} examples"


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (data set, model, method, setting): mean, sd, paper value and difference
    of each of the data set's columns (other data sets' columns stay empty)."""
    df = df.assign(
        setting=[setting(r, s) for r, s in zip(df["regime"], df["size"])],
        order=df["size"].fillna(10**9),
    )
    for col in ("prefix_length", "topic_split", "release"):
        if col not in df:
            df = df.assign(**{col: df["dataset"] if col == "release" else None})
    rows = []
    # Table 5 exists at full data only: a low-data setting where its ablations ran is set beside
    # it (and its prefix beside the paper's PREFIX), labelled as the paper's full-data numbers
    ablated = {
        (d, s)
        for d, s, t in zip(df["dataset"], df["setting"], df["type"])
        if t.split("-")[0] in ABLATIONS
    }
    keys = ["dataset", "model", "method", "type", "setting", "order"]
    for (dataset, model, method, mtype, sett, order), g in df.groupby(keys, sort=False):
        release, split = g["release"].iloc[0], g["topic_split"].iloc[0]
        split = None if pd.isna(split) else split
        metrics = columns(release)
        length = g["prefix_length"].iloc[0]
        length = None if pd.isna(length) else length
        pm, prow, paper = paper_row(model, mtype, release, length, split)
        if sett != "full data" and (dataset, sett) in ablated:
            prow = f"{prow} (full data)"  # e.g. "EMB-10 (Table 5) (full data)"
        elif sett != "full data":
            # the paper shows low-data results only as a figure (Fig. 3): no number to set
            # beside ours, and the full-data row would mislead
            prow, paper = "low-data: Fig. 3 only (no numbers)", {m: float("nan") for m in metrics}
        out = {
            "dataset": dataset,
            "release": release,
            "topic_split": split,
            "model": model,
            "method": method,
            "setting": sett,
            "order": order,
            "n": len(g),
            "paper_row": f"{pm} {prow}",
            "stored_pct": g["stored_pct"].iloc[0],
        }
        for m in metrics:
            out[f"{m}_mean"] = g[m].mean()
            out[f"{m}_sd"] = g[m].std(ddof=1) if len(g) > 1 else float("nan")
            out[f"{m}_paper"] = paper[m]
            out[f"{m}_delta"] = out[f"{m}_mean"] - paper[m]
        rows.append(out)
    rows += not_run_rows(rows)
    return (
        pd.DataFrame(rows)
        .sort_values(["release", "dataset", "order", "model", "method"], key=_release_order)
        .drop(columns="order")
    )


def not_run_rows(rows: list[dict]) -> list[dict]:
    """The paper's rows that no run of this configuration compares to: ours "not run", the
    paper's value shown, so a table never hides a cell or copies a number."""
    out = []
    for dataset, release, split in dict.fromkeys(
        (r["dataset"], r["release"], r["topic_split"]) for r in rows
    ):
        shown = {r["paper_row"] for r in rows if r["dataset"] == dataset}
        for pm, label, numbers in paper_rows(release, split):
            if f"{pm} {label}" in shown:
                continue
            out.append(
                {
                    "dataset": dataset,
                    "release": release,
                    "topic_split": split,
                    "model": f"({pm})",
                    "method": label,
                    "setting": "full data",
                    "order": 10**10,  # after our own rows
                    "n": 0,
                    "paper_row": f"{pm} {label}",
                    "stored_pct": float("nan"),
                    **{f"{m}_mean": float("nan") for m in numbers},
                    **{f"{m}_sd": float("nan") for m in numbers},
                    **{f"{m}_paper": v for m, v in numbers.items()},
                    **{f"{m}_delta": float("nan") for m in numbers},
                }
            )
    return out


def _release_order(col: pd.Series) -> pd.Series:
    return col.map(registry.order) if col.name == "release" else col


def _labels(g: pd.DataFrame) -> pd.Series:
    """A run's method as the comparisons name it: its method name, with its experiment
    where two experiments of one setting use the same name."""
    per_name = g.groupby("method")["experiment"].nunique()
    return pd.Series(
        [m if per_name[m] == 1 else f"{e}:{m}" for m, e in zip(g["method"], g["experiment"])],
        index=g.index,
    )


# The paper's claims as method families A − B (a run's family: its paper method's first word,
# so adapter-small is an adapter and emb-10 an embedding-only prefix)
CLAIMS = (
    ("prefix", "finetune"),  # Tables 2-3, Fig. 3: prefix-tuning against fine-tuning
    ("adapter", "finetune"),  # Table 2: adapters (3%) extrapolate about as prefix-tuning does
    ("emb", "prefix"),  # Table 5: an embedding-only prefix against the full prefix
    ("infix", "prefix"),  # Table 5: infix slots against the prefix
)


def contrasts(g: pd.DataFrame, labels: pd.Series) -> list[tuple[str, str]]:
    """The method pairs one setting compares: each of the paper's ``CLAIMS`` whose two
    families both ran (every method of A against every method of B) and, where a randomly
    initialised prefix ran beside word-initialised ones, each of those against it (Fig. 5)."""

    def of(mask) -> list[str]:
        return sorted(set(labels[mask]))

    family = g["type"].str.split("-").str[0]
    pairs = [(a, b) for fa, fb in CLAIMS for a in of(family == fa) for b in of(family == fb)]
    prefix = g["type"] == "prefix"
    worded = prefix & (init_labels(g) != "random")
    pairs += [(a, b) for a in of(worded) for b in of(prefix & ~worded)]
    return pairs


def tracks(tests: list[dict]) -> dict[str, list[int]]:
    """The test instances each BLEU of a table counts: all of them, and where the test set
    marks tracks (WebNLG: seen / unseen categories), each track too, named as the scorer
    names its columns (BLEU, BLEU_all, BLEU_seen, ...)."""
    marked = [t.get("track") for t in tests]
    if not any(marked):
        return {"BLEU": list(range(len(tests)))}
    out = {"BLEU_all": list(range(len(tests)))}
    for track in sorted({m for m in marked if m}):
        out[f"BLEU_{track}"] = [i for i, m in enumerate(marked) if m == track]
    return out


POOLED = "low data, all sizes"


def comparisons(df: pd.DataFrame, spec: dict) -> list[dict]:
    """Paired bootstrap of each ``contrasts`` pair per (data set, model, setting), and over
    all low-data sizes together (the paper's "on average"): runs are paired by training regime
    (size and subset) and seed; unpaired runs are left out and counted."""
    out = []
    tests = {}
    df = df.assign(setting=[setting(r, s) for r, s in zip(df["regime"], df["size"])])
    for (dataset, model), d in df.groupby(["dataset", "model"], sort=False):
        release = d["release"].iloc[0] if "release" in d else dataset
        statistics = registry.release_of(release).bleu_statistics
        if statistics is None:  # a release whose BLEU the bootstrap cannot recount (XSUM)
            continue
        if dataset not in tests:
            tests[dataset] = read_jsonl(spec["tests"][dataset])
        groups = list(d.groupby("setting", sort=False))
        low = d[d["size"].notna()]  # a training size: a low-data regime (config.lowdata_size)
        if low["size"].nunique() > 1:
            groups.append((POOLED, low))
        for sett, g in groups:
            for metric, idx in tracks(tests[dataset]).items():
                refs = [tests[dataset][i]["refs"] for i in idx]
                for res in _contrast(g, refs, idx, statistics):
                    size = g["size"].iloc[0] if sett != POOLED else None
                    res.update(
                        {
                            "dataset": dataset,
                            "model": model,
                            "setting": sett,
                            "size": None if pd.isna(size) else int(size),
                            "metric": metric,
                        }
                    )
                    out.append(res)
    return sorted(
        out,
        key=lambda r: (r["dataset"], r["model"], r["size"] or 10**9, r["b"], r["a"], r["metric"]),
    )


def _contrast(
    g: pd.DataFrame, references: list[list[str]], instances: list[int], statistics
) -> list[dict]:
    """The bootstrap of every ``contrasts`` pair of one group of runs; a pooled group's pair
    whose runs all come from one size repeats that size's and is skipped."""
    labels = _labels(g)
    pooled = g["size"].nunique() > 1
    out = []
    for a, b in contrasts(g, labels):
        runs_a = {(r["regime"], r["seed"]): r for _, r in g[labels == a].iterrows()}
        runs_b = {(r["regime"], r["seed"]): r for _, r in g[labels == b].iterrows()}
        keys = sorted(runs_a.keys() & runs_b.keys())
        if not keys or (pooled and len({runs_a[k]["size"] for k in keys}) < 2):
            continue
        pairs = [
            (
                _outputs(runs_a[k]["dir"], instances),
                _outputs(runs_b[k]["dir"], instances),
            )
            for k in keys
        ]
        # a subset's seeds share its training data: the two-level bootstrap draws subsets
        clusters = [regime for regime, _ in keys]
        res = paired_bootstrap(pairs, references, clusters=clusters, statistics=statistics)
        res["spread"] = (
            spread_test(res["bleu_a"], res["bleu_b"])
            if not pooled
            else {"sd_a": None, "sd_b": None, "p": None, "note": "sizes pooled: no spread test"}
        )
        res.update(
            {
                "a": a,
                "b": b,
                "unpaired": len(runs_a) + len(runs_b) - 2 * len(keys),
                # a pair's two runs should share a machine (rounding differs between CPU kinds)
                "across_machines": sum(runs_a[k]["machine"] != runs_b[k]["machine"] for k in keys),
            }
        )
        out.append(res)
    return out


def _outputs(run_dir: str, instances: list[int]) -> list[str]:
    hyps = read_lines(f"{run_dir}/test.hyp.txt")
    return [hyps[i] for i in instances]


def comparison_markdown(comps: list[dict]) -> list[str]:
    if not comps:
        return []
    lines = [
        "",
        "## Contrasts: paired bootstrap over test instances, and over subsets too",
        "",
        "Runs paired by subset and seed; BLEU difference of the paired means (A − B), "
        f"{comps[0]['resamples']} resamples (seed {comps[0]['seed']}), two-sided p. "
        "95% CI, p: test instances resampled, these runs held fixed (do these runs differ by "
        "more than test-set noise?); runs too: the training subsets resampled as well, each "
        "with its seeds (would the difference hold for other subsets and seeds? rough with "
        "few subsets); subsets: how many. "
        "A better: the pairs in which A scores higher; sd Δ: of the pairs' differences; "
        "sd A / sd B: of each side's runs, and whether they differ (spread p: Brown-Forsythe "
        f"by permutation, from 3 runs a side). {POOLED!r}: every low-data pair of every size "
        "at once. The paper reports no test.",
    ]
    # a test set with tracks (WebNLG: seen / unseen categories) is tested on each track
    by_track = any(c["metric"] != "BLEU" for c in comps)
    if by_track:
        lines[-1] += " Test: the instances BLEU counts (all, or one track: BLEU_seen, ...)."
    lines += [
        "",
        "| Setting | Model | A − B |"
        + (" Test |" if by_track else "")
        + " pairs | Δ BLEU | 95% CI | p | 95% CI, runs too "
        "| p, runs too | subsets | A better | sd Δ | sd A / sd B | spread p |",
        "|---|---|---|"
        + ("---|" if by_track else "")
        + "---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comps:
        pairs = str(c["pairs"])
        if c.get("across_machines"):
            pairs += f" ({c['across_machines']} across machines)"
        spread = c["spread"]
        lines.append(
            f"| {c['setting']} | {c['model']} | {c['a']} − {c['b']} "
            + (f"| {c['metric']} " if by_track else "")
            + f"| {pairs} "
            f"| {c['delta']:+.2f} | {_ci(c['ci95'])} | {c['p']:.3g} "
            f"| {_ci(c['ci95_runs'])} | {c['p_runs']:.3g} | {c['clusters']} "
            f"| {c['a_better']} of {c['pairs']} | {_num(sd(c['pair_deltas']))} "
            f"| {_num(spread['sd_a'])} / {_num(spread['sd_b'])} "
            f"| {'–' if spread['p'] is None else format(spread['p'], '.3g')} |"
        )
    return lines


def _ci(ci: list[float]) -> str:
    return f"[{ci[0]:+.2f}, {ci[1]:+.2f}]"


def _num(x: float | None) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:.2f}"


def _fmt(x: float, metric: str, dataset: str) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits(metric, dataset)}f}"


def section_title(r) -> str:
    """``XSUM test`` or, for a topic split, ``XSUM news-to-sports (xsum-sports)``."""
    name = registry.release_of(r["release"]).display
    if isinstance(r["topic_split"], str):  # None becomes NaN in a DataFrame
        return f"{name} {r['topic_split']} ({r['dataset']})"
    return f"{name} test" if r["dataset"] == r["release"] else f"{name} test ({r['dataset']})"


def _ours(r, m: str) -> str:
    return "not run" if r["n"] == 0 else _fmt(r[f"{m}_mean"], m, r["release"])


def _cell(r, m: str) -> str:
    d = r["release"]
    if r["n"] == 0:
        return f"not run ({_fmt(r[f'{m}_paper'], m, d)})"
    sd = "" if pd.isna(r[f"{m}_sd"]) else f" ± {_fmt(r[f'{m}_sd'], m, d)}"
    if pd.isna(r[f"{m}_paper"]):
        return f"{_fmt(r[f'{m}_mean'], m, d)}{sd}"
    delta = f"{r[f'{m}_delta']:+.{digits(m, d)}f}"
    return f"{_fmt(r[f'{m}_mean'], m, d)}{sd} ({_fmt(r[f'{m}_paper'], m, d)}; {delta})"


def markdown(summary: pd.DataFrame, spec: dict, comps: list[dict] = ()) -> str:
    lines = [
        f"# {spec.get('title', 'E2E test')} — scale: {spec['scale']}",
        "",
        f"Cells: ours mean ± sd over subsets × seeds (paper {spec['paper_source']}; ours − paper); "
        "a paper row this configuration did not run: not run (paper).",
        *[f"- {n}" for n in spec["notes"]],
        *(
            [
                f"- paper (low data, figure only): {c}"
                for c in paper_numbers()["lowdata_figure"]["claims"]
            ]
            if (summary["setting"] != "full data").any()
            else []
        ),
    ]
    for _, part in summary.groupby("dataset", sort=False):
        metrics = list(columns(part["release"].iloc[0]))
        head = ["Setting", "Model", "Method", "n", "stored %"] + [LABELS[m] for m in metrics]
        lines += ["", f"## {section_title(part.iloc[0])}", ""]
        lines += ["| " + " | ".join(head + ["paper row"]) + " |", "|" + "---|" * (len(head) + 1)]
        for _, r in part.iterrows():
            stored = "–" if pd.isna(r["stored_pct"]) else f"{r['stored_pct']:.3g}"
            cells = [r["setting"], r["model"], r["method"], str(r["n"]), stored]
            cells += [_cell(r, m) for m in metrics] + [r["paper_row"]]
            lines.append("| " + " | ".join(cells) + " |")
    lines += comparison_markdown(list(comps))
    return "\n".join(lines) + "\n"


def latex(summary: pd.DataFrame, spec: dict) -> str:
    """booktabs, one tabular per data set. Cells: ours (paper)."""
    lines = [f"% {spec.get('title', 'E2E test')}, scale: {spec['scale']}. Cells: ours (paper)."]
    for _, part in summary.groupby("dataset", sort=False):
        release = part["release"].iloc[0]
        metrics = list(columns(release))
        lines += [
            f"% {section_title(part.iloc[0])}",
            f"\\begin{{tabular}}{{lll{'r' * len(metrics)}}}",
            "\\toprule",
            "Setting & Model & Method & " + " & ".join(LABELS[m] for m in metrics) + " \\\\",
            "\\midrule",
        ]
        for _, r in part.iterrows():
            vals = [f"{_ours(r, m)} ({_fmt(r[f'{m}_paper'], m, release)})" for m in metrics]
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
    spec = {**spec, "notes": [*spec["notes"], precision_note(df), machine_note(df)]}
    write_text(f"{out_prefix}.md", markdown(summary, spec, comps))
    write_json(f"{out_prefix}.significance.json", comps)
    write_text(f"{out_prefix}.tex", latex(summary, spec))
    write_text(f"{out_prefix}.csv", summary.to_csv(index=False))
    return summary


if __name__ == "__main__":
    exhibit_main(build, __doc__.splitlines()[0])
