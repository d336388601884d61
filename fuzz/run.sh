#!/usr/bin/env bash
# Fuzzes each target for a bounded time, from a seed corpus built from the repository's own
# inputs (docs/src/explanation/checking.md, "Fuzzing"). Fails if any target crashes, hangs or runs out of memory; the
# input that did it is left in target/fuzz/artifacts/<target>/.
#
# usage: fuzz/run.sh [SECONDS per target, default 60] [TARGET...]   (default: every target)
#   CAPSIM_FUZZ_DEFECTS=DIR  also seed from the defect reproductions in DIR (../shared/defects)
#   CAPSIM_FUZZ_RUNS=N       instead of a time, N inputs per target from a fixed random seed:
#                            the same inputs on every run (CI's mode, so CI cannot fail by luck;
#                            exploring for new crashes is what the timed mode is for)
#
# Needs the Rust toolchain and crates.io (cargo-fuzz is installed under target/tools once).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^capsim-fuzz$')
fi

tools="$PWD/target/tools"
if ! [ -x "$tools/bin/cargo-fuzz" ]; then
  cargo install cargo-fuzz --locked --version 0.13.2 --root "$tools"
fi
export PATH="$tools/bin:$PATH"
# cargo fuzz passes nightly-only flags (-Z...); RUSTC_BOOTSTRAP lets the stable toolchain take
# them. No sanitizer: capsim's library has no `unsafe`, and a panic is what is looked for.
export RUSTC_BOOTSTRAP=1
fuzz=(--sanitizer none --target-dir "$PWD/target/fuzz")
cargo fuzz build "${fuzz[@]}"

out="$PWD/target/fuzz"
corpus="$out/corpus"
args=()
keep_going=()
budget=(-max_total_time="$seconds")
if [ -n "${CAPSIM_FUZZ_RUNS:-}" ]; then
  budget=(-runs="$CAPSIM_FUZZ_RUNS" -seed=1)
fi
if [ -n "${CAPSIM_FUZZ_DEFECTS:-}" ]; then
  # A corpus of its own: known defects must not reach the one CI grows.
  corpus="$out/corpus-defects"
  args=(--defects "$CAPSIM_FUZZ_DEFECTS")
  # Known defects crash at once: keep going (a forked child per run) and collect them all.
  keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi
python3 fuzz/seed.py --out "$corpus" "${args[@]}"

# The targets write each input to a file here (in memory where there is /dev/shm).
scratch=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/capsim-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export CAPSIM_FUZZ_SCRATCH="$scratch"

failed=()
summary="$out/summary.txt"
printf '%-12s %8s %12s %8s %s\n' target inputs executions seconds result >"$summary"
for target in "${targets[@]}"; do
  mkdir -p "$out/artifacts/$target"
  log="$out/$target.log"
  start=$(date +%s)
  before=$(find "$out/artifacts/$target" -type f | wc -l)
  # -timeout: one input running this long is a hang (a run is capped at 2 simulated seconds,
  # milliseconds of work); -rss_limit_mb: memory a bounded run never needs.
  if cargo fuzz run "${fuzz[@]}" "$target" "$corpus/$target" -- \
      "${budget[@]}" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$target/" "${keep_going[@]}" >"$log" 2>&1 &&
    [ "$(find "$out/artifacts/$target" -type f | wc -l)" -eq "$before" ]; then
    result=ok
  else
    result=FAILED
    failed+=("$target")
    tail -n 60 "$log"
  fi
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  inputs=$(find "$corpus/$target" -type f | wc -l)
  printf '%-12s %8s %12s %8s %s\n' "$target" "$inputs" "${executions:-?}" \
    "$(($(date +%s) - start))" "$result" >>"$summary"
done
cat "$summary"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a crash in: ${failed[*]} (inputs in $out/artifacts/; logs in $out/*.log)" >&2
  exit 1
fi
