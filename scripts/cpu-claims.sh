#!/usr/bin/env bash
# The CPU claims grids (config/cpu-claims.yaml), one replicate (subset, seed) at a time so that
# an interrupted sitting leaves whole replicates: each replicate's 11 runs (4 sizes x prefix and
# fine-tuning, 3 more initialisations at 100 examples) are trained, decoded and scored, then
# archived into docs/results/cpu-claims/runs (commit it); archived runs are never retrained.
# A replicate begun on another machine is trained again here whole (scripts/replicate.sh), its
# runs from there moved to docs/results/cpu-claims/other-machines (a measurement of the spread).
# Then the table and figures are rebuilt from everything finished.
#   scripts/cpu-claims.sh [CORES]      (default 1; JOBS=... to pass more snakemake options)
set -euo pipefail
source "$(dirname "$0")/replicate.sh"
cores="${1:-1}"
cfg=config/cpu-claims.yaml
grid=(config/cpu-claims.yaml results/cpu-claims/runs docs/results/cpu-claims/runs
  docs/results/cpu-claims/other-machines "$cores")
run=e2e/smollm2-135m
for seed in 1 2; do
  for subset in 1 2 3 4 5; do
    targets=()
    for size in 50 100 200 500; do
      for method in prefix finetune; do
        targets+=("claims/$run/$method/low${size}s${subset}/seed${seed}")
      done
    done
    for method in prefix-random prefix-summarize prefix-elephant; do
      targets+=("claims-init/$run/$method/low100s${subset}/seed${seed}")
    done
    replicate "${grid[@]}" "replicate subset $subset seed $seed" "${targets[@]}"
  done
done
mkdir -p docs/results/cpu-claims
snakemake --cores 1 results/cpu-claims/tables/e2e.md results/cpu-claims/figures/lowdata.png \
  results/cpu-claims/figures/init.png --configfile "$cfg" --config report_finished_only=True
(cd results/cpu-claims && cp tables/e2e.md tables/e2e.csv tables/e2e.significance.json \
  figures/lowdata.png figures/lowdata.pdf figures/init.png figures/init.pdf \
  "$OLDPWD/docs/results/cpu-claims/")
