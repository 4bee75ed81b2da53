#!/usr/bin/env bash
# Recomputes the evidence tables of README.md from the committed scenarios and calibration:
#   1. the calibrated history at full scale against VIVE's counts (calibration and held-out years),
#   2. the action-tracks batch at the calibrated parameters (8 replicates) and with 32 posterior
#      draws, side by side.
# Usage: scripts/evidence.sh [OUT]   (default output/evidence; about 5 minutes on 2 cores)
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
