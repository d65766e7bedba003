#!/usr/bin/env bash
# Bring up a throwaway single-node SLURM (Debian 12, as root) for the cluster-profile test:
# munge + slurmctld + slurmd on loopback, no accounting (the profile checks status with squeue),
# two fake GPUs (gres/gpu backed by /dev/null and /dev/zero) so that --gpus=1 and a
# two-process job's --gpus=2 schedule.
# Stop everything with scripts/slurm-down.sh.
set -euo pipefail
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB="${SLURM_MEM_MB:-8000}"   # must be <= what `slurmd -C` reports

export DEBIAN_FRONTEND=noninteractive
pkgs="slurmctld slurmd slurm-client munge"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi

install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || { mungekey --create --keyfile /etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key; }
runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

rm -rf /var/spool/slurmctld /var/spool/slurmd   # a fresh cluster: no jobs from earlier runs
install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm /run/slurm
install -d /var/spool/slurmd
printf "NodeName=%s Name=gpu File=%s\n" "$HOST" /dev/null "$HOST" /dev/zero > /etc/slurm/gres.conf
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=ci
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
GresTypes=gpu
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEM_MB} Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
CONF

/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 120); do sinfo -h -o %T 2>/dev/null | grep -q '^idle' && break; sleep 0.25; done
sinfo
