"""The whole DAG: the smoke configuration end to end, and the paper configuration's plan."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

COPY = ["Snakefile", "workflow", "pipeline", "config", "profiles", "envs", "tests/fixtures"]


def copy_project(dest: Path) -> Path:
    """What a fresh checkout needs to run the DAG, copied to ``dest``."""
    for item in COPY:
        src = ROOT / item
        (dest / item).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / item)
    return dest


def snakemake(cwd: Path, *args: str, check=True) -> subprocess.CompletedProcess:
    bindir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(cwd), "TOKENIZERS_PARALLELISM": "false"}
    res = subprocess.run(
        [f"{bindir}/snakemake", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and res.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
        )
    return res


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    work = copy_project(tmp_path_factory.mktemp("smoke"))
    snakemake(work, "--cores", "2", "--configfile", "config/smoke.yaml")
    return work


EXHIBITS = [
    f"results/smoke/tables/{t}.{ext}"
    for t in ("e2e", "webnlg", "dart", "xsum")
    for ext in ("md", "csv", "tex", "significance.json")
] + [
    f"results/smoke/figures/{f}.{ext}"
    for f in ("lowdata", "prefix_length", "init")
    for ext in ("png", "pdf")
]


@pytest.mark.slow
def test_the_smoke_dag_builds_every_exhibit(smoke_run):
    for f in EXHIBITS:
        assert (smoke_run / f).stat().st_size > 0, f
    table = (smoke_run / "results/smoke/tables/e2e.md").read_text()
    assert "scale: smoke" in table
    # low-data cells: the paper has a figure, not numbers -- its claim is quoted, no row copied
    low = [ln for ln in table.splitlines() if ln.startswith(("| 8 examples", "| 16 examples"))]
    assert "Fig. 3 only" in table and "2.9 BLEU" in table and low
    assert not any("70.3" in ln for ln in low)
    # paper rows this configuration did not run are listed as such, never blank
    assert "| (GPT-2 M) | FT-FULL | 0 | – | not run (68.8) |" in table
    # prefix vs fine-tuning per size, paired by subset and seed (2 subsets x 1 seed)
    assert "paired bootstrap" in table
    assert table.count("| tiny-gpt2 | prefix − finetune | 2 |") == 2
    # each data set in its own columns, beside its own paper table
    assert (
        "| BLEU S | BLEU U | BLEU A |" in (smoke_run / "results/smoke/tables/webnlg.md").read_text()
    )
    xsum = (smoke_run / "results/smoke/tables/xsum.md").read_text()
    assert "| R-1 | R-2 | R-L |" in xsum and "BART-L FT-FULL (Lewis et al., 2020)" in xsum


@pytest.mark.slow
def test_every_run_has_outputs_for_every_test_instance(smoke_run):
    runs = list((smoke_run / "results/smoke/runs").glob("*/e2e/tiny-gpt2/*/*/seed1"))
    # the low-data grid + fttop2, adapter, emb, infix once each + two initialisations
    assert len(runs) == 8 + 4 + 2
    n_test = sum(1 for _ in open(smoke_run / "results/smoke/data/e2e/test.jsonl"))
    for run in runs:
        assert len((run / "test.hyp.txt").read_text().split("\n")) - 1 == n_test
        assert (run / "test.metrics.json").exists()


@pytest.mark.slow
def test_a_second_invocation_has_nothing_to_do(smoke_run):
    res = snakemake(smoke_run, "-n", "--configfile", "config/smoke.yaml")
    assert "Nothing to be done" in res.stdout + res.stderr


@pytest.mark.slow
def test_configurations_live_side_by_side(smoke_run):
    """Another configuration, whose E2E data differ (training pool, test subset), runs in the
    same working directory without touching the smoke results: switching back reruns nothing."""
    import yaml

    other = yaml.safe_load((smoke_run / "config/smoke.yaml").read_text())
    other["datasets"] = {"e2e": {"train_pool": "dev", "test_subset": {"every": 2}}}
    exp = other["experiments"]["lowdata"]
    exp.update(methods={"prefix": exp["methods"]["prefix"]}, exhibits=["e2e_table"])
    exp["lowdata"] = {"sizes": [8], "subsets": 1}
    other["experiments"] = {"lowdata": exp}
    (smoke_run / "config/other.yaml").write_text(yaml.safe_dump(other))
    snakemake(smoke_run, "--cores", "2", "--configfile", "config/other.yaml")

    def n_test(name):
        return len((smoke_run / f"results/{name}/data/e2e/test.jsonl").read_text().splitlines())

    assert n_test("other") == (n_test("smoke") + 1) // 2  # its own data, beside the smoke's
    assert (smoke_run / "results/other/tables/e2e.md").exists()
    for name in ("other", "smoke"):
        res = snakemake(smoke_run, "-n", "--configfile", f"config/{name}.yaml")
        assert "Nothing to be done" in res.stdout + res.stderr, (name, res.stdout[-2000:])


@pytest.mark.slow
def test_a_single_exhibit_is_a_target_of_its_own(smoke_run):
    res = snakemake(
        smoke_run,
        "-n",
        "results/smoke/figures/lowdata.png",
        "--forcerun",
        "figure",
        "--configfile",
        "config/smoke.yaml",
    )
    out = res.stdout + res.stderr
    assert "rule figure:" in out and "figure=lowdata" in out
    assert "rule train" not in out and "rule table:" not in out


def two_processes(smoke: str) -> str:
    """The smoke configuration with its low-data experiment on 2 processes of 1 GPU each."""
    two = smoke.replace(
        "resources: {train_threads: 1,", "resources: {train_gpu: 1, train_threads: 1,"
    ).replace(
        "    lowdata: {sizes: [8, 16], subsets: 2}\n",
        "    lowdata: {sizes: [8, 16], subsets: 2}\n    processes: 2\n",
    )
    assert two.count("processes: 2") == 1 and "train_gpu: 1" in two
    return two


def test_an_experiment_of_n_processes_launches_torchrun_and_asks_for_n_gpus(tmp_path):
    two = two_processes((ROOT / "config/smoke.yaml").read_text())
    (tmp_path / "two.yaml").write_text(two)
    target = "results/two/runs/lowdata/e2e/tiny-gpt2/prefix/low8s1/seed1/test.hyp.txt"
    res = snakemake(ROOT, "-n", "-p", target, "--configfile", str(tmp_path / "two.yaml"))
    out = res.stdout + res.stderr
    train = out.split("rule train:")[1].split("rule ")[0]
    decode = out.split("rule decode:")[1].split("rule ")[0]
    assert "torchrun --standalone --nproc-per-node 2 -m pipeline.train" in train
    assert "torchrun --standalone --nproc-per-node 2 -m pipeline.decode" in decode
    # gpu=2 (SLURM's --gpus) whatever the workstation's local_gpus cap (1 in the default profile)
    assert " gpu=2" in train and "threads: 2" in train and "--threads 1 " in train
    assert "mem_mb=2000" in train  # train_mem_mb (1000) per process


def test_the_paper_configuration_plans_offline():
    res = snakemake(ROOT, "-n", "--printshellcmds")
    out = res.stdout + res.stderr
    out = out[out.index("Job stats:") :]
    # hub models at pinned commits; XSUM staged once, from the hub's parquet export
    assert 'openai-community/gpt2-medium","revision":"6dcaa7a952f72f9298047fd5137cd6e4' in out
    assert 'facebook/bart-large","revision":"cb48c1365bd826bd521f650dc2e0940aee5472' in out
    assert out.count("pipeline.data.download --dataset xsum ") == 1
    # every training job asks for a GPU, with its experiment's own time limit
    trains = out.split("rule train:")[1:]
    assert all("gpu=1" in t.split("Shell command")[0] for t in trains)
    assert {"runtime=1440", "runtime=30"} <= {
        w.rstrip(",")
        for t in trains
        for w in t.split("Shell command")[0].split()
        if "runtime=" in w
    }
    assert all("--device auto --precision tf32" in t for t in trains)
    assert "train" in out and "acquire_model" in out
    # Table 2 (5 methods x E2E, WebNLG, DART) + Table 3 (XSUM: FT, prefix 2% and 0.1%) +
    # Table 4 (FT and prefix x 2 topic splits) + Table 5 (EMB/INFIX-1/10/20) + the low-data
    # grids of E2E and XSUM (2 methods x 4 sizes x 5 subsets x 2 seeds each) + the
    # prefix-length figure (XSUM 5 and DART 4 lengths beyond the tables' own) + the
    # initialisation figure (random + 8 words x 2 subsets)
    counts = {
        ln.split()[0]: int(ln.split()[-1])
        for ln in out.splitlines()
        if len(ln.split()) == 2 and ln.split()[-1].isdigit()
    }
    assert counts["train"] == 3 * 5 + 3 + 4 + 6 + 2 * 80 + 5 + 4 + 9 * 2 == counts["decode"]
    # XSUM has no Java metric: its runs (Tables 3-4, low data, 5 prefix lengths) are scored in
    # one job; every other run by a Python half and a Java step
    assert counts["score"] == 3 + 4 + 80 + 5
    assert counts["score_python"] == counts["score_java"] == counts["train"] - counts["score"]


def test_the_default_profile_makes_gpus_a_resource():
    import yaml

    profile = yaml.safe_load((ROOT / "profiles/default/config.yaml").read_text())
    # one GPU job at a time on a workstation; `gpu` (what SLURM's --gpus reads) stays uncapped
    assert profile["resources"] == {"local_gpus": 1}
    slurm = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())
    assert slurm["retries"] >= 1  # a job killed at its time limit is resubmitted and resumes


def test_a_config_with_an_unknown_key_stops_before_any_job(tmp_path):
    cfg = (ROOT / "config/smoke.yaml").read_text().replace("num_beams: 2", "num_beam: 2")
    (tmp_path / "bad.yaml").write_text(cfg)
    res = snakemake(ROOT, "-n", "--configfile", str(tmp_path / "bad.yaml"), check=False)
    assert res.returncode != 0
    assert "num_beam" in res.stdout + res.stderr and "config['decoding']" in res.stdout + res.stderr


@pytest.mark.slow
def test_a_second_working_directory_reproduces_outputs_and_metrics_byte_for_byte(
    smoke_run, tmp_path
):
    runs = [
        "lowdata/e2e/tiny-gpt2/prefix/low8s1/seed1",
        "lowdata/e2e/tiny-gpt2/finetune/low8s1/seed1",
    ]
    copy_project(tmp_path)
    targets = [f"results/smoke/runs/{r}/test.metrics.json" for r in runs]
    snakemake(tmp_path, *targets, "--cores", "2", "--configfile", "config/smoke.yaml")
    for r in runs:
        for name in ("test.hyp.txt", "test.metrics.json"):
            a = (smoke_run / "results/smoke/runs" / r / name).read_bytes()
            b = (tmp_path / "results/smoke/runs" / r / name).read_bytes()
            assert a == b, f"{r}/{name} differs between two runs of the same configuration"


@pytest.mark.slow
def test_exhibits_are_a_pure_function_of_the_results(smoke_run):
    files = [
        "results/smoke/tables/e2e.md",
        "results/smoke/tables/e2e.csv",
        "results/smoke/tables/e2e.tex",
        "results/smoke/figures/lowdata.png",
        "results/smoke/figures/lowdata.pdf",
    ]
    before = {f: (smoke_run / f).read_bytes() for f in files}
    snakemake(
        smoke_run,
        *files,
        "--cores",
        "1",
        "--configfile",
        "config/smoke.yaml",
        "--forcerun",
        "table",
        "figure",
    )
    for f in files:
        assert (smoke_run / f).read_bytes() == before[f], f"{f} is not reproducible byte for byte"


@pytest.mark.slow
def test_archived_runs_are_read_not_trained_again(smoke_run, tmp_path):
    """A long grid grows across machines: runs in the experiment's archive are reused."""
    from pipeline.report.archive import archive_runs

    archived = archive_runs(smoke_run / "results/smoke/runs", tmp_path / "archive", "lowdata")
    assert len(archived) == 8
    assert (
        archive_runs(smoke_run / "results/smoke/runs", tmp_path / "archive", "lowdata") == []
    )  # idempotent
    work = copy_project(tmp_path / "fresh")
    shutil.rmtree(tmp_path / "archive/lowdata/e2e/tiny-gpt2/prefix/low16s2")  # one run missing
    cfg = (
        (work / "config/smoke.yaml")
        .read_text()
        .replace("    seeds: [1]\n", f"    seeds: [1]\n    archive: {tmp_path / 'archive'}\n")
    )
    (work / "config/smoke.yaml").write_text(cfg)
    # the low-data figure needs the 8 runs of the archived experiment only
    res = snakemake(
        work, "-n", "results/smoke/figures/lowdata.png", "--configfile", "config/smoke.yaml"
    )
    out = res.stdout + res.stderr
    train_line = next(ln for ln in out.splitlines() if ln.strip().startswith("train "))
    assert int(train_line.split()[-1]) == 1  # only the run that is not archived
    assert "prefix/low16s2/seed1" in out


@pytest.mark.slow
def test_the_html_report_holds_every_exhibit(smoke_run):
    snakemake(smoke_run, "--report", "report.html", "--configfile", "config/smoke.yaml")
    html = (smoke_run / "report.html").read_text(errors="replace")
    for name in (
        "e2e.md",
        "xsum.md",
        "lowdata.png",
        "prefix_length.png",
        "init.png",
        "datasets.md",
    ):
        assert name in html, name
