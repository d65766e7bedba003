#!/usr/bin/env bash
# Table 5 and Fig. 4 at CPU scale (config/cpu-ablations.yaml), one replicate (training subset)
# at a time (scripts/replicate.sh): its 11 runs (PREFIX, EMB-1/10/20, INFIX-1/10/20 and the
# prefix lengths 1/5/20/40) trained, decoded, scored and archived into
# docs/results/cpu-ablations/runs (commit it), then the table and the figure are rebuilt from
# everything finished, every archived run is re-scored from its outputs (rescore.md) and their
# measured seconds summed per arm (cost.md).
#   scripts/cpu-ablations.sh [CORES]      (default 2; JOBS=... to pass more snakemake options)
set -euo pipefail
source "$(dirname "$0")/replicate.sh"
cores="${1:-2}"
cfg=config/cpu-ablations.yaml
out=docs/results/cpu-ablations
grid=("$cfg" results/cpu-ablations/runs "$out/runs" "$out/other-machines" "$cores")
run=e2e/smollm2-135m
for subset in 1 2 3; do
  targets=()
  for method in prefix emb-1 emb-10 emb-20 infix-1 infix-10 infix-20; do
    targets+=("table5/$run/$method/low500s$subset/seed1")
  done
  for length in 1 5 20 40; do
    targets+=("prefix-length/$run/prefix-$length/low500s$subset/seed1")
  done
  replicate "${grid[@]}" "replicate subset $subset" "${targets[@]}"
done
snakemake --cores 1 results/cpu-ablations/tables/e2e.md results/cpu-ablations/figures/prefix_length.png \
  --configfile "$cfg" --config report_finished_only=True
(cd results/cpu-ablations && cp tables/e2e.md tables/e2e.csv tables/e2e.tex tables/e2e.significance.json \
  figures/prefix_length.png figures/prefix_length.pdf "$OLDPWD/$out/")
python -m pipeline.report.rescore --archive "$out/runs" --jobs "$cores" --out "$out/rescore.md"
python -m pipeline.report.run_cost --runs "$out/runs" --out "$out/cost.md"
