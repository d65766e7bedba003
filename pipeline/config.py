"""Load and validate a configuration, and expand its experiments into runs.

The schema (``pipeline/schemas/config.schema.yaml``, linked from ``workflow/schemas/``)
documents every key. Unknown keys are errors with a pointer to the offending key, because a
mistyped hyper-parameter that silently falls back to its default would produce a plausible
but wrong reproduction.

An experiment is a grid: one data set x one model x methods x regimes x seeds. A run is one
cell of it and lives at ``results/<name>/runs/{exp}/{dataset}/{model}/{method}/{regime}/seed{seed}``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from pipeline import precision
from pipeline.data import registry
from pipeline.errors import PipelineError
from pipeline.report.exhibits import exhibits

# package data (workflow/schemas/config.schema.yaml links here, where Snakemake users look)
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "config.schema.yaml"


class ConfigError(PipelineError, ValueError):
    """A configuration that does not match the schema or refers to something undefined."""


def _load_schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        # libyaml's loader when present: the schema is parsed on every DAG build
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _fill_defaults(validator_class):
    """A validator that also writes the schema's defaults into the instance."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _pointer(error: jsonschema.ValidationError) -> str:
    return "config" + "".join(
        f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path
    )


def _expand_repeats(config: dict, source: str) -> None:
    """Fill each ``repeat_of`` experiment with its original's grid (what it does not set
    itself); the original's archive and exhibits stay the original's."""
    experiments = config.get("experiments")
    if not isinstance(experiments, dict):
        return  # the schema names what is wrong
    for name, exp in experiments.items():
        if not isinstance(exp, dict) or "repeat_of" not in exp:
            continue
        target = experiments.get(exp["repeat_of"])
        where = f"{source}: config['experiments'][{name!r}]['repeat_of'] = {exp['repeat_of']!r}"
        if not isinstance(target, dict):
            raise ConfigError(f"{where}: no such experiment ({', '.join(experiments)})")
        if "repeat_of" in target:
            raise ConfigError(f"{where}: that experiment is itself a repeat; name its original")
        inherited = {
            k: copy.deepcopy(v)
            for k, v in target.items()
            if k not in ("archive", "exhibits", "precision") and k not in exp
        }
        exp.update(inherited)


def validate(config: dict, source: str = "config") -> dict:
    """Validate ``config`` in place (filling defaults) and check cross-references."""
    _expand_repeats(config, source)
    schema = _load_schema()
    validator = _fill_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for e in errors[:10]:
            msg = e.message
            if e.validator == "additionalProperties":
                msg = f"unknown key: {msg} (see {SCHEMA_PATH.name} for the allowed keys)"
            lines.append(f"  {_pointer(e)}: {msg}")
        raise ConfigError(f"invalid configuration {source}:\n" + "\n".join(lines))
    known = registry.releases()
    for name, ds in config["datasets"].items():
        ds.setdefault("release", name)
        if ds["release"] not in known:
            where = "['release']" if "release" in ds and ds["release"] != name else ""
            raise ConfigError(
                f"{source}: config['datasets'][{name!r}]{where}: {ds['release']!r} is not a "
                f"known release ({', '.join(known)}; pipeline.data.registry): "
                f"name one with `release: ...`"
            )
        try:
            registry.staging(ds["release"], ds["copy"])
        except registry.UnknownRelease as e:
            raise ConfigError(f"{source}: config['datasets'][{name!r}]['copy']: {e}") from None
        if ds["dev_subset"] and ds["train_pool"] == "dev":
            raise ConfigError(
                f"{source}: config['datasets'][{name!r}]['dev_subset']: needs train_pool train "
                "(with train_pool dev the dev split is the training pool)"
            )
        splits = known[ds["release"]].topic_splits
        if ds["topic_split"] is not None and ds["topic_split"] not in splits:
            raise ConfigError(
                f"{source}: config['datasets'][{name!r}]['topic_split'] = {ds['topic_split']!r}: "
                f"release {ds['release']!r} has {', '.join(splits) or 'no topic splits'}"
            )
    known_methods = method_names()
    for mtype in config["methods"]:
        if mtype not in known_methods:
            raise ConfigError(
                f"{source}: config['methods'][{mtype!r}]: not a method "
                f"({', '.join(known_methods)}; pipeline.methods)"
            )
    known_exhibits = exhibits()
    for name, exp in config["experiments"].items():
        for exhibit in exp.get("exhibits", []):
            if exhibit not in known_exhibits:
                raise ConfigError(
                    f"{source}: config['experiments'][{name!r}]['exhibits']: {exhibit!r} is not "
                    f"an exhibit ({', '.join(known_exhibits)})"
                )
        if exp["model"] not in config["models"]:
            raise ConfigError(
                f"{source}: config['experiments'][{name!r}]['model'] = {exp['model']!r} "
                f"is not defined under config['models'] ({', '.join(config['models'])})"
            )
        if exp["dataset"] not in config["datasets"]:
            raise ConfigError(
                f"{source}: config['experiments'][{name!r}]['dataset'] = {exp['dataset']!r} "
                "has no entry under config['datasets']"
            )
        for method, over in exp["methods"].items():
            mtype = method_type(method, over)
            if mtype not in known_methods:
                raise ConfigError(
                    f"{source}: config['experiments'][{name!r}]['methods'][{method!r}] is of "
                    f"type {mtype!r}, not a method ({', '.join(known_methods)}; pipeline.methods)"
                )
            if mtype not in config["methods"]:
                raise ConfigError(
                    f"{source}: config['experiments'][{name!r}]['methods'][{method!r}] is of "
                    f"type {mtype!r}, which has no defaults under config['methods']"
                )
    return config


def experiment_precision(config: dict, name: str) -> str:
    """The precision an experiment's jobs are started with (``experiment_precisions``)."""
    return experiment_precisions(config)[name]


def experiment_precisions(config: dict) -> dict[str, str]:
    """Each experiment's precision: its own ``precision``, else the configuration's; ``auto``
    becomes ``auto:DESIGN`` (the job computes in that bf16 design where its device has bf16
    natively, else in fp32) only where the precision study found the design faithful for every
    method that the configuration's ``auto`` experiments train, and ``fp32`` otherwise
    (``pipeline.precision``), so the runs of one exhibit never differ in precision."""
    own = {name: _own_precision(config, exp) for name, exp in config["experiments"].items()}
    if "auto" in own.values():
        resolved = precision.auto_precision(_trained_under_auto(config))
        own = {name: resolved if p == "auto" else p for name, p in own.items()}
    return own


def _own_precision(config: dict, exp: dict) -> str:
    return exp.get("precision") or config["precision"]


def _trained_under_auto(config: dict) -> set[str]:
    """The methods (``precision.method_key``) the configuration trains under ``auto``."""
    auto = {n for n, e in config["experiments"].items() if _own_precision(config, e) == "auto"}
    return {
        precision.method_key(r.hparams["type"], r.hparams.get("init_words"))
        for r in expand_runs(config)
        if r.experiment in auto
    }


def auto_notice(config: dict) -> str | None:
    """One line when ``auto`` resolves to fp32 because of the study (not the device)."""
    trained = _trained_under_auto(config)
    if not trained or precision.auto_precision(trained) != "fp32":
        return None
    unproven = sorted(
        k for k in trained if not any(precision.bf16_faithful(k, d) for d in precision.DESIGNS)
    )
    return (
        "precision auto: fp32, since no bf16 design is shown faithful for "
        f"{', '.join(unproven) or 'all of ' + ', '.join(sorted(trained)) + ' at once'} "
        "(the precision study, docs/results/precision/)"
    )


def load(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a YAML mapping at the top level")
    return validate(config, source=str(path))


def config_name(config: dict, configfiles=()) -> str:
    """The name of a configuration's results root ``results/<name>``: its ``name:``, else the
    stem of the last configuration file it was read from (``config/demo.yaml`` -> ``demo``)."""
    if config.get("name"):
        return config["name"]
    if configfiles:
        name = Path(str(list(configfiles)[-1])).stem
        if name == "models" or not name[:1].isalnum():
            raise ConfigError(
                f"configuration file {name!r}: cannot name a results root (results/{name}); "
                "give the configuration a name: key"
            )
        return name
    raise ConfigError("the configuration has no name: key and no configuration file")


def method_names() -> list[str]:
    """The registered methods, one module each in pipeline/methods (named by file, so that
    planning the DAG does not import torch)."""
    folder = Path(__file__).resolve().parent / "methods"
    return sorted(p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "base"))


def method_type(name: str, overrides: dict | None = None) -> str:
    """``prefix-L5`` is of type ``prefix`` unless its overrides name a type."""
    if overrides and "type" in overrides:
        return overrides["type"]
    return name.split("-")[0]


@dataclass(frozen=True)
class Run:
    experiment: str
    dataset: str
    model: str
    method: str
    regime: str
    seed: int
    hparams: dict = field(compare=False, hash=False, repr=False)

    @property
    def path(self) -> str:
        return (
            f"{self.experiment}/{self.dataset}/{self.model}/{self.method}/"
            f"{self.regime}/seed{self.seed}"
        )

    @property
    def size(self) -> int | None:
        return lowdata_size(self.regime)


def lowdata_regime(size: int, subset: int) -> str:
    return f"low{size}s{subset}"


def lowdata_size(regime: str) -> int | None:
    if regime.startswith("low"):
        return int(regime[3:].split("s")[0])
    return None


def fraction_regime(percent: int) -> str:
    return f"pct{percent}"


def regimes(exp: dict) -> list[str]:
    """full | low{size}s{subset} (low-data grid) | pct{percent} (data-efficiency study)."""
    if exp.get("fractions"):
        return [fraction_regime(p) for p in exp["fractions"]]
    low = exp.get("lowdata")
    if not low:
        return ["full"]
    return [
        lowdata_regime(size, subset)
        for size in low["sizes"]
        for subset in range(1, low["subsets"] + 1)
    ]


def hparams(config: dict, exp: dict, method: str, regime: str) -> dict:
    """Method defaults <- experiment overrides <- per-size overrides."""
    over = exp["methods"][method] or {}
    mtype = method_type(method, over)
    merged = copy.deepcopy(config["methods"][mtype])
    by_size = {**merged.pop("by_size", {}), **(over.get("by_size") or {})}
    merged.update({k: v for k, v in over.items() if k != "by_size"})
    size = lowdata_size(regime)
    if size is not None and (str(size) in by_size or size in by_size):
        merged.update(by_size.get(str(size), by_size.get(size)))
    merged["type"] = mtype
    cap = config["datasets"].get(exp["dataset"], {}).get("max_source_tokens")
    if cap:  # a data-set property that shapes the inputs, so it belongs to the run's hparams
        merged["max_source_tokens"] = cap
    if config.get("token_layout", "compact") != "compact":  # so does the token layout
        merged["token_layout"] = config["token_layout"]
    return merged


def expand_runs(config: dict) -> list[Run]:
    runs = []
    for name, exp in config["experiments"].items():
        for method in exp["methods"]:
            for regime in regimes(exp):
                for seed in exp["seeds"]:
                    runs.append(
                        Run(
                            name,
                            exp["dataset"],
                            exp["model"],
                            method,
                            regime,
                            seed,
                            hparams(config, exp, method, regime),
                        )
                    )
    return runs


def find_run(config: dict, path: str) -> Run:
    for run in expand_runs(config):
        if run.path == path:
            return run
    raise ConfigError(f"no run {path!r} in this configuration")
