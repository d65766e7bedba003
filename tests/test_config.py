import copy

import pytest
import yaml

from pipeline import config as pconf
from tests.conftest import ROOT

CONFIGS = [
    "config/config.yaml",
    "config/demo.yaml",
    "config/smoke.yaml",
    "config/cpu-lowdata.yaml",
    "config/cpu-claims.yaml",
    "config/precision.yaml",
]


@pytest.mark.parametrize("path", CONFIGS)
def test_every_shipped_config_validates_and_expands(path):
    cfg = pconf.load(ROOT / path)
    runs = pconf.expand_runs(cfg)
    assert runs and len({r.path for r in runs}) == len(runs)


def smoke():
    with open(ROOT / "config/smoke.yaml") as f:
        return yaml.safe_load(f)


def test_a_mistyped_key_is_an_error_that_points_at_it():
    cfg = smoke()
    cfg["methods"]["prefix"]["learning_rate"] = 1e-3
    with pytest.raises(pconf.ConfigError) as e:
        pconf.validate(cfg)
    assert "config['methods']['prefix']" in str(e.value)
    assert "learning_rate" in str(e.value)


def test_a_wrong_type_is_an_error_that_points_at_it():
    cfg = smoke()
    cfg["decoding"]["num_beams"] = "five"
    with pytest.raises(pconf.ConfigError, match=r"config\['decoding'\]\['num_beams'\]"):
        pconf.validate(cfg)


def test_an_experiment_naming_an_undefined_model_is_an_error():
    cfg = smoke()
    cfg["experiments"]["lowdata"]["model"] = "gpt3"
    with pytest.raises(pconf.ConfigError, match="gpt3"):
        pconf.validate(cfg)


def test_defaults_are_filled_in():
    cfg = smoke()
    del cfg["evaluation"]
    pconf.validate(cfg)
    assert cfg["evaluation"]["e2e_protocol"] == "official"


def test_hyperparameters_merge_defaults_experiment_and_size():
    cfg = pconf.validate(copy.deepcopy(smoke()))
    cfg["experiments"]["lowdata"]["methods"]["prefix"]["by_size"] = {16: {"max_steps": 9}}
    runs = {r.path: r for r in pconf.expand_runs(cfg)}
    small = runs["lowdata/e2e/tiny-gpt2/prefix/low8s1/seed1"].hparams
    big = runs["lowdata/e2e/tiny-gpt2/prefix/low16s2/seed1"].hparams
    assert small["max_steps"] == 4 and big["max_steps"] == 9
    assert small["prefix_length"] == 5 and small["type"] == "prefix"
    assert runs["lowdata/e2e/tiny-gpt2/finetune/low8s1/seed1"].hparams["type"] == "finetune"


def test_runs_are_named_by_experiment_dataset_model_method_regime_seed():
    cfg = pconf.load(ROOT / "config/config.yaml")
    paths = {r.path for r in pconf.expand_runs(cfg)}
    assert "table2/e2e/gpt2-medium/prefix/full/seed101" in paths
    # the paper's low-data grid: 4 sizes x 5 subsets x 2 seeds x 2 methods
    assert sum(p.startswith("lowdata/") for p in paths) == 80


def test_a_data_set_under_another_name_names_its_release():
    cfg = smoke()
    assert pconf.validate(cfg)["datasets"]["xsum-sports"]["release"] == "xsum"
    assert cfg["datasets"]["dart"]["release"] == "dart"  # a release's own name is its release
    cfg = smoke()
    del cfg["datasets"]["xsum-sports"]["release"]
    with pytest.raises(
        pconf.ConfigError, match=r"\['xsum-sports'\]: 'xsum-sports' is not a known release"
    ):
        pconf.validate(cfg)
    cfg = smoke()
    cfg["datasets"]["dart"]["topic_split"] = "news-to-sports"  # XSUM's, not DART's
    with pytest.raises(pconf.ConfigError, match=r"\['dart'\]\['topic_split'\].*no topic splits"):
        pconf.validate(cfg)
    cfg = smoke()
    cfg["datasets"]["dart"].update(train_pool="dev", dev_subset={"every": 4})
    with pytest.raises(pconf.ConfigError, match=r"\['dart'\]\['dev_subset'\].*train_pool train"):
        pconf.validate(cfg)


def test_a_data_set_decoding_override_holds_only_what_it_changes():
    cfg = pconf.validate(smoke())
    assert "batch_size" not in cfg["datasets"]["xsum"]["decoding"]  # no schema defaults
    assert cfg["datasets"]["xsum"]["decoding"]["length_penalty"] == 0.8


def test_a_configuration_names_its_results_root():
    """results/<name>: the name: key, else the configuration file's stem."""
    assert pconf.config_name({"name": "mine"}, ["config/demo.yaml"]) == "mine"
    assert pconf.config_name({}, ["config/base.yaml", "config/demo.yaml"]) == "demo"
    assert pconf.config_name(pconf.load(ROOT / "config/config.yaml")) == "paper"
    with pytest.raises(pconf.ConfigError, match="name"):
        pconf.config_name({}, ["config/models.yaml"])  # results/models holds the shared models
    with pytest.raises(pconf.ConfigError, match="name"):
        pconf.config_name({})


def test_the_configuration_reference_is_the_schema():
    """config/README.md is generated from the schema: regenerate it after changing a key
    (python -m pipeline.config_docs > config/README.md)."""
    from pipeline.config_docs import render

    assert (ROOT / "config/README.md").read_text() == render()
