#!/usr/bin/env bash
# What a municipality-month costs in instructions, whatever its people (issue 11's linearity):
# callgrind counts the instructions of `Model::step` (and what it calls) while
# examples/fixed_cost.rs steps the baseline at scale 0.01 (2 replicates) and at 0.1 (1 replicate)
# on 1 thread, burn-in included. With the months and agent-months each stepped, a line through the
# two scales gives the instructions of a person-month (slope) and of a municipality-month whatever
# its people (intercept). The same line through each function's own instructions (inlined code
# counts as the function it is inlined into) says where the intercept goes. Instructions, unlike
# wall time, do not move with this machine's speed; `cargo run --release --example fixed_cost`
# gives the time. About two minutes.
# Usage: bash scripts/fixed_instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example fixed_cost
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for run in 0.01:2 0.1:1; do
  IFS=: read -r scale replicates <<<"$run"
  valgrind --tool=callgrind --callgrind-out-file="$out/$scale.out" \
    --toggle-collect='hjemsim::model::Model::step' \
    target/release/examples/fixed_cost --replicates "$replicates" "$scale" \
    >/dev/null 2>"$out/$scale.log"
  grep -q '^stepped at scale' "$out/$scale.log" || { cat "$out/$scale.log" >&2; exit 1; }
  callgrind_annotate --inclusive=no --auto=no --threshold=100 "$out/$scale.out" >"$out/$scale.txt" 2>/dev/null
done
python3 - "$out" <<'EOF'
import re, sys
out = sys.argv[1]

def load(scale):
    log = open(f"{out}/{scale}.log").read()
    mm, am = map(int, re.search(r"(\d+) municipality-months, (\d+) agent-months", log).groups())
    total = int(re.search(r"Collected : (\d+)", log).group(1))
    own = {}
    for line in open(f"{out}/{scale}.txt"):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*?):(.*?)(?: \[.*\])?$", line)
        if not m:
            continue
        # The function, whatever file its inlined lines came from; generic arguments dropped.
        function = re.sub(r"<[^<>]*>", "", m.group(3)).strip() or m.group(2)
        own[function] = own.get(function, 0) + int(m.group(1).replace(",", ""))
    return mm, am, total, own

small, large = load("0.01"), load("0.1")
people = [s[1] / s[0] for s in (small, large)]

def line(small_count, large_count):
    ys = [small_count / small[0], large_count / large[0]]
    slope = (ys[1] - ys[0]) / (people[1] - people[0])
    return slope, ys[0] - slope * people[0]

slope, fixed = line(small[2], large[2])
print(f"Model::step: {small[2] / small[0]:,.0f} instructions a municipality-month at scale 0.01 "
      f"({people[0]:.1f} people), {large[2] / large[0]:,.0f} at 0.1 ({people[1]:.1f} people)")
print(f"line: {slope:.1f} instructions a person-month + {fixed:,.0f} a municipality-month")
# Issue 11's measure: each scale's rate as a share of scale 1's, scale 1 taken from the line at
# ten times scale 0.1's people (callgrind would take minutes there, and the line is straight).
per_agent = lambda n: slope + fixed / n
print(f"an agent-month's instructions at scale 1 over those at scale 0.01: "
      f"{per_agent(10 * people[1]) / per_agent(people[0]):.2f}; at scale 0.1: "
      f"{per_agent(10 * people[1]) / per_agent(people[1]):.2f} (issue 11's measure, in instructions)")
print()
print(f"{'a municipality-month, whatever its people':>44}  {'a person-month':>14}  function")
rows = []
for function in set(small[3]) | set(large[3]):
    s, f = line(small[3].get(function, 0), large[3].get(function, 0))
    rows.append((f, s, function))
for f, s, function in sorted(rows, reverse=True):
    if abs(f) >= 20:
        print(f"{f:>44,.0f}  {s:>14.1f}  {function[:100]}")
EOF
