#!/bin/bash
# Runs deploy/slurm/sweep-array.sh on a real Slurm cluster of one node, this machine, and checks that the merged shards
# equal an unsharded sweep of the same grid byte for byte (sweep.csv, sweep.json, sweep.png).
#
#   deploy/slurm/test-single-node.sh             install what is missing, then run the test (as root)
#   deploy/slurm/test-single-node.sh --install   only install Debian's slurm-wlm and munge where missing
#
# Exit codes: 0 passed (or installed), 1 failed, 77 cannot run here (not root, no apt-get, the install failed); the
# last line says why. What it starts (munged, slurmctld, slurmd) listens on its own socket and ports, with its
# configuration, state and logs in a temporary folder: nothing under /etc is changed, and on exit the daemons are
# stopped by their process ids and the folder removed.
#
# The environment: AIRFOIL_DATA, when it names a file, is the sweep's data (else the sweep's synthetic set);
# SLURM_TEST_KEEP=1 keeps the folder for a look afterwards.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

skip() { echo "cannot run the Slurm test here: $*"; exit 77; }

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || skip "installing slurm-wlm and munge needs root"
  command -v apt-get >/dev/null || skip "no apt-get to install Debian's slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q slurm-wlm munge >/tmp/momentum-slurm-apt.log 2>&1; then
    apt-get update -q >>/tmp/momentum-slurm-apt.log 2>&1 || true
    apt-get install -y -q slurm-wlm munge >>/tmp/momentum-slurm-apt.log 2>&1 ||
      skip "apt-get install slurm-wlm munge failed: $(tail -1 /tmp/momentum-slurm-apt.log)"
  fi
}

install
[ "${1:-}" = "--install" ] && exit 0
[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root to start jobs"

# The grid: small enough for a minute of CI, cut into 4 shards that Slurm runs as the tasks of one array.
shards=4
grid=(--optimizer momentum,nesterov --lr 0.005,0.01,0.02 --momentum 0.5,0.9 --seeds 0,1 --epochs 2)
data=""
if [ -n "${AIRFOIL_DATA:-}" ] && [ -f "$AIRFOIL_DATA" ]; then data=$(realpath "$AIRFOIL_DATA"); fi

work=$(mktemp -d /tmp/momentum-slurm.XXXXXX)
chmod 711 "$work"
pids=()
job=""
status=1
cleanup() {
  set +e
  [ -n "$job" ] && scancel "$job" 2>/dev/null
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/log/*; do [ -f "$log" ] && { echo "--- $log (last lines)"; tail -15 "$log"; }; done
  fi
  if [ "${SLURM_TEST_KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/log" "$work/state" "$work/spool" "$work/munge"
fail() { echo "FAILED: $*"; exit 1; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

# The program, published once from a copy of the sources (the checkout's own bin/ and obj/ are left alone).
echo "publishing momentum…"
mkdir -p "$work/repo"
cp -r "$repo/src" "$repo/Directory.Build.props" "$repo/Directory.Packages.props" "$work/repo/"
rm -rf "$work"/repo/src/*/bin "$work"/repo/src/*/obj
case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid="" ;; esac
dotnet publish "$work/repo/src/Runner" -c Release ${rid:+-r "$rid"} -o "$work/dist" >"$work/log/publish.log" 2>&1 ||
  fail "dotnet publish (see $work/log/publish.log)"
momentum="$work/dist/momentum"

# MUNGE, Slurm's authentication: a key of this test's own, a socket in the test's folder.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
chmod 711 "$work/munge"
munged --foreground --force --socket="$work/munge/munge.sock" --key-file="$work/munge/munge.key" \
  --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/munged.seed" --log-file="$work/log/munged.log" \
  >"$work/log/munged.out" 2>&1 &
pids+=($!)
wait_for 20 test -S "$work/munge/munge.sock" || fail "munged did not start"

# Two free ports for slurmctld and slurmd.
free_port() {
  local port
  for port in $(seq "$1" $(($1 + 500))); do
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then echo "$port"; return; fi
  done
  echo "$1"
}
ctld_port=$(free_port $((20000 + RANDOM % 20000)))
slurmd_port=$(free_port $((ctld_port + 1)))

node=$(hostname -s)
memory=$(($(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo) * 9 / 10))
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=momentum-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 30 scontrol ping || fail "slurmctld did not answer"
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -n "$node" -o %t)" = idle ]; }
wait_for 60 node_idle || fail "the node did not become idle: $(sinfo -h -o '%t %E' 2>&1)"
echo "slurm: node $node idle (slurmctld :$ctld_port, slurmd :$slurmd_port)"

# The array: one task per shard, one CPU each (the script's own #SBATCH asks for 4, more than this node may have).
job=$(cd "$work" && MOMENTUM="$momentum" DATA="$data" OUT="$work/sweep" \
  sbatch --parsable --array=1-$shards --cpus-per-task=1 --output="$work/log/task-%A_%a.out" \
  "$repo/deploy/slurm/sweep-array.sh" "${grid[@]}")
job=${job%%;*}
echo "slurm: submitted array job $job (tasks 1-$shards), data: ${data:-synthetic}"
array_done() { [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; }
wait_for 900 array_done || fail "the array did not finish within 15 minutes: $(squeue -h -j "$job")"
states=$(scontrol -o show job "$job" | grep -o 'JobState=[A-Z_]* .*ExitCode=[0-9:]*' | sed 's/ .*ExitCode=/ /' | sort | uniq -c)
completed=$(scontrol -o show job "$job" | grep -c 'JobState=COMPLETED .*ExitCode=0:0' || true)
[ "$completed" -eq "$shards" ] || fail "$completed of $shards tasks completed with exit code 0: $states"
job=""

# The shards merged, against one unsharded sweep of the same grid.
"$momentum" merge "$work"/sweep/shard-* --out "$work/merged" >"$work/log/merge.out" 2>&1 || fail "merge: $(tail -1 "$work/log/merge.out")"
"$momentum" sweep ${data:+--data "$data"} "${grid[@]}" --out "$work/unsharded" >"$work/log/unsharded.out" 2>&1 ||
  fail "the unsharded sweep: $(tail -1 "$work/log/unsharded.out")"
for file in sweep.csv sweep.json sweep.png; do
  cmp "$work/unsharded/$file" "$work/merged/$file" || fail "$file of the merged shards differs from the unsharded sweep's"
done
points=$(($(wc -l <"$work/merged/sweep.csv") - 1))
status=0
echo "passed: $shards Slurm array tasks, $points points: the merged shards equal the unsharded sweep byte for byte"
