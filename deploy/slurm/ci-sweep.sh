#!/usr/bin/env bash
# The sweep on a real Slurm cluster, end to end, against the single-machine run (CI's check).
#
#   deploy/slurm/ci-cluster.sh start && deploy/slurm/ci-sweep.sh; deploy/slurm/ci-cluster.sh stop
#
# Submits EXPERIMENT (default experiments/scale-up-vs-out.json, 9 points) as a 3-task job array
# with the shipped deploy/slurm/sweep.sbatch, and makes two of its tasks end badly, on purpose and
# always the same way, so that the recovery is tested and nothing is left to luck:
#   - task 2 FAILS: its histograms file's path is taken by a folder (as a full or read-only
#     disk would make it fail), so `capsim sweep` refuses to start (exit 2);
#   - task 3 is CANCELLED while the array is still held, before it could start.
# Then `capsim merge` must refuse the parts and name the missing shards (2/3, 3/3); the script
# clears the blocked path and resubmits exactly those indices, as the book (docs/src/how-to/cluster.md) tells a user to, and
# the merged CSV and histograms must equal, byte for byte, `capsim sweep EXPERIMENT` on one
# machine. Exits non-zero on any difference; about 20 s on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

capsim="${CAPSIM:-$PWD/target/release/capsim}"
experiment="${1:-experiments/scale-up-vs-out.json}"
shards=3
eval "$(deploy/slurm/ci-cluster.sh env)"
work="$(dirname "$SLURM_CONF")/sweep"
rm -rf "$work"
mkdir -p "$work/parts" "$work/logs"

fail() {
  echo "slurm sweep: FAILED: $*" >&2
  tail -n 5 "$work"/logs/*.out >&2 2>/dev/null || true
  exit 1
}

# Waits until no task of array job $1 is pending or running, at most 120 s.
wait_for() {
  for _ in $(seq 1 240); do
    # A failed query (the controller busy) is no answer: only an empty list ends the wait.
    if queued="$(squeue -h -j "$1" 2>/dev/null)" && [ -z "$queued" ]; then
      return 0
    fi
    sleep 0.5
  done
  fail "job $1 still queued or running after 120 s"
}

# The final state of each task of array job $1 that ran, as "1=COMPLETED 2=FAILED".
task_states() {
  scontrol show job "$1" -o | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*/\1=\2/p' |
    sort -n | tr '\n' ' ' | sed 's/ $//'
}

submit() {
  sbatch --parsable --output="$work/logs/%A_%a.out" --export="ALL,CAPSIM=$capsim" "$@" \
    deploy/slurm/sweep.sbatch "$experiment" "$shards" "$work/parts"
}

echo "slurm sweep: $experiment on one machine"
"$capsim" sweep "$experiment" --threads 1 -o "$work/single.csv" >"$work/logs/single.out" 2>&1 ||
  fail "the single-machine sweep: $(tail -n 3 "$work/logs/single.out")"

echo "slurm sweep: as a job array of $shards tasks, task 2 made to fail and task 3 cancelled"
mkdir "$work/parts/part-2.histograms.jsonl"
job="$(submit --hold --array=1-$shards)"
scancel "${job}_3"
scontrol release "$job"
wait_for "$job"
states="$(task_states "$job")"
echo "slurm sweep: job $job ended: $states"
# A task cancelled while pending never runs, and Slurm keeps no record of it: no state, no log.
[ "$states" = "1=COMPLETED 2=FAILED" ] || fail "expected 1=COMPLETED 2=FAILED (3 cancelled unrun)"
[ ! -e "$work/logs/${job}_3.out" ] || fail "task 3 ran although it was cancelled"

if "$capsim" merge "$work"/parts/part-*.csv -o "$work/merged.csv" 2>"$work/merge.err"; then
  fail "capsim merge accepted parts without shards 2 and 3"
fi
echo "slurm sweep: merge refused: $(cat "$work/merge.err")"
missing="$(sed -n 's/.*no part given is shard \(.*\)$/\1/p' "$work/merge.err" |
  tr -d ' ' | tr ',' '\n' | cut -d/ -f1 | paste -sd, -)"
[ "$missing" = "2,3" ] || fail "expected merge to name shards 2 and 3 as missing, got '$missing'"

echo "slurm sweep: resubmitting the missing indices $missing"
rmdir "$work/parts/part-2.histograms.jsonl"
again="$(submit --array="$missing")"
wait_for "$again"
states="$(task_states "$again")"
echo "slurm sweep: job $again ended: $states"
[ "$states" = "2=COMPLETED 3=COMPLETED" ] || fail "expected 2=COMPLETED 3=COMPLETED"

"$capsim" merge "$work"/parts/part-*.csv -o "$work/merged.csv"
cmp "$work/single.csv" "$work/merged.csv" || fail "the merged CSV differs from the single run's"
cmp "$work/single.histograms.jsonl" "$work/merged.histograms.jsonl" ||
  fail "the merged histograms differ from the single run's"
echo "slurm sweep: merged CSV ($(wc -c <"$work/merged.csv") bytes) and histograms equal the single-machine sweep's"
