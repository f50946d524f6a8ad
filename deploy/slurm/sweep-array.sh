#!/bin/bash
# One shard of a `momentum sweep` per task of a Slurm job array; `momentum merge` then joins the shards into the files
# the unsharded sweep writes (byte for byte: every point trains from its own seed, whatever shard runs it).
#
#   dotnet publish src/Runner -c Release -r linux-x64 -o dist      # once, on the login node
#   dist/momentum data fetch airfoil                               # once, if the compute nodes have no network
#   sbatch --array=1-16 deploy/slurm/sweep-array.sh --lr 0.001,0.002,0.005,0.01,0.02,0.05,0.1,0.2 \
#       --momentum 0,0.5,0.9,0.95,0.99 --seeds 0,1,2,3
#   # when every task has finished (or submit it with --dependency=afterok:JOBID):
#   dist/momentum merge sweep/shard-* --out sweep/all
#
# Arguments after the script are the sweep's own options (the grid, --epochs, --batch-size, …). The environment, which
# sbatch passes on to the tasks, says the rest:
#   MOMENTUM  the published program                 (default: dist/momentum, from the folder sbatch was run in)
#   DATA      --data: a file, or a data set's name  (default: airfoil, from the per-user cache; empty: the sweep's
#             synthetic set)
#   OUT       the folder of the shard folders       (default: sweep; task K writes OUT/shard-K)
#   SHARDS    how many shards the grid is cut into  (default: the array's task count; set it when re-running a few
#             tasks of a larger array, e.g. SHARDS=16 sbatch --array=7 …)
# Task K of the array (1-based, as --array=1-N numbers them) runs shard K/SHARDS with --parallelism set to the task's
# CPUs. A task that Slurm requeues (preemption, a failed node) continues the points its shard folder already holds
# (sweep --resume); a task submitted anew starts its shard afresh.
#SBATCH --job-name=momentum-sweep
#SBATCH --array=1-16
#SBATCH --cpus-per-task=4
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

: "${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array=1-N}"
MOMENTUM=${MOMENTUM:-dist/momentum}
DATA=${DATA-airfoil}
OUT=${OUT:-sweep}
SHARDS=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set: give SHARDS}}
K=$SLURM_ARRAY_TASK_ID
folder="$OUT/shard-$K"

if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] && [ -f "$folder/sweep.json" ]; then
  exec "$MOMENTUM" sweep --resume "$folder" --parallelism "${SLURM_CPUS_PER_TASK:-1}"
fi
exec "$MOMENTUM" sweep ${DATA:+--data "$DATA"} "$@" \
  --shard "$K/$SHARDS" --parallelism "${SLURM_CPUS_PER_TASK:-1}" --out "$folder"
