"""Per-rule conda environments: each rule names one that exists, and every pin in them is the
version requirements.lock installs (one truth for versions: the lock)."""

import re

import yaml

from tests.conftest import ROOT


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonical(name)] = version.strip()
    return pins


def test_every_rule_names_a_conda_environment_that_exists():
    rules = "".join(p.read_text() for p in (ROOT / "workflow/rules").glob("*.smk"))
    blocks = re.split(r"(?m)^rule ", rules)[1:]
    envs = {}
    for block in blocks:
        name = block.split(":")[0]
        found = re.search(r'conda:\s*\n\s*"([^"]+)"', block)
        if name == "all" or "\n    run:" in block:  # run: executes in Snakemake's own Python
            continue
        assert found, f"rule {name} names no conda environment"
        envs[name] = found.group(1)
        assert (ROOT / "workflow/rules" / found.group(1)).resolve().exists(), (name, envs[name])
    # split by need: no rule that only reads text carries torch
    assert envs["prepare"] == envs["download"] == "../../envs/data.yaml"
    assert envs["train"] == envs["decode"] == "../../envs/torch.yaml"
    assert envs["score_java"] == "../../envs/evaluation.yaml"
    assert envs["table"] == envs["figure"] == "../../envs/report.yaml"


def test_every_environment_pins_what_the_lock_installs():
    pins = lock()
    for path in sorted((ROOT / "envs").glob("*.yaml")):
        env = yaml.safe_load(path.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        assert "python=3.11" in env["dependencies"]
        for req in pip:
            name, _, version = req.partition("==")
            assert version, f"{path.name}: {req} is not pinned"
            assert pins.get(canonical(name)) == version, (
                f"{path.name}: {req}, but requirements.lock has {pins.get(canonical(name))}"
            )
    evaluation = yaml.safe_load((ROOT / "envs/evaluation.yaml").read_text())
    assert any(str(d).startswith("openjdk") for d in evaluation["dependencies"])  # METEOR
