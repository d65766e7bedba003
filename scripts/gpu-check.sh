#!/usr/bin/env bash
# The GPU check (make gpu-check): one prepared script for a machine with a CUDA GPU.
#   1. the smoke DAG with device: cuda in bf16, from scratch, in a throwaway copy;
#   2. the training-step benchmark on the GPU (GPT-2-medium geometry, prefix vs fine-tuning);
#   3. the decoding precision benchmark on the GPU.
# Prints every number; record them in benchmarks/README.md ("GPU").
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-python}"
"$PY" - <<'PYEOF'
import torch
assert torch.cuda.is_available(), "no CUDA device: install a CUDA build of torch (README, Paper scale)"
print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"bf16: {torch.cuda.is_bf16_supported()}")
PYEOF
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r Snakefile workflow pipeline config profiles envs "$work"/
mkdir -p "$work/tests" && cp -r tests/fixtures "$work/tests/"
start=$(date +%s)
(cd "$work" && snakemake --cores all --configfile config/smoke.yaml \
  --config device=cuda precision=bf16 --resources local_gpus=1 --quiet rules)
echo "smoke DAG on the GPU in bf16: $(( $(date +%s) - start )) s"
"$PY" - "$work" <<'PYEOF'
import json, pathlib, sys
runs = sorted(pathlib.Path(sys.argv[1], "results/smoke/runs").glob("*/*/*/*/*/seed*/train.json"))
devices = {json.loads(p.read_text())["machine"]["device"] for p in runs}
precisions = {json.loads(p.read_text())["precision"] for p in runs}
print(f"{len(runs)} runs trained on {sorted(devices)} in {sorted(precisions)}")
assert all(d.startswith("cuda") for d in devices) and precisions == {"bf16"}
PYEOF
"$PY" benchmarks/gpu_train_step.py --precisions fp32 tf32 bf16 bf16-mixed
"$PY" benchmarks/decode_precision.py --model gpt2-small --device cuda --n 64
"$PY" benchmarks/ddp_scaling.py --precision bf16   # one run on all visible GPUs vs one
