#!/usr/bin/env bash
# Start a single-node, loopback-only SLURM cluster on Debian 12, as root,
# without systemd: munged + slurmctld + slurmd (+ mariadbd + slurmdbd when
# SLURM_ACCOUNTING=slurmdbd). Partitions: cpu (default) and gpu; the node has
# one fake GPU GRES (File=/dev/null) so --gres=gpu:1 / --gpus=1 jobs run.
# Idempotent: a healthy cluster is left alone, dead daemons are restarted,
# a changed config restarts slurmctld/slurmd. Stop with stop-local-slurm.sh.
#
#   SLURM_LOCAL_DIR   state/log/pid dir (default /tmp/polimodal-slurm)
#   SLURM_ACCOUNTING  slurmdbd (default: mariadb+slurmdbd, `sacct` works)
#                     | none (no DB; `sacct` fails, poll with squeue)
#   SLURM_NO_INSTALL  =1 skips apt-get
#   SLURM_NODE_CPUS   CPUs the node advertises (default: the real count, at least 8),
#                     so that a profile's cpus_per_gpu/threads fit on a small laptop or
#                     CI machine; jobs then share the real cores (SlurmdParameters=config_overrides)
#
# polimodal's copy of ../shared/slurm/start-local-slurm.sh, used by tests/test_slurm.py and
# described in docs/cluster.md ("Try the profile on your own machine").
set -euo pipefail

BASE=${SLURM_LOCAL_DIR:-/tmp/polimodal-slurm}
ACCT=${SLURM_ACCOUNTING:-slurmdbd}
CONF_DIR=/etc/slurm
HOST=$(hostname -s)
PIDS=$BASE/pids LOGS=$BASE/log
log() { printf '[start-local-slurm %(%T)T] %s\n' -1 "$*"; }
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
case $ACCT in none|slurmdbd) ;; *) echo "SLURM_ACCOUNTING must be none or slurmdbd" >&2; exit 1;; esac

# ------------------------------------------------------------------ install
pkgs=(slurmctld slurmd slurm-client munge)
[ "$ACCT" = slurmdbd ] && pkgs+=(slurmdbd mariadb-server)
if [ "${SLURM_NO_INSTALL:-0}" != 1 ]; then
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    own_policy=0   # keep postinst from starting daemons; remove only our own policy-rc.d
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi
fi

# ------------------------------------------------------------------ helpers
alive() {  # alive PIDFILE EXE: the pid in PIDFILE is running EXE
  local pf=$1 exe=$2 pid
  [ -s "$pf" ] || return 1
  pid=$(cat "$pf")
  [ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$exe")" ]
}
stop_pidfile() {  # stop_pidfile PIDFILE EXE: TERM (then KILL) that one pid only
  local pf=$1 exe=$2 pid
  alive "$pf" "$exe" || { rm -f "$pf"; return 0; }
  pid=$(cat "$pf"); log "stopping $(basename "$exe") pid $pid"
  kill -TERM "$pid"
  for _ in $(seq 80); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
  if [ -d "/proc/$pid" ]; then kill -KILL "$pid"; fi
  rm -f "$pf"
}
wait_for() {  # wait_for SECONDS DESCRIPTION CMD...
  local t=$1 what=$2; shift 2
  for _ in $(seq $((t * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  echo "timed out waiting for $what" >&2; return 1
}
write_if_changed() {  # write_if_changed FILE MODE CONTENT -> sets conf_changed=1
  if [ "$(cat "$1" 2>/dev/null)" != "$3" ]; then
    printf '%s\n' "$3" > "$1"; chmod "$2" "$1"; conf_changed=1
  fi
}

# ------------------------------------------------------------------ dirs
mkdir -p "$BASE"/{ctld,spool} "$PIDS" "$LOGS" "$CONF_DIR"
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge /etc/munge

# ------------------------------------------------------------------ config
# hardware as slurmd sees it: "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 ..."
HW=$(slurmd -C | head -1)
hw() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$HW"; }
MEM=$(( $(hw RealMemory) - 256 ))   # headroom: never drain as "Low RealMemory"
REAL_CPUS=$(hw CPUs)
NODE_CPUS=${SLURM_NODE_CPUS:-$(( REAL_CPUS > 8 ? REAL_CPUS : 8 ))}
if [ "$NODE_CPUS" = "$REAL_CPUS" ]; then
  CPU_LINE="CPUs=$REAL_CPUS Sockets=$(hw SocketsPerBoard) CoresPerSocket=$(hw CoresPerSocket) ThreadsPerCore=$(hw ThreadsPerCore)"
  OVERRIDES="" TASK_PLUGIN=task/affinity
else  # advertise more (or fewer) CPUs than the machine has; no affinity binding then
  CPU_LINE="CPUs=$NODE_CPUS Sockets=1 CoresPerSocket=$NODE_CPUS ThreadsPerCore=1"
  OVERRIDES="SlurmdParameters=config_overrides" TASK_PLUGIN=task/none
fi

if [ "$ACCT" = slurmdbd ]; then
  ACCT_LINES="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=$HOST
AccountingStoragePort=6819
AccountingStorageTRES=gres/gpu
# sacct shows the plugin's --comment (rule_<rule>_wildcards_<shard>): which rule each job ran
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/linux"
else
  ACCT_LINES="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi

conf_changed=0
write_if_changed "$CONF_DIR/slurm.conf" 0644 "# generated by start-local-slurm.sh
ClusterName=local
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
# bind 127.0.0.1 (what $HOST resolves to) instead of 0.0.0.0
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$BASE/ctld
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$PIDS/slurmctld.pid
SlurmdPidFile=$PIDS/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# no cgroups in containers / microVMs
ProctrackType=proctrack/linuxproc
TaskPlugin=$TASK_PLUGIN
$OVERRIDES
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
# one node serves both partitions: backfill every second, so that CPU jobs start at once while a
# GPU job waits for the single GPU (default: every 30 s)
SchedulerParameters=bf_interval=1,bf_continue
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# without it a job with no --mem gets the whole node and jobs serialise
DefMemPerCPU=1024
GresTypes=gpu
# finished jobs stay visible to squeue for 10 min (the snakemake slurm plugin
# only trusts squeue if MinJobAge >= 3 x its first status-check delay)
MinJobAge=600
InactiveLimit=0
KillWait=5
Waittime=0
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.txt
$ACCT_LINES
NodeName=$HOST NodeAddr=127.0.0.1 $CPU_LINE RealMemory=$MEM Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST Default=NO MaxTime=INFINITE State=UP"
# one fake GPU: no NVML autodetection, device file /dev/null
write_if_changed "$CONF_DIR/gres.conf" 0644 "AutoDetect=off
NodeName=$HOST Name=gpu File=/dev/null Count=1"
if [ "$ACCT" = slurmdbd ]; then
  write_if_changed "$CONF_DIR/slurmdbd.conf" 0600 "# generated by start-local-slurm.sh
AuthType=auth/munge
DbdHost=$HOST
DbdAddr=127.0.0.1
DbdPort=6819
CommunicationParameters=NoInAddrAny
SlurmUser=root
LogFile=$LOGS/slurmdbd.log
PidFile=$PIDS/slurmdbd.pid
StorageType=accounting_storage/mysql
# 'localhost' = unix socket /run/mysqld/mysqld.sock, root via unix_socket auth
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db"
fi
if [ $conf_changed = 1 ]; then  # node/GRES/accounting changes need restarts in 22.05
  stop_pidfile "$PIDS/slurmd.pid" /usr/sbin/slurmd
  stop_pidfile "$PIDS/slurmctld.pid" /usr/sbin/slurmctld
  stop_pidfile "$PIDS/slurmdbd.pid" /usr/sbin/slurmdbd
fi
if [ "$ACCT" = none ]; then  # switched from slurmdbd mode: DB daemons not needed
  stop_pidfile "$PIDS/slurmdbd.pid" /usr/sbin/slurmdbd
  stop_pidfile "$PIDS/mariadbd.pid" /usr/sbin/mariadbd
fi

# ------------------------------------------------------------------ munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating munge key"; mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
if alive "$PIDS/munged.pid" /usr/sbin/munged; then :
elif alive /run/munge/munged.pid /usr/sbin/munged; then
  log "using a munged this script did not start (pid $(cat /run/munge/munged.pid)); it will not be stopped"
else
  log "starting munged"
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2*
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  wait_for 10 munged sh -c 'munge -n | unmunge'
  cp /run/munge/munged.pid "$PIDS/munged.pid"   # recorded only when we started it
fi

# ------------------------------------------------------------------ mariadb + slurmdbd
if [ "$ACCT" = slurmdbd ]; then
  DB=$BASE/mysql
  if [ ! -d "$DB/mysql" ]; then
    log "initialising mariadb datadir $DB"
    rm -rf "$DB"; install -d -o mysql -g mysql "$DB"
    mariadb-install-db --user=mysql --datadir="$DB" --auth-root-authentication-method=socket \
      --skip-test-db > "$LOGS/mariadb-install.log" 2>&1
  fi
  install -d -o mysql -g mysql /run/mysqld "$BASE/mysql-run"
  if ! alive "$PIDS/mariadbd.pid" /usr/sbin/mariadbd; then
    [ -S /run/mysqld/mysqld.sock ] && mariadb -uroot -e 'select 1' >/dev/null 2>&1 &&
      { echo "another mariadbd already serves /run/mysqld/mysqld.sock" >&2; exit 1; }
    log "starting mariadbd (no TCP, socket /run/mysqld/mysqld.sock)"
    setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DB" \
      --socket=/run/mysqld/mysqld.sock --pid-file="$BASE/mysql-run/mariadbd.pid" \
      --skip-networking --innodb-buffer-pool-size=512M --innodb-lock-wait-timeout=900 \
      --log-error="$BASE/mysql-run/mariadb.log" </dev/null >/dev/null 2>&1 &
    echo $! > "$PIDS/mariadbd.pid"
    wait_for 60 mariadbd mariadb -uroot -e 'select 1' ||
      { tail -20 "$BASE/mysql-run/mariadb.log"; exit 1; }
  fi
  if ! alive "$PIDS/slurmdbd.pid" /usr/sbin/slurmdbd; then
    log "starting slurmdbd"
    rm -f "$PIDS/slurmdbd.pid"
    /usr/sbin/slurmdbd
    wait_for 30 slurmdbd sacctmgr -n list cluster ||
      { tail -20 "$LOGS/slurmdbd.log"; exit 1; }
  fi
fi

# ------------------------------------------------------------------ slurmctld
if ! alive "$PIDS/slurmctld.pid" /usr/sbin/slurmctld; then
  log "starting slurmctld"
  rm -f "$PIDS/slurmctld.pid"
  /usr/sbin/slurmctld
  wait_for 30 slurmctld scontrol ping
  wait_for 10 "slurmctld pidfile" alive "$PIDS/slurmctld.pid" /usr/sbin/slurmctld ||
    { tail -20 "$LOGS/slurmctld.log"; exit 1; }
fi

# ------------------------------------------------------------------ accounts
if [ "$ACCT" = slurmdbd ]; then
  # slurmctld registers cluster 'local' itself; add an account so that
  # sbatch -A ci / snakemake's slurm_account=ci validate with sacctmgr
  wait_for 30 "cluster registration" sh -c 'sacctmgr -n -P list cluster format=cluster | grep -qx local'
  sacctmgr -n -P list account ci format=account | grep -qx ci ||
    sacctmgr -i -Q add account ci cluster=local description=ci organization=ci >/dev/null
  sacctmgr -n -P list user root format=defaultaccount | grep -qx ci ||
    sacctmgr -i -Q add user root account=ci defaultaccount=ci cluster=local >/dev/null
fi

# ------------------------------------------------------------------ slurmd
if ! alive "$PIDS/slurmd.pid" /usr/sbin/slurmd; then
  log "starting slurmd"
  rm -f "$PIDS/slurmd.pid"
  /usr/sbin/slurmd
  wait_for 10 slurmd alive "$PIDS/slurmd.pid" /usr/sbin/slurmd ||
    { tail -20 "$LOGS/slurmd.log"; exit 1; }
fi

# ------------------------------------------------------------------ wait for the node
# idle (mix/alloc if jobs from an earlier run are still going)
node_up() { sinfo -h -N -n "$HOST" -o '%t' | grep -Eqx 'idle|mix|alloc'; }
if ! wait_for 60 "node $HOST idle" node_up; then
  sinfo -N -l; scontrol show node "$HOST"; tail -20 "$LOGS/slurmd.log"; exit 1
fi
sinfo
log "cluster up ($ACCT):$(for d in munged mariadbd slurmdbd slurmctld slurmd; do
  [ -s "$PIDS/$d.pid" ] && printf ' %s=%s' $d "$(cat "$PIDS/$d.pid")"; done)"
