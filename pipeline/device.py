"""Where a job computes and in which precision: one ``Placement`` per process.

``device``: ``auto`` (CUDA when a GPU is visible, else the CPU), ``cpu``, ``cuda`` or
``cuda:N``. With ``auto`` on a machine that shows several GPUs to one Snakemake (a
workstation running ``--resources gpu=N``), each job takes the first GPU no other job of this
project holds (an advisory lock per GPU), so N concurrent jobs land on N different GPUs.
Under SLURM every job sees only the GPUs it was granted (``CUDA_VISIBLE_DEVICES``).

``precision``:

| name | compute | frozen LM held in | notes |
|------|---------|-------------------|-------|
| fp32 | fp32 | fp32 | the reference |
| tf32 | fp32 storage, TF32 matmuls on CUDA (fp32 on a CPU) | fp32 | what PyTorch 1.7-1.11 did by default on Ampere |
| bf16 | bf16 autocast (CPU and CUDA) | bf16 for methods with a frozen LM | trainable parameters and the optimiser stay fp32; the frozen LM's residual stream is bf16 |
| bf16-mixed | bf16 autocast: matmuls in bf16, norms, softmax and the residual stream in fp32, for every method | its matmul weights in bf16 (cast once: what autocast would round them to), embeddings and norms fp32 | the arithmetic fine-tuning's fp32 weights get under autocast, for frozen LMs and decoding too |
| fp16 | fp16 autocast with loss scaling | fp16 for methods with a frozen LM | CUDA only |
| auto | bf16 where the device computes it natively, else fp32 (with a one-line notice) | | resolved first per configuration by the precision study (``pipeline.precision``): fp32 unless bf16 is faithful for every method trained |

Decoding in bf16 / fp16 casts the whole model (and a prefix) to that dtype; in bf16-mixed it
holds the model as training does and runs under autocast, the prefix in fp32. A comparison is
only made between runs of one precision (the report checks the precision each run records).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from pipeline.errors import PipelineError
from pipeline.provenance import project

PRECISIONS = ("fp32", "tf32", "bf16", "bf16-mixed", "fp16", "auto")
HALF = {"bf16": torch.bfloat16, "bf16-mixed": torch.bfloat16, "fp16": torch.float16}
# the precisions that hold a frozen LM (and a decoding model) wholly in their half dtype
HELD = ("bf16", "fp16")
LOCK_DIR = Path(os.environ.get("PREFIX_REPRO_LOCK_DIR", "/tmp"))


class DeviceError(PipelineError, RuntimeError):
    pass


@functools.cache
def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (every core of a machine shows the same
    model and flags); empty where unreadable."""
    fields = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if not key.strip():
            if fields:
                break  # the end of the first processor's block
            continue
        fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_flags() -> set[str]:
    """The CPU's feature flags (x86 ``flags``, Arm ``Features``); empty where unreadable."""
    info = _cpuinfo()
    return set((info.get("flags") or info.get("Features") or "").split())


def cpu_model() -> str:
    info = _cpuinfo()
    return (
        info.get("model name")
        or info.get("Model name")
        or platform.processor()
        or platform.machine()
    )


def cpu_id() -> str:
    """Vendor, family, model and stepping: the model name alone ("Intel(R) Xeon(R) Processor"
    under some hypervisors) does not tell one CPU generation from another."""
    info = _cpuinfo()
    parts = [info.get("vendor_id", "")]
    parts += [
        f"{k.split()[-1]} {info[k]}" for k in ("cpu family", "model", "stepping") if k in info
    ]
    return " ".join(p for p in parts if p) or platform.machine()


# The CPU kernel paths a result's floating-point rounding depends on: ATen's vector ISA and the
# instruction-set caps given to MKL and oneDNN. Setting them (e.g. to AVX2) makes one host take
# the paths a CPU without AVX-512 would take: how the CPU claims grid measures machine spread.
KERNEL_ENV = ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR")


def cpu_kernels() -> dict:
    """ATen's CPU capability in use and any kernel-path override set in the environment."""
    info = {"aten": torch.backends.cpu.get_cpu_capability()}
    info.update({k: os.environ[k] for k in KERNEL_ENV if os.environ.get(k)})
    return info


def cpu_bf16() -> str | None:
    """Which native bf16 matmul the CPU has (``amx_bf16``, ``avx512_bf16``, Arm ``bf16``), or
    None: without one, torch emulates bf16 and it runs slower than fp32."""
    flags = cpu_flags()
    for flag in ("amx_bf16", "avx512_bf16", "bf16"):
        if flag in flags:
            return flag
    return None


def _free_gpu(count: int) -> int:
    """The first of ``count`` GPUs whose lock this process can take (held until exit)."""
    for index in range(count):
        handle = open(LOCK_DIR / f"prefix-repro-gpu{index}.lock", "w")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _HELD_LOCKS.append(handle)  # released when the process ends
        return index
    return 0  # every GPU is taken: share the first rather than fail


_HELD_LOCKS: list = []


def resolve_device(spec: str = "auto") -> torch.device:
    if spec == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        count = torch.cuda.device_count()
        index = _free_gpu(count) if count > 1 else 0
        return torch.device("cuda", index)
    if spec == "cpu":
        return torch.device("cpu")
    if spec.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {spec!r}: no CUDA device is visible (torch {torch.__version__}, "
                f"CUDA build: {torch.version.cuda or 'no'}); use device: auto or cpu, or "
                "install a CUDA build of torch (README, 'Paper scale')"
            )
        device = torch.device(spec)
        if device.index is None:  # "cuda": the first visible GPU (set_device needs an index)
            return torch.device("cuda", 0)
        if device.index >= torch.cuda.device_count():
            raise DeviceError(f"device {spec!r}: only {torch.cuda.device_count()} GPU(s) visible")
        return device
    raise DeviceError(f"device {spec!r}: expected auto, cpu, cuda or cuda:N")


def native_bf16(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return cpu_bf16() is not None


@dataclass(frozen=True)
class Placement:
    """A job's device and resolved precision (never ``auto``)."""

    device: torch.device
    precision: str

    @property
    def half(self) -> torch.dtype | None:
        """The compute dtype of autocast (and of frozen or decoding weights), if any."""
        return HALF.get(self.precision)

    @property
    def holds_half(self) -> bool:
        """A frozen LM, and every decoding model, held wholly in the half dtype."""
        return self.precision in HELD

    @property
    def mixed(self) -> bool:
        """Only the matmul weights in the half dtype; norms and residual stream in fp32."""
        return self.half is not None and not self.holds_half

    def frozen(self, model: torch.nn.Module) -> torch.nn.Module:
        """A model that will not train (a frozen LM, a decoding model) on this device, held as
        the precision says: wholly in half, its matmul weights in half, or as it is."""
        model = model.to(self.device)
        if self.holds_half:
            return model.to(self.half)
        if self.mixed:
            matmul_weights_to(model, self.half)
        return model

    def autocast(self):
        """The context every forward pass runs in (a no-op in fp32 / tf32)."""
        if self.half is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.half)

    def mixed_autocast(self):
        """The context of the LM calls made outside the training step (a word initialisation's
        phrase, an embedding-only prefix materialised for saving, decoding): in bf16-mixed the
        half matmul weights meet fp32 activations only under autocast; fp32 and held-half models
        compute as they are (a no-op, so their numbers do not change)."""
        return self.autocast() if self.mixed else contextlib.nullcontext()

    def grad_scaler(self) -> torch.amp.GradScaler:
        """Loss scaling for fp16 (disabled, a pass-through, otherwise)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")

    def describe(self) -> dict:
        """What a kept result records about where it was computed."""
        info = {
            "device": str(self.device),
            "precision": self.precision,
            "cpu": cpu_model(),
            "cpu_id": cpu_id(),
            "cpu_bf16": cpu_bf16(),
            "cpu_kernels": cpu_kernels(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "project": project(),
        }
        if self.device.type == "cuda":
            info["gpu"] = torch.cuda.get_device_name(self.device)
            info["cuda"] = torch.version.cuda
        return info


def matmul_weights_to(model: torch.nn.Module, dtype: torch.dtype) -> None:
    """Cast the weights (and biases) of every linear layer (``nn.Linear``, GPT-2's ``Conv1D``)
    but the output embedding, which is tied to the input embedding (an embedding lookup is
    no matmul: it stays fp32, so the residual stream starts fp32). Under autocast the result is
    that of fp32 weights, which autocast rounds to the same values at every call."""
    from transformers.pytorch_utils import Conv1D

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    for module in model.modules():
        if isinstance(module, (torch.nn.Linear, Conv1D)) and module is not head:
            module.to(dtype)


BF16_DESIGNS = ("bf16", "bf16-mixed")


def check_precision(name: str) -> str:
    """A precision as jobs take it: one of ``PRECISIONS``, or ``auto:DESIGN`` (a bf16 design
    where the device computes bf16 natively, else fp32: what a configuration's ``auto``
    becomes once the precision study has ruled, ``pipeline.precision``)."""
    base, _, design = name.partition(":")
    if name in PRECISIONS or (base == "auto" and design in BF16_DESIGNS):
        return name
    raise DeviceError(
        f"precision {name!r}: expected one of {', '.join(PRECISIONS)}, or auto:DESIGN with "
        f"DESIGN one of {', '.join(BF16_DESIGNS)}"
    )


def resolve_precision(name: str, device: torch.device, quiet: bool = False) -> str:
    base, _, design = check_precision(name).partition(":")
    if base == "auto":
        if native_bf16(device):
            return design or "bf16"
        if not quiet:
            print(
                f"precision auto: {device.type} ({cpu_model() if device.type == 'cpu' else ''}) "
                "has no native bf16; computing in fp32",
                file=sys.stderr,
            )
        return "fp32"
    if name == "fp16" and device.type != "cuda":
        raise DeviceError(
            f"precision fp16 needs a CUDA device (this job runs on {device}); use bf16 or fp32"
        )
    return name


def place(device: str = "auto", precision: str = "fp32") -> Placement:
    """Resolve both settings and make the process-wide matmul choice (TF32 or not)."""
    dev = resolve_device(device)
    prec = resolve_precision(precision, dev)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
        # TF32 only where asked for: fp32 means fp32 (PyTorch >= 1.12's default)
        torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
        torch.backends.cudnn.allow_tf32 = prec == "tf32"
    return Placement(dev, prec)


def add_arguments(parser) -> None:
    """``--device`` and ``--precision``, the same on every entry point that runs a model."""
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument(
        "--precision",
        default="fp32",
        type=check_precision,
        help=f"{' | '.join(PRECISIONS)} | auto:DESIGN ({' | '.join(BF16_DESIGNS)})",
    )


def model_device(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def model_dtype(module: torch.nn.Module) -> torch.dtype:
    """The dtype of a module's floating weights (a frozen LM held in bf16 says bf16)."""
    return next(p.dtype for p in module.parameters() if p.is_floating_point())


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}
