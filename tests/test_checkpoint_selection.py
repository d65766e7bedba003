"""A run keeps the checkpoint with the lowest dev loss, and train.json's ``dev_loss`` is that
checkpoint's: the weights it saved score exactly that loss on the dev set when loaded again."""

from pipeline import methods
from pipeline.models.load import load
from pipeline.train import Model, dev_loss, encode_data, train
from tests.conftest import FIXTURES


def test_the_saved_weights_are_the_kept_checkpoint_and_score_its_dev_loss(tmp_path, tiny_models):
    from pipeline.data.prepare import prepare
    from pipeline.io import read_jsonl

    prepare("e2e", FIXTURES / "mirror" / "e2e", tmp_path / "data", train_pool="train")
    rows = {s: read_jsonl(tmp_path / "data" / f"{s}.jsonl") for s in ("train", "dev")}
    # four examples learnt by heart: the dev loss rises again, so the kept step is not the last
    hp = {"type": "finetune", "lr": 1e-2, "max_steps": 16, "batch_size": 4, "eval_every": 2}
    out = tmp_path / "run"
    summary = train(hp, tiny_models["gpt2"], rows["train"][:4], rows["dev"], out, seed=1)

    losses = {h["step"]: h["dev_loss"] for h in summary["dev_history"]}
    assert len(losses) == 8
    best = min(losses, key=losses.get)
    assert summary["selected_step"] == best < 16
    assert summary["dev_loss"] == losses[best]

    lm, tok = load(out / "model")  # the weights the run saved, where decoding reads them
    hp = {**summary["hparams"]}
    system = methods.build(hp, lm, tok)
    data = encode_data(hp, Model(lm, tok, system, [], {}), [], rows["dev"])
    assert dev_loss(system, data.dev_batches) == summary["dev_loss"]
