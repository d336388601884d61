#!/usr/bin/env bash
# A one-node Slurm cluster on 127.0.0.1, for CI and for trying the sbatch script by hand.
#
#   deploy/slurm/ci-cluster.sh start   # writes slurm.conf, starts munged, slurmctld, slurmd
#   deploy/slurm/ci-cluster.sh env     # prints `export SLURM_CONF=…` for this cluster
#   deploy/slurm/ci-cluster.sh stop    # stops the three daemons this script started
#
# Everything (configuration, munge key and socket, spool, logs, pid files) lives under
# $CAPSIM_SLURM_DIR (default target/slurm-ci): nothing in /etc is changed, and `stop` ends only
# the daemons whose pid files are there. Needs Debian's slurmctld, slurmd, slurm-client and munge,
# and root (slurmd starts jobs as their user; SlurmUser is root here).
#
# The node is described as the machine is (slurmd -C: its CPUs and memory), one partition `ci`.
# Daemons listen on 127.0.0.1 only: ports 6817 (slurmctld) and 6818 (slurmd), Slurm's defaults,
# unless CAPSIM_SLURM_PORT is set (then that port and the next).
set -euo pipefail

dir="${CAPSIM_SLURM_DIR:-$PWD/target/slurm-ci}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
port="${CAPSIM_SLURM_PORT:-6817}"
conf="$dir/slurm.conf"
socket="$dir/munge/munge.socket.2"

# The node as slurmd sees this machine: "CPUs=2 Boards=1 … RealMemory=24105", less its name.
node_hardware() {
  slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //'
}

write_conf() {
  local host
  host="$(hostname -s)"
  cat >"$conf" <<EOF
# Written by deploy/slurm/ci-cluster.sh: a one-node cluster on 127.0.0.1.
ClusterName=capsim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
# Finished jobs stay visible to scontrol for 10 minutes, so the driver can read their states.
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 $(node_hardware) State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  mkdir -p "$dir/munge"
  chmod 700 "$dir/munge"
  [ -f "$dir/munge.key" ] || mungekey --create --keyfile="$dir/munge.key"
  chmod 600 "$dir/munge.key"
  munged --force --socket="$socket" --key-file="$dir/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
}

# Waits until `sinfo` reports the node idle (slurmd registered), at most 30 s.
wait_idle() {
  for _ in $(seq 1 60); do
    if [ "$(SLURM_CONF="$conf" sinfo -h -o %t 2>/dev/null)" = "idle" ]; then
      return 0
    fi
    sleep 0.5
  done
  echo "ci-cluster: the node did not become idle in 30 s; logs in $dir" >&2
  tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  return 1
}

start() {
  mkdir -p "$dir/ctld" "$dir/d"
  write_conf
  start_munge
  # -c: a cold start, no jobs recovered from an earlier run's state.
  SLURM_CONF="$conf" slurmctld -c
  SLURM_CONF="$conf" slurmd -N "$(hostname -s)"
  wait_idle
  echo "ci-cluster: up ($(SLURM_CONF="$conf" sinfo -h -o '%P %D node(s), %c CPUs, %m MB')); export SLURM_CONF=$conf"
}

# Ends one daemon by the pid in its file, and waits for it to go (at most 10 s).
stop_one() {
  local name="$1" pidfile="$dir/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
  echo "ci-cluster: stopped $name"
}

stop() {
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
