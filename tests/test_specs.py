"""What the report rules get from a configuration: run folders (results or archive), the
runs an exhibit reads, its spec, and the DAG's default targets."""

import copy
from pathlib import Path

import yaml

from pipeline import config as pconf
from pipeline.report import specs
from tests.conftest import ROOT


def smoke() -> dict:
    cfg = pconf.validate(yaml.safe_load((ROOT / "config/smoke.yaml").read_text()))
    return cfg


def test_an_exhibit_reads_the_runs_of_the_experiments_that_list_it():
    cfg = smoke()
    runs = pconf.expand_runs(cfg)
    lowdata = specs.exhibit_runs(cfg, runs, "lowdata_figure", "results/smoke")
    assert {r.experiment for r in lowdata} == {"lowdata"} and len(lowdata) == 8
    spec = specs.exhibit_spec(cfg, runs, "lowdata_figure", "results/smoke")
    assert spec["kind"] == "lowdata" and spec["title"] == "low-data"
    assert spec["tests"] == {"e2e": "results/smoke/data/e2e/test.jsonl"}
    run = spec["runs"][0]
    assert run["dir"] == f"results/smoke/runs/{run['path']}" and run["release"] == "e2e"
    assert spec["notes"][-1].startswith("model(s): tiny-gpt2; E2E text: the release CSVs")


def test_notes_say_when_training_data_come_from_dev_and_test_is_a_subset():
    cfg = smoke()
    cfg["datasets"]["e2e"].update(train_pool="dev", test_subset={"every": 2})
    spec = specs.exhibit_spec(cfg, pconf.expand_runs(cfg), "e2e_table", "results/x")
    assert any("drawn from the dev split" in n for n in spec["notes"])
    assert any(
        "test subset {'every': 2} (see results/x/data/e2e/meta.json)" in n for n in spec["notes"]
    )


def test_an_archived_run_is_read_from_the_archive(tmp_path):
    cfg = copy.deepcopy(smoke())
    cfg["experiments"]["lowdata"]["archive"] = str(tmp_path)
    runs = [r for r in pconf.expand_runs(cfg) if r.experiment == "lowdata"]
    archived = runs[0]
    (tmp_path / archived.path).mkdir(parents=True)
    (tmp_path / archived.path / "test.metrics.json").write_text("{}")
    assert specs.run_dir(cfg, archived, "results/s") == f"{tmp_path}/{archived.path}"
    assert specs.run_dir(cfg, runs[1], "results/s") == f"results/s/runs/{runs[1].path}"
    # report_finished_only: only the archived run counts, and it is what the DAG targets
    cfg["report_finished_only"] = True
    assert specs.exhibit_runs(cfg, runs, "lowdata_figure", "results/s") == [archived]
    targets = specs.targets(cfg, runs, "results/s")
    assert f"{tmp_path}/{archived.path}/test.metrics.json" in targets
    assert "results/s/figures/lowdata.png" in targets and "results/s/tables/e2e.md" in targets


def test_a_spec_stays_the_same_while_its_runs_finish(tmp_path):
    """The spec is a rule's params: if it changed as runs finished, every later invocation
    would rebuild every exhibit."""
    cfg = smoke()
    runs = pconf.expand_runs(cfg)
    results = str(tmp_path / "results")
    before = specs.exhibit_spec(cfg, runs, "e2e_table", results)
    for run in before["runs"]:
        Path(run["dir"]).mkdir(parents=True, exist_ok=True)
        Path(run["dir"], "test.metrics.json").write_text("{}")
    assert specs.exhibit_spec(cfg, runs, "e2e_table", results) == before
    assert {r["path"] for r in before["planned"]} == {r["path"] for r in before["runs"]}
