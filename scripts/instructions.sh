#!/usr/bin/env bash
# Speed guard (issue 11): instructions executed, counted by callgrind, for one replicate of the
# 5 % baseline benchmark (scenarios/benchmarks/small.toml, 1 thread: loading, population,
# 2007-2030 of every mechanism, the run folder). Unlike wall time, the count does not depend on
# a noisy machine. Fails when the count rises more than TOLERANCE_PERCENT above the committed
# one (benches/instructions.txt); a fall of as much says the baseline should be lowered.
# Usage: bash scripts/instructions.sh [--update]
set -euo pipefail
cd "$(dirname "$0")/.."
TOLERANCE_PERCENT=5
baseline_file=benches/instructions.txt
bin=${HJEMSIM:-target/release/hjemsim}
[ -x "$bin" ] || cargo build --release --quiet --bin hjemsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    "$bin" run scenarios/benchmarks/small.toml --replicates 1 --threads 1 \
    --out "$out/run" --progress never >"$out/stdout" 2>"$out/valgrind.log"
now=$(grep -E '^==[0-9]+== Collected : ' "$out/valgrind.log" | awk '{print $4}')
[ -n "$now" ] || { cat "$out/valgrind.log" >&2; echo "no instruction count" >&2; exit 1; }
if [ "${1:-}" = "--update" ]; then
    echo "$now" >"$baseline_file"
    echo "instructions: $now written to $baseline_file"
    exit 0
fi
was=$(cat "$baseline_file")
change=$(( (now - was) * 1000 / was ))   # per mille
percent=$(awk -v n="$now" -v w="$was" 'BEGIN { printf "%+.1f", (n - w) * 100 / w }')
echo "instructions: $now now, $was committed ($percent %); tolerance +$TOLERANCE_PERCENT %"
if (( change > TOLERANCE_PERCENT * 10 )); then
    echo "slower: more than $TOLERANCE_PERCENT % more instructions than $baseline_file" >&2
    echo "(an intended cost: run 'bash scripts/instructions.sh --update' and commit the file)" >&2
    exit 1
fi
if (( change < -TOLERANCE_PERCENT * 10 )); then
    echo "faster by more than $TOLERANCE_PERCENT %: lower the baseline with --update"
fi
