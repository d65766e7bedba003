"""Device and precision discipline, specified as tests a CPU can run.

- every tensor ``pipeline/`` creates takes its device from the model or its input: factory
  calls name their device, training passes run with the default device set to ``meta`` (a
  tensor made without a device lands there and fails against the real ones), a model moved
  to ``meta`` runs where the ops allow it, and decoding hands ``generate`` nothing off the
  model's device;
- every method trains and decodes with the frozen LM held in bf16 (no autocast to hide a
  tensor of the wrong dtype), and in bf16-mixed with only its matmul weights in bf16 and the
  residual stream in fp32;
- decoding never expands the LM head's weight per row (the bf16 slowdown it caused);
- precisions resolve as documented.
"""

import ast
from pathlib import Path

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from pipeline import device as pdevice
from pipeline import methods
from pipeline.decode import decode, place_for_decoding
from pipeline.device import Placement
from pipeline.models.load import load
from pipeline.train import collate, encode, forward_loss, prepare_lm
from tests.conftest import ROOT

FACTORIES = {
    "zeros",
    "ones",
    "full",
    "empty",
    "arange",
    "tensor",
    "as_tensor",
    "rand",
    "randn",
    "randint",
    "randperm",
    "eye",
    "linspace",
}
ROWS = [
    {"source": "name : Aromi | food : Chinese", "target": "Aromi serves Chinese food."},
    {"source": "name : Bibimbap", "target": "Bibimbap."},
    {"source": "name : Cotto | area : riverside | near : The Bakers", "target": "Cotto is by it."},
]
HP = {"prefix_length": 3, "mid_dim": 8, "adapter_bottleneck": 4, "top_layers": 1}
DECODING = {"num_beams": 2, "max_new_tokens": 6, "min_new_tokens": 1, "batch_size": 2}
CASES = [(arch, t) for arch in ("gpt2", "llama") for t in methods.METHOD_TYPES] + [
    ("bart", t) for t in methods.SEQ2SEQ_TYPES
]


def test_every_tensor_factory_in_pipeline_names_its_device():
    missing = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in FACTORIES
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "torch"
                and not any(k.arg == "device" for k in node.keywords)
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} torch.{node.func.attr}")
    assert not missing, "tensors created without a device:\n" + "\n".join(missing)


def _system(tiny_models, arch, mtype, placement=None):
    lm, tok = load(tiny_models[arch])
    hp = {**HP, "type": mtype}
    if placement is not None:
        lm = prepare_lm(hp, lm, placement)
    return methods.build(hp, lm, tok), tok


def _batch(system, tok):
    cfg = system.config
    start = cfg.decoder_start_token_id if cfg.is_encoder_decoder else None
    return collate(encode(tok, ROWS, 64, None, cfg.is_encoder_decoder), tok.pad_token_id, start)


@pytest.mark.parametrize(("arch", "mtype"), CASES)
def test_training_creates_no_tensor_off_the_models_device(tiny_models, arch, mtype):
    # Anything created without an explicit device goes to the default device: meta here,
    # which no real tensor can be combined with.
    system, tok = _system(tiny_models, arch, mtype)
    batch = _batch(system, tok)
    with torch.device("meta"):
        loss = forward_loss(system, batch, "token_mean")
        loss.backward()
    assert loss.device.type == "cpu" and torch.isfinite(loss)


@pytest.mark.parametrize(
    ("arch", "mtype"),
    [(a, t) for a in ("gpt2", "llama") for t in ("prefix", "emb")]
    + [("llama", t) for t in ("finetune", "fttop2", "adapter")],
)
def test_a_model_on_the_meta_device_runs_where_the_ops_allow(tiny_models, arch, mtype):
    # the model on meta: a tensor our code placed on the CPU by name would fail to combine
    system, tok = _system(tiny_models, arch, mtype)
    system = system.to("meta")
    batch = {k: v.to("meta") for k, v in _batch(system, tok).items()}
    if mtype not in methods.PREFIX_TYPES:  # HF's mask shortcut reads values (.item())
        batch["attention_mask"] = None
    out = system(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    assert out.logits.device.type == "meta"


class _GenerateSpy:
    """Stands in for ``generate`` on a model moved to meta: records the device of every
    tensor it is handed (the prefix cache's too) and returns plain ids."""

    def __init__(self, lm):
        self.lm, self.devices = lm, set()

    def __call__(self, input_ids, attention_mask, **kw):
        self.devices |= {input_ids.device.type, attention_mask.device.type}
        cache = kw.get("cache")
        if cache is not None:
            self.devices |= {t.device.type for layer in cache.layers for t in (layer.keys,)}
        active = getattr(self.lm, "prefix_active", None)
        if active is not None and active.kv is not None:
            self.devices |= {k.device.type for pairs in active.kv.values() for k, _ in pairs}
        rows = input_ids.shape[0]
        return torch.full((rows, input_ids.shape[1] + 2), 65, dtype=torch.long, device="cpu")


@pytest.mark.parametrize(
    ("arch", "mtype"),
    [("gpt2", "prefix"), ("llama", "finetune"), ("bart", "prefix"), ("bart", "finetune")],
)
def test_decoding_hands_generate_only_tensors_on_the_models_device(
    tiny_models, arch, mtype, monkeypatch
):
    system, tok = _system(tiny_models, arch, mtype)
    past = system.prefix.materialize() if mtype == "prefix" else None
    lm = system.lm if past is not None else system
    lm, past = place_for_decoding(lm, past, Placement(torch.device("meta"), "fp32"))
    spy = _GenerateSpy(lm)
    monkeypatch.setattr(lm, "generate", spy)
    decode(lm, tok, [r["source"] for r in ROWS], DECODING, past)
    decode(lm, tok, [r["source"] for r in ROWS], DECODING, [past] * 3 if past is not None else None)
    assert spy.devices == {"meta"}


BF16 = Placement(torch.device("cpu"), "bf16")


@pytest.mark.parametrize(("arch", "mtype"), CASES)
def test_every_method_trains_and_decodes_with_the_frozen_lm_in_bf16(tiny_models, arch, mtype):
    system, tok = _system(tiny_models, arch, mtype, BF16)
    frozen = mtype in methods.FROZEN_LM_TYPES
    lm = getattr(system, "lm", system)
    assert {p.dtype for p in lm.parameters() if not p.requires_grad} <= (
        {torch.bfloat16} if frozen else {torch.float32}
    )
    # what trains stays fp32 (the optimiser's state follows it)
    assert {p.dtype for p in system.parameters() if p.requires_grad} == {torch.float32}
    # no autocast: a tensor created in the wrong dtype meets a bf16 weight and fails
    loss = forward_loss(system, _batch(system, tok), "token_mean")
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in system.parameters() if p.requires_grad)

    past = system.prefix.materialize() if mtype in methods.PREFIX_TYPES else None
    assert past is None or past.dtype == torch.float32  # stored prefixes are fp32
    lm, past = place_for_decoding(lm.eval(), past, BF16)
    assert {p.dtype for p in lm.parameters()} == {torch.bfloat16}
    infix = past if mtype == "infix" else None
    out = decode(
        lm,
        tok,
        [r["source"] for r in ROWS],
        DECODING,
        None if infix is not None else past,
        infix=infix,
    )
    assert len(out) == len(ROWS)


MIXED = Placement(torch.device("cpu"), "bf16-mixed")


@pytest.mark.parametrize(("arch", "mtype"), CASES)
def test_bf16_mixed_holds_only_matmul_weights_in_bf16_and_keeps_the_residual_stream_fp32(
    tiny_models, arch, mtype
):
    """bf16-mixed gives every method fine-tuning's arithmetic under autocast: a frozen LM's
    linear weights in bf16 (what autocast would round fp32 weights to), its embeddings
    (tied to the LM head) and norms in fp32, so the hidden states between blocks stay fp32."""
    system, tok = _system(tiny_models, arch, mtype, MIXED)
    lm = getattr(system, "lm", system)
    if mtype in methods.FROZEN_LM_TYPES:
        head = lm.get_output_embeddings()
        linear = [
            m
            for m in lm.modules()
            if m is not head
            and (isinstance(m, torch.nn.Linear) or type(m).__name__ == "Conv1D")
            and not m.weight.requires_grad  # an adapter's own layers train, in fp32
        ]
        assert linear and {m.weight.dtype for m in linear} == {torch.bfloat16}
        assert lm.get_input_embeddings().weight.dtype == torch.float32
        norms = [p for n, p in lm.named_parameters() if "norm" in n or "ln_" in n]
        assert norms and {p.dtype for p in norms} == {torch.float32}
    assert {p.dtype for p in system.parameters() if p.requires_grad} == {torch.float32}
    with MIXED.autocast():
        loss = forward_loss(system, _batch(system, tok), "token_mean")
        batch = _batch(system, tok)
        if not system.config.is_encoder_decoder:
            hidden = lm(input_ids=batch["input_ids"], output_hidden_states=True).hidden_states
            assert {h.dtype for h in hidden} == {torch.float32}
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in system.parameters() if p.requires_grad)


@pytest.mark.parametrize("placement", [BF16, MIXED], ids=["bf16", "bf16-mixed"])
@pytest.mark.parametrize(
    "method",
    [{"type": "prefix", "init_words": "food"}, {"type": "emb"}],
    ids=["prefix-from-words", "emb"],
)
def test_a_whole_run_trains_and_saves_in_each_bf16_design(tmp_path, tiny_models, placement, method):
    """The LM calls a method makes outside the training step (a word initialisation's phrase,
    an embedding-only prefix materialised for saving) compute in each design: bf16-mixed's half
    matmul weights meet fp32 activations there too (found on SmolLM2: the word-initialised
    prefix failed to build in bf16-mixed)."""
    from pipeline.train import train

    hp = {**HP, **method, "lr": 1e-3, "max_steps": 2, "eval_every": 1, "batch_size": 2}
    summary = train(hp, tiny_models["llama"], ROWS, ROWS, tmp_path, 1, placement)
    assert summary["steps"] == 2 and summary["precision"] == placement.precision
    assert (tmp_path / "prefix.safetensors").exists()


@pytest.mark.parametrize("placement", [BF16, MIXED], ids=["bf16", "bf16-mixed"])
def test_a_word_initialisation_fits_its_phrase_in_each_bf16_design_as_in_fp32(
    tiny_models, placement
):
    """The regression onto the phrase's activations learns in every design (found on SmolLM2:
    in bf16-mixed it ran inside the autocast region that computed the phrase, where torch
    reused its first bf16 copy of the MLP's weights at every step: the fit never moved, the
    prefix started with a squared error of 28.9 from its phrase (fp32: 0.006) and the runs
    decoded noise)."""
    from pipeline.models.variants import phrase_length, phrase_past

    errors = {}
    for where in (Placement(torch.device("cpu"), "fp32"), placement):
        lm, tok = load(tiny_models["llama"])
        words = "table-to-text:"
        hp = {**HP, "type": "prefix", "init_words": words, "mid_dim": 64,
              "prefix_length": phrase_length(tok, words)}  # fmt: skip
        lm = prepare_lm(hp, lm, where)
        torch.manual_seed(0)
        with where.mixed_autocast():  # as pipeline.train builds it
            system = methods.build(hp, lm, tok)
            target = phrase_past(lm, tok, words).float()
        prefix = system.prefix.materialize().float()
        errors[where.precision] = torch.nn.functional.mse_loss(prefix, target).item()
    assert errors["fp32"] < 0.1 * target.pow(2).mean().item()  # a zero prefix's error
    assert errors[placement.precision] < 2 * errors["fp32"] + 1e-3


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_bf16_mixed_decoding_equals_fp32_weights_under_autocast(tiny_models, arch):
    """Casting the matmul weights once changes nothing but speed: autocast rounds an fp32
    weight to the same bf16 value at every call."""
    sources = [r["source"] for r in ROWS]
    lm, tok = load(tiny_models[arch])
    ref, _ = place_for_decoding(lm.eval(), None, Placement(torch.device("cpu"), "fp32"))
    with MIXED.autocast():
        expected = decode(ref, tok, sources, DECODING)
    lm, tok = load(tiny_models[arch])
    mixed, _ = place_for_decoding(lm.eval(), None, MIXED)
    assert mixed.get_input_embeddings().weight.dtype == torch.float32
    with MIXED.autocast():
        assert decode(mixed, tok, sources, DECODING) == expected


class _WeightCopies(TorchDispatchMode):
    """Records every op output shaped like a batch of copies of a [V, d] weight."""

    def __init__(self, weight_shape):
        super().__init__()
        self.shapes = {tuple(weight_shape), tuple(reversed(weight_shape))}
        self.seen = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor) and t.dim() == 3 and tuple(t.shape[1:]) in self.shapes:
                self.seen.append(f"{func}: {tuple(t.shape)}")
        return out


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_bf16_decoding_never_expands_the_lm_head_per_row(tiny_models, arch):
    # The prefill's last position reaches the head as a strided slice; without a contiguous
    # input, bf16 matmul broadcast the [V, d] weight to [B, V, d] (1.8 GB per 16-row batch for
    # SmolLM2). No op of a decoding step may make a batch of copies of that weight.
    lm, tok = load(tiny_models[arch])
    lm, _ = place_for_decoding(lm.eval(), None, BF16)
    head = lm.get_output_embeddings().weight
    sources = [r["source"] for r in ROWS] * 2
    with _WeightCopies(head.shape) as spy:
        decode(lm, tok, sources, {**DECODING, "num_beams": 1, "batch_size": 6})
    assert spy.seen == []


def test_the_weight_copy_guard_sees_the_strided_head_input():
    # the guard itself: a strided [B, 1, d] input to a bf16 linear is what it must catch
    weight = torch.randn(300, 48, dtype=torch.bfloat16, device="cpu")
    hidden = torch.randn(4, 5, 48, dtype=torch.bfloat16, device="cpu")[:, -1:, :]
    with _WeightCopies(weight.shape) as spy:
        torch.nn.functional.linear(hidden, weight)
    with _WeightCopies(weight.shape) as clean:
        torch.nn.functional.linear(hidden.contiguous(), weight)
    assert spy.seen and not clean.seen


def test_auto_precision_is_bf16_only_where_the_cpu_computes_it(monkeypatch, capsys):
    cpu = torch.device("cpu")
    monkeypatch.setattr(pdevice, "cpu_bf16", lambda: "amx_bf16")
    assert pdevice.resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr(pdevice, "cpu_bf16", lambda: None)
    assert pdevice.resolve_precision("auto", cpu) == "fp32"
    notice = capsys.readouterr().err.strip().splitlines()
    assert len(notice) == 1 and "no native bf16" in notice[0]
    assert pdevice.resolve_precision("bf16", cpu) == "bf16"  # asked for: honoured (emulated)


def test_precisions_that_cannot_run_here_say_so():
    with pytest.raises(pdevice.DeviceError, match="fp16 needs a CUDA device"):
        pdevice.resolve_precision("fp16", torch.device("cpu"))
    if not torch.cuda.is_available():
        with pytest.raises(pdevice.DeviceError, match="no CUDA device"):
            pdevice.resolve_device("cuda")
    assert pdevice.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(pdevice.DeviceError, match="expected auto, cpu"):
        pdevice.resolve_device("gpu0")


def test_a_cuda_device_always_names_its_index(monkeypatch):
    # torch.cuda.set_device and the per-GPU locks need an index; "cuda" means the first GPU
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert pdevice.resolve_device("cuda") == torch.device("cuda", 0)
    assert pdevice.resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(pdevice.DeviceError, match="only 2 GPU"):
        pdevice.resolve_device("cuda:2")


def test_several_gpus_are_shared_out_one_job_each(monkeypatch, tmp_path):
    monkeypatch.setattr(pdevice, "LOCK_DIR", tmp_path)
    held = []
    monkeypatch.setattr(pdevice, "_HELD_LOCKS", held)
    first, second = pdevice._free_gpu(2), pdevice._free_gpu(2)
    assert (first, second) == (0, 1) and len(held) == 2  # this process now holds both
    assert pdevice._free_gpu(2) == 0  # all taken: share the first rather than fail
    for handle in held:
        handle.close()


def test_autocast_and_loss_scaling_follow_the_precision():
    assert Placement(torch.device("cpu"), "fp32").half is None
    with Placement(torch.device("cpu"), "bf16").autocast():
        y = torch.nn.functional.linear(
            torch.ones(2, 3, device="cpu"), torch.ones(4, 3, device="cpu")
        )
    assert y.dtype == torch.bfloat16
    assert not Placement(torch.device("cpu"), "bf16").grad_scaler().is_enabled()


def test_a_result_records_where_it_was_computed():
    info = Placement(torch.device("cpu"), "fp32").describe()
    assert {"device", "precision", "cpu", "cpu_id", "cpu_bf16", "torch", "threads"} <= set(info)
    assert info["cpu_kernels"]["aten"] == torch.backends.cpu.get_cpu_capability()
    assert info["device"] == "cpu" and Path("/proc/cpuinfo").exists() == bool(info["cpu"])


def test_a_kernel_path_cap_in_the_environment_is_recorded(monkeypatch):
    """Capping MKL or oneDNN at an instruction set changes the rounding like another CPU would:
    a result computed so must say it."""
    monkeypatch.setenv("MKL_ENABLE_INSTRUCTIONS", "AVX2")
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    kernels = Placement(torch.device("cpu"), "fp32").describe()["cpu_kernels"]
    assert kernels["MKL_ENABLE_INSTRUCTIONS"] == "AVX2" and "ONEDNN_MAX_CPU_ISA" not in kernels
