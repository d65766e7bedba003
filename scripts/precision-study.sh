#!/usr/bin/env bash
# The precision study (config/precision.yaml): each run in fp32 and in the bf16 designs on
# one machine, paired. A group (one protocol, size and subset: its fp32 and bf16 runs of every
# method) is a replicate (scripts/replicate.sh): trained, decoded and scored, then archived into
# docs/results/precision/runs (commit it); archived runs are never retrained; a group begun on
# another machine is trained again here whole, its runs from there moved to
# docs/results/precision/other-machines.
# The claims protocol's fp32 prefix ("table-to-text:") and fine-tuning runs are the claims
# grid's archive; the control retrains two of them here and compares (bit-identical expected).
# `make precision-report` then rebuilds the table from everything finished.
#   scripts/precision-study.sh [CORES]     (default 2; PHASES="claims50 claims500 ..."
#                                           chooses what to run, in that order)
set -euo pipefail
source "$(dirname "$0")/replicate.sh"
cores="${1:-2}"
cfg=config/precision.yaml
out=docs/results/precision
study=("$cfg" results/precision/runs "$out/runs" "$out/other-machines" "$cores")
group() {  # size, subset, then "experiment/dataset:method" items, each in fp32 and both designs
  local size="$1" subset="$2" item exp rest e
  shift 2
  local targets=()
  for item in "$@"; do
    exp="${item%%/*}" rest="${item#*/}"
    for e in "$exp" "$exp-bf16" "$exp-mixed"; do
      [ "$e" = claims ] && continue  # the claims grid's archived fp32 runs
      targets+=("$e/${rest%%:*}/smollm2-135m/${rest#*:}/low${size}s${subset}/seed1")
    done
  done
  replicate "${study[@]}" "group size $size subset $subset" "${targets[@]}"
}
control() {  # two archived fp32 claims runs trained again here (results/precision-control)
  local runs=(claims/e2e/smollm2-135m/prefix/low50s1/seed1 claims/e2e/smollm2-135m/finetune/low50s1/seed1)
  [ -e "$out/control/rerun.json" ] && return 0
  snakemake --cores "$cores" --keep-going $(printf "results/precision-control/runs/%s/test.metrics.json " "${runs[@]}") \
    --configfile "$cfg" --config name=precision-control || true
  mkdir -p "$out/control"
  python -m pipeline.report.rerun --original docs/results/cpu-claims/runs \
    --rerun results/precision-control/runs --out "$out/control/rerun"
}
# phases in the order their verdicts matter: the demo's methods (words prefix, fine-tuning) at
# every size in both designs, then the random prefix at 500 examples
for phase in ${PHASES:-claims50 claims100 claims500 random500 control}; do
  for subset in 1 2 3 4 5; do
    case "$phase" in
      claims50) group 50 "$subset" claims/e2e:prefix claims/e2e:finetune claims-random/e2e:prefix-random ;;
      claims100) group 100 "$subset" claims/e2e:prefix claims/e2e:finetune ;;
      claims500) group 500 "$subset" claims/e2e:prefix claims/e2e:finetune ;;
      random500) group 500 "$subset" claims-random/e2e:prefix-random ;;
      control) [ "$subset" = 1 ] && control ;;
      *) echo "unknown phase $phase" >&2; exit 2 ;;
    esac
  done
done
