#!/usr/bin/env bash
# Runs a small hjemsim batch on a real single-node Slurm, started here as root without systemd:
# an array job of 3 shards plus the dependent merge job (submit.sh), then checks that the merged
# tables are byte-identical to a single-machine batch. Where Slurm cannot be installed or started
# it says so ("SKIPPED: ...") and exits 0; a wrong result exits 1.
#
#   HJEMSIM=target/release/hjemsim scripts/slurm/test-real-slurm.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
hjemsim="$(cd "$root" && realpath "${HJEMSIM:-target/release/hjemsim}")"
batch="$root/scenarios/benchmarks/tracks-small.toml"
skip() { echo "real-slurm test SKIPPED: $*"; exit 0; }
fail() { echo "real-slurm test FAILED: $*"; exit 1; }

[ -x "$hjemsim" ] || fail "no hjemsim binary at $hjemsim (build with cargo build --release)"
[ "$(id -u)" = 0 ] || skip "needs root to start slurmctld and slurmd"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm and munge (Debian packages)..."
    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge) \
        >/tmp/hjemsim-slurm-apt.log 2>&1 || skip "apt-get install slurm-wlm munge failed (see /tmp/hjemsim-slurm-apt.log)"
fi

work="$(mktemp -d /tmp/hjemsim-slurm.XXXXXX)"
export SLURM_CONF="$work/slurm.conf"
cleanup() {
    scontrol shutdown >/dev/null 2>&1
    sleep 1
    pkill -f "slurmctld.*$work" >/dev/null 2>&1
    pkill -f "slurmd.*$work" >/dev/null 2>&1
}
trap cleanup EXIT

# Munge: a key, the runtime folders, munged as the munge user.
mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create >/dev/null 2>&1 || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
fi
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- munged || skip "munged did not start"
munge -n | unmunge >/dev/null 2>&1 || skip "munge credentials do not work"

host="$(hostname -s)"
cpus="$(nproc)"
mem="$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
[ -n "$mem" ] || skip "slurmd -C did not report the node"
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<EOF
ClusterName=hjemsimci
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -i -f "$SLURM_CONF" || skip "slurmctld did not start (see $work/slurmctld.log)"
slurmd -f "$SLURM_CONF" || skip "slurmd did not start (see $work/slurmd.log)"
for _ in $(seq 60); do
    sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix)' && break
    sleep 1
done
sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix)' || skip "the node did not come up: $(sinfo -h 2>&1 | head -n 1)"
echo "single-node Slurm up: $(sinfo -h -o '%P %D %t %c' | head -n 1)"

# The batch through Slurm: 3 array tasks and the dependent merge.
cd "$work"
HJEMSIM="$hjemsim" "$root/scripts/slurm/submit.sh" "$batch" 3 "$work/slurm-out" || fail "sbatch failed"
for _ in $(seq 600); do
    [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 1
done
[ -z "$(squeue -h)" ] || fail "jobs still queued after 10 minutes: $(squeue -h | head -n 3)"
[ -f "$work/slurm-out/tracks-small/comparison.csv" ] \
    || fail "the merge job wrote nothing; logs: $(tail -n 5 "$work"/hjemsim-*.out 2>/dev/null)"

# The same batch on this machine alone.
"$hjemsim" batch "$batch" --out "$work/one" --progress never >/dev/null || fail "single-machine batch failed"
for t in summary.csv comparison.csv pit_counts.csv; do
    cmp -s "$work/one/tracks-small/$t" "$work/slurm-out/tracks-small/$t" || fail "$t differs from a single machine"
done
echo "real-slurm test PASSED: 3 array tasks + merge under Slurm give the same bytes as one machine"
