"""Where the released code made the paper's numbers, the paper configuration does what it did
(docs/deviations.md lists each choice and every remaining difference)."""

import json
import subprocess
import sys

import pytest

from pipeline import config as pconf
from pipeline import methods
from pipeline.data import e2e_paper
from pipeline.data.prepare import prepare
from pipeline.evaluate import evaluate
from pipeline.metrics import e2e as e2e_metrics
from pipeline.models.load import load
from pipeline.textformat import TextFormat, example_ids, prompt_ids
from pipeline.train import encode
from tests.conftest import ROOT, SHARED

PAPER = TextFormat("paper")


@pytest.fixture(scope="module")
def paper_config():
    config = pconf.load(ROOT / "config/config.yaml")
    return config, {r.path: r for r in pconf.expand_runs(config)}


@pytest.fixture(scope="module")
def bpe():
    """A small byte-level BPE with GPT-2's pre-tokenisation, trained on E2E-like text, so that
    spaces merge into the words that follow them as in GPT-2 (``Ġcoffee``)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    text = ["name : Blue Spice | Type : coffee shop | area : city centre"] * 20 + [
        "A coffee shop in the city centre area called Blue Spice ."
    ] * 20
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(text, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )


def test_the_paper_layout_puts_a_lone_space_token_before_each_eos(bpe):
    # worked example: " {x} <|endoftext|> {y} <|endoftext|>" as transformers 3.2 tokenised it
    x, y = "name : Blue Spice | Type : coffee shop", "A coffee shop called Blue Spice ."
    eos, space = bpe.eos_token_id, bpe.convert_tokens_to_ids("Ġ")
    words_x = bpe(" " + x, add_special_tokens=False)["input_ids"]
    words_y = bpe(" " + y, add_special_tokens=False)["input_ids"]
    assert bpe.convert_ids_to_tokens(words_x[-2:]) == ["Ġcoffee", "Ġshop"]  # merged as GPT-2
    ids, labels = example_ids(bpe, x, y, fmt=PAPER)
    assert ids == words_x + [space, eos] + words_y + [space, eos]
    assert labels == [-100] * (len(words_x) + 2) + words_y + [space, eos]
    assert prompt_ids(bpe, x, fmt=PAPER) == words_x + [space, eos]  # the test prompt too
    # the compact layout (ours by default) has none
    assert example_ids(bpe, x, y)[0] == words_x + [eos] + words_y + [eos]


def test_low_data_fine_tuning_reads_the_init_words_in_training_and_decoding(bpe, paper_config):
    config, runs = paper_config
    ft = runs["lowdata/e2e/gpt2-medium/finetune/low100s1/seed1"].hparams
    pre = runs["lowdata/e2e/gpt2-medium/prefix/low100s1/seed1"].hparams
    assert ft["text_prompt"] == "table-to-text:" == pre["init_words"]
    assert "text_prompt" not in runs["table2/e2e/gpt2-medium/finetune/full/seed101"].hparams
    fmt = TextFormat.of(ft)
    want = bpe(" table-to-text: name : Aromi ", add_special_tokens=False)["input_ids"]
    ((ids, labels),) = encode(bpe, [{"source": "name : Aromi", "target": "Aromi ."}], 64, fmt=fmt)
    assert ids[: len(want)] == want and labels[: len(want) + 1] == [-100] * (len(want) + 1)
    assert prompt_ids(bpe, "name : Aromi", fmt=fmt) == want + [bpe.eos_token_id]


def test_the_paper_configuration_makes_the_released_codes_choices(paper_config):
    config, runs = paper_config
    assert config["token_layout"] == "paper"
    assert all(r.hparams.get("token_layout") == "paper" for r in runs.values())
    assert config["datasets"]["e2e"]["copy"] == "paper"
    assert config["evaluation"]["e2e_protocol"] == "paper"
    dc = config["decoding"]
    assert dc["length_normalisation"] == "with_prompt" and dc["min_new_tokens"] == 0
    assert config["methods"]["fttop2"]["train_embeddings"] is True


def test_fttop2_in_the_paper_configuration_trains_the_tied_embeddings_too(
    paper_config, tiny_models
):
    config, runs = paper_config
    hp = {**runs["table2/e2e/gpt2-medium/fttop2/full/seed101"].hparams, "top_layers": 1}
    lm, tok = load(tiny_models["gpt2"])  # 2 blocks: the top one stands for h.22-h.23
    system = methods.build(hp, lm, tok)
    trained = {n for n, p in system.named_parameters() if p.requires_grad}
    assert "transformer.wte.weight" in trained and "transformer.ln_f.weight" in trained
    assert any(n.startswith("transformer.h.1.") for n in trained)
    assert not any(n.startswith("transformer.h.0.") for n in trained)
    assert system.lm_head.weight is system.transformer.wte.weight  # tied: the head trains too


SRC1 = (
    "name : A | Type : pub||A is a pub . \n"
    "name : B||B is it 's . \n"
    "name : A | Type : pub||A , a pub . \n"  # a source seen before: its references are grouped
    "name : C | food : Chinese||C serves Chinese food .\n"
)


def src1_test(tmp_path):
    """The paper's real src1_test.txt where the mirror is staged, else the fixture above."""
    test = SHARED / "data/e2e-paper/src1_test.txt"
    if not test.exists():
        test = tmp_path / "src1_test.txt"
        test.write_text(SRC1)
    return test


def test_the_papers_copy_groups_references_as_its_code_did(tmp_path):
    path = tmp_path / "src1_test.txt"
    path.write_text(SRC1)
    test = e2e_paper.grouped(path)
    assert [t["source"] for t in test] == [
        "name : A | Type : pub",
        "name : B",
        "name : C | food : Chinese",
    ]
    assert test[0]["refs"] == ["A is a pub .", "A , a pub ."]
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in e2e_paper.FILES.values():
        (raw / name).write_text(SRC1)
    meta = prepare("e2e-paper", raw, tmp_path / "out")
    assert (meta["dataset"], meta["copy"], meta["counts"]["test"]) == ("e2e", "paper", 3)
    (tmp_path / "bad.txt").write_text("no separator here\n")
    with pytest.raises(e2e_paper.E2EPaperFormatError, match="bad.txt:1"):
        e2e_paper.read(tmp_path / "bad.txt")


def test_evaluate_scores_against_the_papers_tokenised_test_file(tmp_path):
    test = src1_test(tmp_path)
    grouped = e2e_paper.grouped(test)
    hyp = tmp_path / "hyp.txt"
    hyp.write_text("".join(t["refs"][-1] + "\n" for t in grouped))  # tokenised outputs
    res = subprocess.run(
        [sys.executable, "-m", "pipeline.evaluate", "--dataset", "e2e", "--protocol", "paper",
         "--part", "python", "--hyp", str(hyp), "--test", str(test)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    got = json.loads(res.stdout)
    assert got["instances"] == len(grouped) and got["signature"]["protocol"] == "paper"
    want = e2e_metrics.score([t["refs"][-1] for t in grouped], [t["refs"] for t in grouped],
                             "paper", "python")  # fmt: skip
    assert got["scores"] == want["scores"]
    if test.parent.name == "e2e-paper":  # the real file: the paper's 630 MRs, 4,693 refs
        assert len(grouped) == 630 and sum(len(t["refs"]) for t in grouped) == 4693
    # the same function the workflow calls
    assert evaluate("e2e", str(hyp), str(test), "paper", part="python")["scores"] == got["scores"]


def test_min_length_that_counts_the_prompt_never_binds_so_the_paper_config_sets_none(
    paper_config, bpe, tmp_path
):
    # run_generation.py passed min_length=5, which transformers 3.2 compared with the whole
    # sequence: every E2E prompt (" x " <eos>) is already longer, so no minimum ever applied
    config, _ = paper_config
    assert config["decoding"]["min_new_tokens"] == 0
    test = src1_test(tmp_path)
    shortest = min(len(prompt_ids(bpe, t["source"], fmt=PAPER)) for t in e2e_paper.grouped(test))
    assert shortest >= 5
