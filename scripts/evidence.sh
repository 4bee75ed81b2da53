#!/usr/bin/env bash
# Recomputes the evidence tables of README.md from the committed scenarios and calibration:
#   1. the calibrated history at full scale against VIVE's counts (calibration and held-out years),
#   2. the action-tracks batch without and with posterior draws, side by side.
# Usage: scripts/evidence.sh [OUT]   (default output/evidence; about 3 minutes on 2 cores)
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
    --posterior scenarios/calibration/results/posterior.csv >/dev/null

echo "## Youth homeless at the February 2030 count: effect against the baseline"
echo
echo "| scenario | baseline mean | difference | paired 95 % CI (dice only) | paired 95 % CI (dice and parameters) | spent a year |"
echo "| --- | --- | --- | --- | --- | --- |"
awk -F, '
    FNR == 1 { file++ }
    file == 1 && $2 == "pit_18_29_2030" && $1 == "baseline" { base = $3 }
    file == 1 && $2 == "budget_spend_dkk" { spend[$1] = $3 / 5 }
    file == 2 && $3 == "pit_18_29_2030" { order[++n] = $1; diff[$1] = $4; lo[$1] = $5; hi[$1] = $6 }
    file == 3 && $3 == "pit_18_29_2030" { plo[$1] = $5; phi[$1] = $6 }
    END {
        for (i = 1; i <= n; i++) {
            s = order[i]
            printf "| %s | %.0f | %+.0f | [%+.0f, %+.0f] | [%+.0f, %+.0f] | %.1f m DKK |\n", \
                s, base, diff[s], lo[s], hi[s], plo[s], phi[s], spend[s] / 1e6
        }
    }' "$out/dice/action-tracks/summary.csv" "$out/dice/action-tracks/comparison.csv" \
       "$out/posterior/action-tracks/comparison.csv"
