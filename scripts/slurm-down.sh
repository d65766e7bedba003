#!/usr/bin/env bash
# Stop the daemons scripts/slurm-up.sh started, each by its PID file, and remove slurm.conf so
# that SLURM clients left on the machine fail fast (with a slurm.conf pointing at a dead
# controller every snakemake start waits ~10 s on `scontrol show config`).
set -u
stop_pid_file() {
  local f="$1" pid st
  [ -s "$f" ] || return 0
  pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    st="$(ps -o stat= -p "$pid" 2>/dev/null | tr -d ' ')"
    { [ -z "$st" ] || [ "${st#Z}" != "$st" ]; } && break
    sleep 0.25
  done
  rm -f "$f"
}
stop_pid_file /run/slurm/slurmd.pid
stop_pid_file /run/slurm/slurmctld.pid
stop_pid_file /run/munge/munged.pid
rm -f /etc/slurm/slurm.conf /etc/slurm/gres.conf
