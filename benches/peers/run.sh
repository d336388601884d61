#!/usr/bin/env bash
# Peer comparison: the same M/M/1 queue (rho = 0.8, exponential arrivals and
# service) in capsim, SimPy and Ciw. Prints a markdown table to stdout.
#
#   benches/peers/run.sh              # from the repository root (or anywhere)
#   RUNS=5 SIMPY_CUSTOMERS=200000 CIW_CUSTOMERS=100000 benches/peers/run.sh
#
# Each tool runs RUNS times (seeds 1..RUNS, tools interleaved run by run);
# the table quotes medians. capsim simulates the model in mm1.json
# (10^7 customers); the Python peers simulate fewer customers, so compare
# rates, not totals. Events are counted as the peers count them: one arrival
# plus one service completion, 2 per customer.
#
# Timing: capsim is timed as the whole process (start-up, model load,
# simulation, JSON output); the Python peers are timed inside the script,
# simulation only (interpreter start-up and imports excluded). Both choices
# favour the peers.
#
# Needs: python3 (with venv), cargo, /usr/bin/time (GNU time, for peak RSS).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv-peers"
RUNS="${RUNS:-5}"
SIMPY_CUSTOMERS="${SIMPY_CUSTOMERS:-200000}"
CIW_CUSTOMERS="${CIW_CUSTOMERS:-100000}"
CAPSIM="$ROOT/target/release/capsim"
MODEL="$HERE/mm1.json"

log() { echo "[peers] $*" >&2; }

[[ -x /usr/bin/time ]] || { log "GNU time (/usr/bin/time) is required for peak RSS"; exit 1; }

# 1. Python peers, pinned.
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
log "installing peers from benches/peers/requirements.txt"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
PY="$VENV/bin/python"

# 2. capsim.
log "building capsim (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"

# Theory for capsim's model, in ms: W = 1 / (mu - lambda).
CAPSIM_THEORY_MS="$("$PY" - "$MODEL" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
lam = m["traffic"]["arrivals"]["poisson"]["rate_rps"]
mu = 1000.0 / m["nodes"]["server"]["pool"]["service"]["exponential"]["mean_ms"]
assert m["nodes"]["server"]["pool"]["instances"] == 1 and m["instance_types"]["server"]["vcpus"] == 1
print(1000.0 / (mu - lam))
PY
)"

max_rss_kb() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }

run_capsim() {
    local seed="$1" out="$WORK/capsim.$seed.json" tv="$WORK/capsim.$seed.time"
    local t0 t1
    t0="$(date +%s%N)"
    /usr/bin/time -v -o "$tv" "$CAPSIM" run "$MODEL" --seed "$seed" --json "$out" > /dev/null 2> "$WORK/capsim.$seed.err"
    t1="$(date +%s%N)"
    "$PY" - "$out" "$seed" "$t0" "$t1" "$(max_rss_kb "$tv")" "$CAPSIM_THEORY_MS" >> "$RESULTS" <<'PY'
import json, sys
out, seed, t0, t1, rss, theory = sys.argv[1:]
run = json.load(open(out))["runs"][0]
assert run["outcome"]["status"] == "completed", run["outcome"]
e2e = run["end_to_end"]
print(json.dumps({
    "tool": "capsim", "seed": int(seed),
    "customers": e2e["completed"],
    "seconds": (int(t1) - int(t0)) / 1e9,
    "mean_response": e2e["mean_ms"], "theory": float(theory),
    "events": run["events"], "max_rss_kb": int(rss),
}))
PY
}

run_peer() {
    local tool="$1" customers="$2" seed="$3" tv="$WORK/$1.$3.time"
    /usr/bin/time -v -o "$tv" "$PY" "$HERE/mm1_$tool.py" --customers "$customers" --seed "$seed" > "$WORK/$tool.$seed.json"
    "$PY" - "$WORK/$tool.$seed.json" "$(max_rss_kb "$tv")" >> "$RESULTS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["max_rss_kb"] = int(sys.argv[2])
print(json.dumps(r))
PY
}

# 3. Runs, interleaved so that machine noise spreads over all tools.
for seed in $(seq 1 "$RUNS"); do
    log "run $seed/$RUNS: capsim";  run_capsim "$seed"
    log "run $seed/$RUNS: simpy";   run_peer simpy "$SIMPY_CUSTOMERS" "$seed"
    log "run $seed/$RUNS: ciw";     run_peer ciw "$CIW_CUSTOMERS" "$seed"
done

# 4. Report.
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "## Peers: M/M/1 at rho 0.8"
echo
echo "- command: \`benches/peers/run.sh\` (RUNS=$RUNS, SIMPY_CUSTOMERS=$SIMPY_CUSTOMERS, CIW_CUSTOMERS=$CIW_CUSTOMERS)"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs (nproc), $cpu, $(uname -sr)"
echo "- capsim: $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown), $(rustc --version)"
echo "- $("$PY" --version), $("$PY" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("simpy", "ciw", "numpy")))')"
echo
"$PY" "$HERE/report.py" "$RESULTS"
