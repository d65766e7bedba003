#!/usr/bin/env bash
# The WebNLG extrapolation at CPU scale, in two phases:
#   lr    the learning-rate candidates (config/cpu-extrapolation-lr.yaml), only trained, archived
#         in docs/results/cpu-extrapolation/lr-choice/runs; the choice (lowest dev loss per
#         method) is written to docs/results/cpu-extrapolation/lr-choice/choice.{md,json}
#   grid  config/cpu-extrapolation.yaml, one replicate (training seed) at a time
#         (scripts/replicate.sh), refused unless its learning rates are the ones chosen; then
#         the table is rebuilt from everything finished and every archived run is re-scored
#         from its outputs (rescore.md); each phase sums its runs' measured seconds (cost.md)
#   scripts/cpu-extrapolation.sh [CORES]   (default 2; PHASES="lr grid" chooses)
set -euo pipefail
source "$(dirname "$0")/replicate.sh"
cores="${1:-2}"
out=docs/results/cpu-extrapolation
choice="$out/lr-choice/choice"
run=webnlg/smollm2-135m
for phase in ${PHASES:-lr grid}; do
  case "$phase" in
    lr)
      targets=()
      for m in prefix-lr5e-5 prefix-lr3e-4 prefix-lr1e-3 finetune-lr1e-5 finetune-lr5e-5 \
        finetune-lr1e-4 adapter-lr5e-5 adapter-lr3e-4 adapter-lr1e-3; do
        targets+=("extrapolation-lr/$run/$m/full/seed1")
      done
      TRAINED_ONLY=1 replicate config/cpu-extrapolation-lr.yaml results/cpu-extrapolation-lr/runs \
        "$out/lr-choice/runs" "$out/lr-choice/other-machines" "$cores" "learning rates" "${targets[@]}"
      python -m pipeline.report.lr_choice --runs "$out/lr-choice/runs" --out "$choice"
      python -m pipeline.report.run_cost --runs "$out/lr-choice/runs" --out "$out/lr-choice/cost.md"
      ;;
    grid)
      cfg=config/cpu-extrapolation.yaml
      python -m pipeline.report.lr_choice --check "$cfg" --choice "$choice.json"
      for seed in 1 2 3; do
        targets=()
        for m in prefix finetune adapter-3pct; do targets+=("extrapolation/$run/$m/full/seed$seed"); done
        replicate "$cfg" results/cpu-extrapolation/runs "$out/runs" "$out/other-machines" "$cores" \
          "replicate seed $seed" "${targets[@]}"
      done
      snakemake --cores 1 results/cpu-extrapolation/tables/webnlg.md --configfile "$cfg" \
        --config report_finished_only=True
      (cd results/cpu-extrapolation && cp tables/webnlg.md tables/webnlg.csv tables/webnlg.tex \
        tables/webnlg.significance.json "$OLDPWD/$out/")
      python -m pipeline.report.rescore --archive "$out/runs" --jobs "$cores" --out "$out/rescore.md"
      python -m pipeline.report.run_cost --runs "$out/runs" --out "$out/cost.md"
      ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
done
