# Input and parameter helpers. The configuration is validated and expanded into runs by
# pipeline.config; this file only turns runs into paths.

import copy
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)

from pipeline import config as pconf
from pipeline.data import registry
from pipeline.report import specs
from pipeline.report.exhibits import exhibits

# Snakemake merges --configfile over the default config.yaml; a configuration must stand
# alone (a demo must not inherit the paper's experiments), so keep only what the command
# line gave (its --configfile files and --config values).
if workflow.overwrite_configfiles:
    config.clear()
    config.update(copy.deepcopy(workflow.config_settings.overwrite_config))
pconf.validate(
    config,
    source=", ".join(map(str, workflow.overwrite_configfiles)) or "config/config.yaml",
)

RUNS = pconf.expand_runs(config)
AUTO_NOTICE = pconf.auto_notice(config)
if AUTO_NOTICE:
    print(AUTO_NOTICE, file=sys.stderr)
RUN_BY_PATH = {r.path: r for r in RUNS}

# Each configuration has its own results root (results/<name>), so that any number of them
# live side by side in one working directory; models (results/models) and staged releases
# (resources/) are shared, being defined by their names alone.
NAME = pconf.config_name(config, workflow.overwrite_configfiles)
RESULTS = f"results/{NAME}"
RUN_ID = "{experiment}/{dataset}/{model}/{method}/{regime}/seed{seed}"
RUN = f"runs/{RUN_ID}"


def out(*parts):
    """A path under this configuration's results root."""
    return os.path.join(RESULTS, *parts)


def logs(*parts):
    """A log path: logs/<name>/..."""
    return os.path.join("logs", NAME, *parts)


wildcard_constraints:
    experiment="[^/]+",
    dataset="[^/]+",
    model="[^/]+",
    method="[^/]+",
    regime="full|low[0-9]+s[0-9]+|pct[0-9]+",
    release="|".join(map(re.escape, registry.stagings())),
    seed="[0-9]+",


def run_of(w):
    path = f"{w.experiment}/{w.dataset}/{w.model}/{w.method}/{w.regime}/seed{w.seed}"
    try:
        return RUN_BY_PATH[path]
    except KeyError:
        raise ValueError(f"no run {path!r} in this configuration") from None


def as_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def dataset_cfg(dataset):
    return config["datasets"][dataset]


def release_of(dataset):
    """The release a data set is prepared from (its name, or its `release:`)."""
    return dataset_cfg(dataset)["release"]


def staging_of(dataset):
    """The staged files a data set is prepared from (its release, or the paper's copy)."""
    ds = dataset_cfg(dataset)
    return registry.staging(ds["release"], ds["copy"])


def release_files(staged):
    """The files every configured data set of a staging needs, staged once."""
    files = {
        name: None
        for d, ds in config["datasets"].items()
        if staging_of(d) == staged
        for name in registry.get(staged).needs_files(
            ds["train_pool"], ds["topic_split"]
        )
    }
    return list(files)


def datasets_where(holds):
    """A wildcard pattern matching the configured data sets whose release ``holds``."""
    names = [d for d in config["datasets"] if holds(release_of(d))]
    return "|".join(map(re.escape, names)) or "(?!)"  # (?!): matches nothing


# each experiment's precision: its own, else the configuration's; auto as the precision study
# ruled (pipeline.config.experiment_precision), decided once for the whole DAG
PRECISION = pconf.experiment_precisions(config)


def placement(w):
    """Where a training or decoding job runs and in which precision (pipeline.device)."""
    return f"--device {config['device']} --precision {PRECISION[w.experiment]}"


def train_runtime(w):
    """An experiment's own time limit per training job, else the configuration's."""
    exp = config["experiments"][w.experiment]
    return exp.get("train_runtime_min") or config["resources"]["train_runtime_min"]


def processes(w):
    return config["experiments"][w.experiment]["processes"]


def launcher(w):
    """How a job of this run starts its entry point: one process, or torchrun with N."""
    n = processes(w)
    if n == 1:
        return "python -m"
    return f"torchrun --standalone --nproc-per-node {n} -m"


def per_process(key):
    """A per-process resource (GPUs, threads) times the run's processes."""
    return lambda w: config["resources"][key] * processes(w)


def keeps_weights(w):
    return config["experiments"][w.experiment]["keep_weights"]


def decoding_of(dataset):
    """The top-level decoding settings with the data set's own overrides (XSUM's beam 6...)."""
    return {**config["decoding"], **dataset_cfg(dataset).get("decoding", {})}


def train_inputs(w):
    base = out("data", w.dataset)
    if w.regime == "full":
        return {"train": f"{base}/train.jsonl", "dev": f"{base}/dev.jsonl"}
    if w.regime.startswith("pct"):
        return {
            "train": f"{base}/fractions/{w.regime}/train.jsonl",
            "dev": f"{base}/fractions/{w.regime}/dev.jsonl",
        }
    return {
        "train": f"{base}/lowdata/{w.regime}/train.jsonl",
        "dev": f"{base}/lowdata/{w.regime}/dev.jsonl",
    }


def lowdata_fraction(w):
    for exp in config["experiments"].values():
        if exp["dataset"] == w.dataset and exp.get("lowdata"):
            return exp["lowdata"]["dev_fraction"]
    return 0.3


def run_dir(r):
    """An archived run (``archive:`` of its experiment) is read, not trained again."""
    return specs.run_dir(config, r, RESULTS)


def exhibit_runs(exhibit):
    return specs.exhibit_runs(config, RUNS, exhibit, RESULTS)


def exhibit_inputs(exhibit):
    return specs.exhibit_inputs(config, RUNS, exhibit, RESULTS)


# exhibit -> (output stem, title, paper source, figure?): one table per release + the rest
EXHIBITS = exhibits()
TABLE_STEMS = "|".join(v.stem for v in EXHIBITS.values() if not v.figure)
FIGURE_STEMS = "|".join(v.stem for v in EXHIBITS.values() if v.figure)


def exhibit_of(stem):
    return next(e for e, v in EXHIBITS.items() if v[0] == stem)


# the tokenizer the data-set table counts in: the first experiment's model
STATS_MODEL = next(
    (e["model"] for e in config["experiments"].values()), next(iter(config["models"]))
)


def all_targets():
    return specs.targets(config, RUNS, RESULTS)
