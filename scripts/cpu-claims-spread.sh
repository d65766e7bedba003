#!/usr/bin/env bash
# Machine-to-machine spread of the CPU claims grid, measured on one host: a few archived runs
# (subset 1, seed 1) are trained, decoded and scored again
#   1. as they were (the control: the same host and kernels must give the same outputs), and
#   2. with ATen, MKL and oneDNN capped at AVX2, the kernel paths a CPU without AVX-512 takes
#      (an AMD EPYC of Zen 2/3, say): different rounding from the first matmul on,
# each under its own configuration name (results/cpu-claims-same, results/cpu-claims-avx2),
# then each is compared run by run with the archive (pipeline.report.rerun) into
# docs/results/cpu-claims/machine-spread/.
#   scripts/cpu-claims-spread.sh [CORES]      (default 1)
set -euo pipefail
cores="${1:-1}"
cfg=config/cpu-claims.yaml
archive=docs/results/cpu-claims/runs
out=docs/results/cpu-claims/machine-spread
run=e2e/smollm2-135m
spread() {  # configuration name, run paths...
  local name="$1"
  shift
  # targets before --config, which takes every word after it
  snakemake --cores "$cores" --keep-going $(printf "results/$name/runs/%s/test.metrics.json " "$@") \
    --configfile "$cfg" --config name="$name" || true
  mkdir -p "$out"
  python -m pipeline.report.rerun --original "$archive" --rerun "results/$name/runs" \
    --out "$out/${name#cpu-claims-}"
}
capped=()
for size in 50 100 200; do
  for method in prefix finetune; do capped+=("claims/$run/$method/low${size}s1/seed1"); done
done
capped+=("claims-init/$run/prefix-random/low100s1/seed1")
spread cpu-claims-same "claims/$run/prefix/low50s1/seed1"
(
  export ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
  spread cpu-claims-avx2 "${capped[@]}"
)
