"""What the workflow's report rules need from a configuration: where each run's files are
(in this configuration's results root, or in its experiment's archive), which runs feed an
exhibit, the exhibit's spec (the runs and the notes its table or figure prints), and the
DAG's targets. Light imports only: the workflow calls this while it builds the DAG.

An exhibit's spec travels to its builder as a file (``results/<name>/specs/{stem}.json``,
written by the ``exhibit_spec`` rule), never as a command-line argument: the paper's low-data
figure alone is ~50 KB of JSON, and Linux caps one argument at 128 KiB.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.config import Run, experiment_precisions
from pipeline.data import registry
from pipeline.io import write_json
from pipeline.report.exhibits import exhibits
from pipeline.report.paper import paper_method

TABLE_EXT = ("md", "csv", "tex", "significance.json")
FIGURE_EXT = ("png", "pdf")


def run_dir(config: dict, run: Run, results: str) -> str:
    """An archived run (``archive:`` of its experiment) is read, not trained again."""
    archive = config["experiments"][run.experiment].get("archive")
    if archive and (Path(archive) / run.path / "test.metrics.json").exists():
        return f"{archive}/{run.path}"
    return os.path.join(results, "runs", run.path)


def scored(run_dir: str) -> bool:
    """Whether the run in ``run_dir`` has finished: its scores are its last output."""
    return Path(run_dir, "test.metrics.json").exists()


def finished(config: dict, run: Run, results: str) -> bool:
    return scored(run_dir(config, run, results))


def planned_runs(config: dict, runs: list[Run], exhibit: str) -> list[Run]:
    """The runs of the experiments that list ``exhibit``, finished or not."""
    experiments = config["experiments"]
    exps = {n for n, e in experiments.items() if exhibit in e.get("exhibits", [])}
    if exhibits()[exhibit].with_originals:
        exps |= {experiments[n]["repeat_of"] for n in exps if "repeat_of" in experiments[n]}
    return [r for r in runs if r.experiment in exps]


def exhibit_runs(config: dict, runs: list[Run], exhibit: str, results: str) -> list[Run]:
    """The runs of the experiments that list ``exhibit`` (only finished ones with
    ``report_finished_only``)."""
    chosen = planned_runs(config, runs, exhibit)
    if config["report_finished_only"]:
        chosen = [r for r in chosen if finished(config, r, results)]
    return chosen


def _notes(config: dict, runs: list[Run], results: str) -> list[str]:
    datasets = config["datasets"]
    notes = sorted(
        {
            f"{r.dataset}: training data drawn from the dev split (the staged data lack train); "
            "low-data dev splits use MRs disjoint from training"
            for r in runs
            if datasets[r.dataset]["train_pool"] == "dev"
        }
    )
    for r in runs:
        sub = datasets[r.dataset]["test_subset"]
        if sub:
            meta = os.path.join(results, "data", r.dataset, "meta.json")
            notes.append(f"{r.dataset}: scored on a test subset {sub} (see {meta})")
            break
    stagings = sorted(
        {
            registry.staging(datasets[r.dataset]["release"], datasets[r.dataset]["copy"])
            for r in runs
            if datasets[r.dataset]["release"] == "e2e"
        }
    )
    protocol = (
        f"; E2E text: {' + '.join(registry.get(s).text_note for s in stagings)}"
        f"; E2E metric protocol: {config['evaluation']['e2e_protocol']}"
        if stagings
        else ""
    )
    notes.append(f"model(s): {', '.join(sorted({r.model for r in runs}))}{protocol}")
    return notes


def exhibit_spec(config: dict, runs: list[Run], exhibit: str, results: str) -> dict:
    """What the exhibit's builder reads: title, paper source, kind, notes, test sets, runs."""
    chosen = exhibit_runs(config, runs, exhibit, results)
    ex = exhibits()[exhibit]
    datasets = config["datasets"]
    precisions = experiment_precisions(config)
    return {
        "scale": config["scale"],
        "title": ex.title,
        "paper_source": ex.paper_source,
        "kind": ex.stem if ex.figure else None,
        # every run the exhibit plans, finished or not: the builder sees which have finished
        # when it reads them (the precision study's verdicts wait for their own runs:
        # pipeline.report.precision.pending); the spec itself must not change as runs finish,
        # or every new invocation would rebuild it
        "planned": [
            {
                "path": r.path,
                "dir": run_dir(config, r, results),
                "experiment": r.experiment,
                "repeat_of": config["experiments"][r.experiment].get("repeat_of"),
                "precision": precisions[r.experiment],
                "type": r.hparams["type"],
                "init_words": r.hparams.get("init_words"),
            }
            for r in planned_runs(config, runs, exhibit)
        ],
        "notes": _notes(config, chosen, results),
        "tests": {
            d: os.path.join(results, "data", d, "test.jsonl")
            for d in sorted({r.dataset for r in chosen})
        },
        "runs": [
            {
                "path": r.path,
                "dir": run_dir(config, r, results),
                "dataset": r.dataset,
                "release": datasets[r.dataset]["release"],
                "topic_split": datasets[r.dataset]["topic_split"],
                "experiment": r.experiment,
                "repeat_of": config["experiments"][r.experiment].get("repeat_of"),
                "model": r.model,
                "method": r.method,
                "type": paper_method(r.hparams),
                "regime": r.regime,
                "size": r.size,
                "seed": r.seed,
                "prefix_length": r.hparams.get("prefix_length"),
                "init_words": r.hparams.get("init_words"),
            }
            for r in chosen
        ],
    }


def write_spec(path: str, spec: dict, log: str | None = None) -> None:
    write_json(path, spec)
    if log:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        Path(log).write_text(f"{path}: {len(spec['runs'])} runs\n")


def exhibit_inputs(config: dict, runs: list[Run], exhibit: str, results: str) -> list[str]:
    """Every file an exhibit reads: each run's scores, summary and outputs (the significance
    test rescores them), and the test sets."""
    chosen = exhibit_runs(config, runs, exhibit, results)
    files = [
        f"{run_dir(config, r, results)}/{name}"
        for r in chosen
        for name in ("test.metrics.json", "train.json", "test.hyp.txt")
    ]
    tests = sorted({os.path.join(results, "data", r.dataset, "test.jsonl") for r in chosen})
    return files + tests


def exhibit_files(exhibit: str, results: str) -> list[str]:
    ex = exhibits()[exhibit]
    if ex.figure:
        return [os.path.join(results, "figures", f"{ex.stem}.{e}") for e in FIGURE_EXT]
    return [os.path.join(results, "tables", f"{ex.stem}.{e}") for e in TABLE_EXT]


def targets(config: dict, runs: list[Run], results: str) -> list[str]:
    """What ``snakemake`` builds by default: every run's scores (or, with
    ``report_finished_only``, the finished ones), the data-set table, every exhibit with runs."""
    out = [
        f"{run_dir(config, r, results)}/test.metrics.json"
        for r in runs
        if not config["report_finished_only"] or finished(config, r, results)
    ]
    if config["datasets"]:
        out.append(os.path.join(results, "tables", "datasets.md"))
    for exhibit in exhibits():
        if exhibit_runs(config, runs, exhibit, results):
            out += exhibit_files(exhibit, results)
    return out
