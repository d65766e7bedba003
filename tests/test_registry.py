"""Data-set releases: one module each, found by the registry; a new one needs nothing else."""

import random

import pytest
import yaml

from pipeline.data import registry
from tests.conftest import FIXTURES


def test_the_registry_knows_the_papers_releases_and_the_paper_copy_of_e2e():
    assert list(registry.releases()) == ["dart", "e2e", "webnlg", "xsum"]
    assert registry.staging("e2e", "paper") == "e2e-paper"
    assert registry.release_of("e2e-paper").name == "e2e"
    with pytest.raises(registry.UnknownRelease, match="known: dart, e2e, e2e-paper"):
        registry.get("e2e-cleaned")
    with pytest.raises(registry.UnknownRelease, match="no 'paper' copy of 'dart'"):
        registry.staging("dart", "paper")


@pytest.mark.parametrize("name", sorted(registry.stagings()))
def test_every_release_declares_a_whole_description(name):
    r = registry.get(name)
    assert {"train", "dev", "test"} <= set(r.splits)
    assert set(r.splits.values()) <= set(r.source.files), "every split file is staged"
    if r.copy_of:  # prepared and scored as its original
        return
    assert r.score is not None and r.columns and set(r.panels) <= set(r.columns)
    assert r.display and r.paper_table


def write_toy_mirror(root):
    rng = random.Random(0)
    foods = ["soup", "rice", "fish", "bread", "tea", "cake"]
    for split, n in (("train", 40), ("dev", 12), ("test", 8)):
        lines = []
        for _ in range(n):
            name, food = f"Place {rng.randint(1, 9)}", rng.choice(foods)
            lines.append(f"name : {name} | food : {food}\t{name} serves {food}.")
        (root / "toy").mkdir(parents=True, exist_ok=True)
        (root / "toy" / SPLIT_FILES[split]).write_text("\n".join(lines) + "\n")


SPLIT_FILES = {"train": "train.tsv", "dev": "dev.tsv", "test": "test.tsv"}


@pytest.mark.slow
def test_a_new_data_set_is_one_module_and_configuration(tmp_path):
    """Copy the toy module into pipeline/data/, name it in a configuration: the DAG stages,
    prepares, trains, decodes, scores and tabulates it; no other file changes."""
    from tests.test_workflow import copy_project, snakemake

    work = copy_project(tmp_path / "project")
    (work / "pipeline/data/toy.py").write_text((FIXTURES / "toy_release/toy.py").read_text())
    write_toy_mirror(tmp_path / "mirror")
    smoke = yaml.safe_load((work / "config/smoke.yaml").read_text())
    config = {
        "name": "toy",
        "scale": "toy",
        "data": {"mirror": str(tmp_path / "mirror"), "verify_canonical": False},
        "datasets": {"toy": {}},
        "models": {"tiny-gpt2": smoke["models"]["tiny-gpt2"]},
        "methods": smoke["methods"],
        "decoding": smoke["decoding"],
        "resources": smoke["resources"],
        "experiments": {
            "toy": {
                "dataset": "toy",
                "model": "tiny-gpt2",
                "methods": {"prefix": {"max_steps": 2, "batch_size": 4}},
                "seeds": [1],
                "exhibits": ["toy_table"],
            }
        },
    }
    (work / "config/toy.yaml").write_text(yaml.safe_dump(config))
    snakemake(work, "--cores", "2", "--configfile", "config/toy.yaml")
    table = (work / "results/toy/tables/toy.md").read_text()
    assert "Toy test" in table and "BLEU" in table
    metrics = yaml.safe_load(
        (
            work / "results/toy/runs/toy/toy/tiny-gpt2/prefix/full/seed1/test.metrics.json"
        ).read_text()
    )
    assert set(metrics["scores"]) == {"BLEU"} and metrics["instances"] == 8
