#!/usr/bin/env bash
# Recomputes the evidence tables of README.md from the committed scenarios and calibration:
#   1. the calibrated history at full scale against VIVE's counts (calibration and held-out years),
#   2. the action-tracks batch at the calibrated parameters (8 replicates) and with 32 posterior
#      draws, side by side,
#   3. the rollout batch against Helt Hjem in the pilots only.
# Usage: scripts/evidence.sh [OUT]   (default output/evidence; about 6 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-output/evidence}"
hjemsim="${HJEMSIM:-target/release/hjemsim}"
[ -x "$hjemsim" ] || cargo build --release --quiet

echo "## Calibrated history at full scale"
echo
"$hjemsim" validate-history scenarios/calibration/targets.toml --replicates 10
echo

"$hjemsim" batch scenarios/action-tracks.toml --out "$out/dice" --progress never >/dev/null
"$hjemsim" batch scenarios/action-tracks.toml --out "$out/posterior" --progress never \
    --posterior scenarios/calibration/results/posterior.csv --replicates 32 >/dev/null

echo "## Youth homeless at the February 2030 count: effect against the baseline"
echo
echo "| scenario | at the calibrated parameters: difference [paired 95 % CI of the mean] | with posterior draws: mean difference [95 % range over draws] | spent a year |"
echo "| --- | --- | --- | --- |"
awk -F, '
    FNR == 1 { file++ }
    file == 1 && $2 == "pit_18_29_2030" { mean[$1] = $3; lo0[$1] = $5; hi0[$1] = $6 }
    file == 1 && $2 == "budget_spend_dkk" { spend[$1] = $3 / 5 }
    file == 2 && $2 == "pit_18_29_2030" { pmean[$1] = $3; psd[$1] = $4 }
    file == 3 && $3 == "pit_18_29_2030" { order[++n] = $1; d[$1] = $4; lo[$1] = $5; hi[$1] = $6 }
    file == 4 && $3 == "pit_18_29_2030" { pd[$1] = $4; plo[$1] = $9; phi[$1] = $10 }
    END {
        printf "| baseline (count) | %.0f [%.0f, %.0f] | %.0f (sd over draws %.0f) | 0 |\n", \
            mean["baseline"], lo0["baseline"], hi0["baseline"], pmean["baseline"], psd["baseline"]
        for (i = 1; i <= n; i++) {
            s = order[i]
            printf "| %s | %+.0f [%+.0f, %+.0f] | %+.0f [%+.0f, %+.0f] | %.1f m DKK |\n", \
                s, d[s], lo[s], hi[s], pd[s], plo[s], phi[s], spend[s] / 1e6
        }
    }' "$out/dice/action-tracks/summary.csv" "$out/posterior/action-tracks/summary.csv" \
       "$out/dice/action-tracks/comparison.csv" "$out/posterior/action-tracks/comparison.csv"

# 3. The rollout batch (scenarios/rollout.toml) against Helt Hjem in the pilots only.
"$hjemsim" batch scenarios/rollout.toml --out "$out/rollout" --progress never >/dev/null
r="$out/rollout/rollout"
echo
echo "## Rollout against pilots-only"
echo
awk -F, '$1 == "pilots-only" && $2 == "pit_18_29_2030" {
    printf "Pilots only: week-6 count of 18-29s in 2030 %.0f [%.0f, %.0f].\n\n", $3, $5, $6 }' "$r/summary.csv"
echo "| against pilots-only | 2030 count | new adopters: change at end | the rest | homeless months avoided | municipality DKK per month avoided | state | investor | investors' net return (m DKK) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
awk -F, '
    FNR == 1 { file++; next }
    file == 1 && $3 == "pit_18_29_2030" { order[++n] = $1; d[$1] = $4; lo[$1] = $5; hi[$1] = $6 }
    file == 1 && $3 == "investor_net_return_dkk" { ret[$1] = $4 }
    file == 2 { g[$1, $3] = sprintf("%+.0f [%+.0f, %+.0f]", $5, $6, $7); size[$1, $3] = $4 }
    file == 3 { avoided[$1] = $7; per[$1, $3] = ($8 == "" ? "-" : $8) }
    END {
        for (i = 1; i <= n; i++) {
            s = order[i]
            printf "| %s | %+.0f [%+.0f, %+.0f] | %s municipalities: %s | %s | %.0f | %s | %s | %s | %.1f |\n", \
                s, d[s], lo[s], hi[s], size[s, "new_adopters"], g[s, "new_adopters"], g[s, "rest"], \
                avoided[s], per[s, "municipality"], per[s, "state"], per[s, "investor"], ret[s] / 1e6
        }
    }' "$r/comparison.csv" "$r/rollout_groups.csv" "$r/cost_effectiveness.csv"
