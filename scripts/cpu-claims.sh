#!/usr/bin/env bash
# The CPU claims grids (config/cpu-claims.yaml), one replicate (subset, seed) at a time so that
# an interrupted sitting leaves whole replicates: each replicate's 11 runs (4 sizes x prefix and
# fine-tuning, 3 more initialisations at 100 examples) are trained, decoded and scored, then
# archived into docs/results/cpu-claims/runs (commit it); archived runs are never retrained.
# A replicate's runs are paired with each other, so they must share a machine: a replicate begun
# on another machine (CPU kind, kernel path or torch) is trained again here whole, and its runs
# from there are moved to docs/results/cpu-claims/other-machines (a measurement of the spread).
# Then the table and figures are rebuilt from everything finished.
#   scripts/cpu-claims.sh [CORES]      (default 1; JOBS=... to pass more snakemake options)
set -euo pipefail
cores="${1:-1}"
cfg=config/cpu-claims.yaml
root=results/cpu-claims/runs
archive=docs/results/cpu-claims/runs
aside=docs/results/cpu-claims/other-machines
run=e2e/smollm2-135m
pending() {  # the replicate's targets not archived yet, as result paths
  pending=()
  for t in "${targets[@]}"; do
    [ -e "$archive/$t/test.metrics.json" ] || pending+=("$root/$t/test.metrics.json")
  done
}
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
    pending
    [ ${#pending[@]} -eq 0 ] && continue
    python -m pipeline.report.archive --archive "$archive" --set-aside "$aside" --runs "${targets[@]}"
    pending
    echo "replicate subset $subset seed $seed: ${#pending[@]} runs to go ($(date -u +%FT%TZ))"
    snakemake --cores "$cores" --keep-going ${JOBS:-} "${pending[@]}" --configfile "$cfg" || true
    python -m pipeline.report.archive --results "$root" --archive "$archive"
  done
done
mkdir -p docs/results/cpu-claims
snakemake --cores 1 results/cpu-claims/tables/e2e.md results/cpu-claims/figures/lowdata.png \
  results/cpu-claims/figures/init.png --configfile "$cfg" --config report_finished_only=True
(cd results/cpu-claims && cp tables/e2e.md tables/e2e.csv tables/e2e.significance.json \
  figures/lowdata.png figures/lowdata.pdf figures/init.png figures/init.pdf \
  "$OLDPWD/docs/results/cpu-claims/")
