#!/usr/bin/env bash
# Submits an hjemsim batch as a Slurm array job plus a dependent merge job.
#
#   scripts/slurm/submit.sh BATCH.toml SHARDS [OUT]
#
# SHARDS array tasks each run their share of the batch into SHARED=OUT/shards (one folder, on a
# file system every node sees); the merge job then writes OUT/<batch name>/ with summary.csv and
# comparison.csv, byte-identical to a run on one machine. Set HJEMSIM to the binary's path if it
# is not on PATH. Prints the two job ids.
set -euo pipefail
batch="$1"
shards="$2"
out="${3:-output}"
here="$(cd "$(dirname "$0")" && pwd)"
name="$(sed -n 's/^name *= *"\(.*\)".*/\1/p' "$batch" | head -n 1)"
shared="$out/shards"
mkdir -p "$shared"
array=$(sbatch --parsable --array=0-$((shards - 1)) "$here/batch-array.sbatch" "$batch" "$shared")
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch" "$shared/$name" "$out")
echo "array job $array ($shards tasks), merge job $merge -> $out/$name/"
