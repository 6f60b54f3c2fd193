#!/usr/bin/env bash
# Stop only the daemons start-local-slurm.sh started, using its pidfiles.
#   stop-local-slurm.sh                      all of them
#   stop-local-slurm.sh slurmd slurmctld     only these (munged mariadbd slurmdbd slurmctld slurmd)
# polimodal's copy of ../shared/slurm/stop-local-slurm.sh.
set -euo pipefail
BASE=${SLURM_LOCAL_DIR:-/tmp/polimodal-slurm}
PIDS=$BASE/pids
stop_pidfile() {  # stop_pidfile NAME EXE
  local pf=$PIDS/$1.pid exe=$2 pid
  [ -s "$pf" ] || return 0
  pid=$(cat "$pf")
  if [ -d /proc/$pid ] && [ "$(readlink /proc/$pid/exe 2>/dev/null)" = "$(readlink -f "$exe")" ]; then
    echo "stopping $1 (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 120); do [ -d /proc/$pid ] || break; sleep 0.25; done
    if [ -d /proc/$pid ]; then echo "  $1 still alive, SIGKILL"; kill -KILL "$pid"; fi
  else
    echo "$1: pid $pid not running (stale pidfile)"
  fi
  rm -f "$pf"
}
SELECTED="$*"
for d in "$@"; do
  case $d in munged|mariadbd|slurmdbd|slurmctld|slurmd) ;; *) echo "unknown daemon: $d" >&2; exit 2;; esac
done
# reverse start order
for d in slurmd slurmctld slurmdbd mariadbd munged; do
  if [ -z "$SELECTED" ] || [[ " $SELECTED " == *" $d "* ]]; then stop_pidfile "$d" "/usr/sbin/$d"; fi
done
