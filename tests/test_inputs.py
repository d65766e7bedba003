"""Every entry point, fed the text files users actually have.

Table-driven: each entry point x {missing file, empty file, not UTF-8, a byte-order mark, an
unterminated last line, CRLF line ends, a folder where a file is expected}. The BOM, CRLF and
unterminated variants give exactly the clean file's result; the others stop with one
``error: ...`` line naming the file, exit 1, and write nothing.
"""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from pipeline import decode, evaluate, mixed, train
from pipeline.data import prepare, subsample
from pipeline.models.prefix import prefix_width
from pipeline.runtime import entry_point
from tests.conftest import FIXTURES

VARIANTS = {
    "bom": lambda b: b"\xef\xbb\xbf" + b,
    "crlf": lambda b: b.replace(b"\n", b"\r\n"),
    "unterminated": lambda b: b.rstrip(b"\n"),
}
ERRORS = {
    "missing": (None, "no such file"),
    "empty": (b"", ""),
    "latin1": ("latin1", "not UTF-8 (byte 0xe9"),
    "folder": ("folder", "is a folder"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_models):
    """Prepared E2E fixture data, a tiny model and a prefix: what the entry points read."""
    root = tmp_path_factory.mktemp("world")
    prepare.prepare("e2e", FIXTURES / "mirror/e2e", root / "data")
    past = torch.randn(2, prefix_width(_config(tiny_models["gpt2"])), generator=_gen())
    run = root / "run"
    run.mkdir()
    save_file({"past": past}, str(run / "prefix.safetensors"))
    rows = [json.loads(x) for x in (root / "data/test.jsonl").read_text().splitlines()]
    (root / "hyp.txt").write_text("".join(r["refs"][0] + "\n" for r in rows))
    (root / "mixed.tsv").write_text("".join(f"a\t{r['source']}\n" for r in rows[:3]))
    return {"root": root, "model": tiny_models["gpt2"], "run": run}


def _config(model_dir):
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(model_dir)


def _gen():
    return torch.Generator().manual_seed(0)


HP = {"type": "prefix", "prefix_length": 2, "mid_dim": 8, "lr": 1e-3, "max_steps": 1,
      "batch_size": 4}  # fmt: skip
DC = {"num_beams": 1, "max_new_tokens": 4, "min_new_tokens": 1, "batch_size": 4}


def entry_points(w):
    """name -> (clean input file, argv for (input, out dir), main, the outputs it writes)."""
    d, m, run = w["root"] / "data", str(w["model"]), w["run"]
    return {
        "evaluate --hyp": (
            w["root"] / "hyp.txt",
            lambda i, o: ["--dataset", "e2e", "--part", "python", "--hyp", str(i),
                          "--test", str(d / "test.jsonl"), "--out", str(o / "m.json")],
            evaluate.main, ["m.json"],
        ),
        "evaluate --test": (
            d / "test.jsonl",
            lambda i, o: ["--dataset", "e2e", "--part", "python", "--hyp",
                          str(w["root"] / "hyp.txt"), "--test", str(i), "--out", str(o / "m.json")],
            evaluate.main, ["m.json"],
        ),
        "subsample --train-pool": (
            d / "train.jsonl",
            lambda i, o: ["--train-pool", str(i), "--dev-pool", str(d / "dev.jsonl"), "--size",
                          "8", "--subset", "1", "--out-train", str(o / "t.jsonl"),
                          "--out-dev", str(o / "d.jsonl")],
            subsample.main, ["t.jsonl", "d.jsonl"],
        ),
        "train --train": (
            d / "train.jsonl",
            lambda i, o: ["--hparams", json.dumps(HP), "--model-dir", m, "--train", str(i),
                          "--dev", str(d / "dev.jsonl"), "--out-dir", str(o), "--seed", "1"],
            train.main, ["prefix.safetensors"],
        ),
        "decode --test": (
            d / "test.jsonl",
            lambda i, o: ["--hparams", json.dumps(HP), "--run-dir", str(run), "--model-dir", m,
                          "--test", str(i), "--decoding", json.dumps(DC), "--out",
                          str(o / "hyp.txt"), "--info", str(o / "info.json")],
            decode.main, ["hyp.txt"],
        ),
        "mixed --input": (
            w["root"] / "mixed.tsv",
            lambda i, o: ["--model-dir", m, "--input", str(i), "--prefix",
                          f"a={run / 'prefix.safetensors'}", "--decoding", json.dumps(DC),
                          "--out", str(o / "out.txt")],
            mixed.main, ["out.txt"],
        ),
        "prepare (a release CSV)": (
            FIXTURES / "mirror/e2e/testset_w_refs.csv",
            lambda i, o: ["--dataset", "e2e", "--raw-dir", str(i.parent), "--out-dir", str(o)],
            prepare.main, ["test.jsonl"],
        ),
    }  # fmt: skip


def _call(main, argv, capsys):
    code = 0
    try:
        entry_point(lambda: main(argv))
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err


def _materialise(clean: Path, variant: str, where: Path) -> Path:
    """The clean input rewritten as ``variant`` in ``where`` (a release CSV keeps its name and
    its sibling files, which prepare reads from the same folder)."""
    where.mkdir(parents=True)
    if clean.suffix == ".csv":
        for sib in clean.parent.iterdir():
            (where / sib.name).write_bytes(sib.read_bytes())
    target = where / clean.name
    raw = clean.read_bytes()
    if variant in VARIANTS:
        target.write_bytes(VARIANTS[variant](raw))
    elif variant == "missing":
        target.unlink(missing_ok=True)
    elif variant == "empty":
        target.write_bytes(b"")
    elif variant == "latin1":
        target.write_bytes(raw.replace(b"\n", "\ncaf\xe9 ".encode("latin-1"), 1))
    elif variant == "folder":
        target.unlink(missing_ok=True)
        target.mkdir()
    else:
        target.write_bytes(raw)
    return target


NAMES = [
    "evaluate --hyp",
    "evaluate --test",
    "subsample --train-pool",
    "train --train",
    "decode --test",
    "mixed --input",
    "prepare (a release CSV)",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_point_reads_user_files_or_says_which_one_is_wrong(
    name, world, tmp_path, capsys
):
    clean, argv, main, outputs = entry_points(world)[name]
    base = tmp_path / "clean"
    base.mkdir()
    code, err = _call(main, argv(_materialise(clean, "as-is", tmp_path / "in-clean"), base), capsys)
    assert code == 0, err
    want = {o: (base / o).read_bytes() for o in outputs}
    for variant in VARIANTS:
        out = tmp_path / variant
        out.mkdir()
        code, err = _call(main, argv(_materialise(clean, variant, tmp_path / f"in-{variant}"), out),
                          capsys)  # fmt: skip
        assert code == 0, f"{name} / {variant}: {err}"
        for o in outputs:
            got = (out / o).read_bytes()
            if o.endswith(".json"):  # metrics: the same scores (paths differ)
                assert json.loads(got)["scores"] == json.loads(want[o])["scores"], variant
            else:
                assert got == want[o], f"{name} / {variant}: {o} differs from the clean file's"
    for variant, (_, message) in ERRORS.items():
        out = tmp_path / f"out-{variant}"
        out.mkdir()
        bad = _materialise(clean, variant, tmp_path / f"in-{variant}")
        code, err = _call(main, argv(bad, out), capsys)
        lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
        assert code == 1, f"{name} / {variant}: exit {code}\n{err[-2000:]}"
        assert len(lines) == 1 and "Traceback" not in err, f"{name} / {variant}: {err[-2000:]}"
        assert bad.name in lines[0] and message in lines[0], f"{name} / {variant}: {lines[0]}"
        assert not any((out / o).exists() for o in outputs), f"{name} / {variant} wrote output"


def test_discarded_fine_tuned_weights_leave_outputs_and_ask_for_retraining(world, tmp_path, capsys):
    # keep_weights: false (the paper's low-data grid): decode, then delete the model folder
    import shutil as sh

    run = tmp_path / "run"
    sh.copytree(world["model"], run / "model")
    hp = {"type": "finetune"}
    argv = ["--hparams", json.dumps(hp), "--run-dir", str(run), "--model-dir", str(world["model"]),
            "--test", str(world["root"] / "data/test.jsonl"), "--decoding", json.dumps(DC),
            "--out", str(tmp_path / "hyp.txt"), "--info", str(tmp_path / "info.json")]  # fmt: skip
    code, err = _call(decode.main, [*argv, "--discard-weights"], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "info.json").read_text())["weights_discarded"] is True
    assert not (run / "model").exists() and (tmp_path / "hyp.txt").stat().st_size > 0
    (tmp_path / "hyp.txt").unlink()
    code, err = _call(decode.main, argv, capsys)
    assert code == 1 and "deleted after an earlier decoding" in err and "Traceback" not in err
    assert not (tmp_path / "hyp.txt").exists()
