# Sourced by the CPU grid scripts (cpu-claims.sh, precision-study.sh, cpu-ablations.sh,
# cpu-extrapolation.sh). A replicate is a set of runs compared with each other (one subset or
# seed of every arm), so its runs must share a machine:
#   replicate CFG ROOT ARCHIVE ASIDE CORES LABEL RUN...
# trains, decodes and scores the RUNs (experiment/dataset/model/method/regime/seed) that
# ARCHIVE lacks, into ROOT (results/<config name>/runs), then archives what finished (commit
# it); archived runs are never trained again. A replicate begun on another machine (CPU kind,
# native or emulated bf16, kernel path, torch) is trained again here whole, its runs from there
# moved to ASIDE (those trained in ROOT but never archived, a sitting stopped mid-replicate, to
# ROOT/../set-aside); ASIDE "-" names runs that each stand alone (a run whose fp32 twin is the
# same on every machine), trained together here without that check. With TRAINED_ONLY=1 the runs
# are only trained (a learning-rate choice reads their dev loss) and archived by their
# train.json. JOBS: more snakemake options.
replicate() {
  local cfg="$1" root="$2" archive="$3" aside="$4" cores="$5" label="$6"
  shift 6
  local file=test.metrics.json only=()
  [ -n "${TRAINED_ONLY:-}" ] && file=train.json only=(--trained-only)
  _pending() {
    pending=()
    local t
    for t in "$@"; do [ -e "$archive/$t/$file" ] || pending+=("$root/$t/$file"); done
  }
  _pending "$@"
  [ ${#pending[@]} -eq 0 ] && return 0
  if [ "$aside" != - ]; then
    python -m pipeline.report.archive --archive "$archive" --set-aside "$aside" --results "$root" \
      --runs "$@"
    _pending "$@"
  fi
  echo "$label: ${#pending[@]} runs to go ($(date -u +%FT%TZ))"
  snakemake --cores "$cores" --keep-going ${JOBS:-} "${pending[@]}" --configfile "$cfg" || true
  python -m pipeline.report.archive --results "$root" --archive "$archive" "${only[@]}"
}
