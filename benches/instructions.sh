#!/usr/bin/env bash
# Instructions per event, counted by valgrind (cachegrind without its cache
# simulation: it only counts instructions, so the count is the same from run
# to run on a noisy shared machine, where wall time is not), for three
# models, checked against benches/instructions.txt:
#
#   mm1        benches/peers/mm1.json at duration_s 125 (10^6 customers, 2·10^6 events)
#   shop       models/shop.json (3.6·10^6 events)
#   shop-x1000 benches/shop-x1000.json at duration_s 0.4, warmup 0.1 (1.6·10^6 events;
#              5,000 web instances, 4,000 shards, 1,000 consumers)
#
# A count is the whole process (start-up, model load, the run, the JSON
# written) over the run's events (`runs[0].events` of `--json`). The check
# fails when a model's instructions per event rise more than 5 % above the
# committed figure, or when its event count changed (its behaviour did: say
# so and update deliberately). Counts differ a little between toolchains
# and valgrind versions; the margin absorbs that, not a regression.
#
#   benches/instructions.sh            # check (builds target/release/capsim if missing)
#   benches/instructions.sh --update   # rewrite benches/instructions.txt from this run
#
# Needs valgrind and python3. About a minute on one core.
set -euo pipefail
cd "$(dirname "$0")/.."

FIGURES=benches/instructions.txt
MARGIN_PERCENT=5
CAPSIM=${CAPSIM:-target/release/capsim}
[[ -x $CAPSIM ]] || cargo build --release --quiet
command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install valgrind)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The models, with the run lengths above.
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
def variant(source, name, **simulation):
    model = json.load(open(source))
    model["simulation"].update(simulation)
    json.dump(model, open(f"{work}/{name}.json", "w"))
variant("benches/peers/mm1.json", "mm1", duration_s=125)
variant("models/shop.json", "shop")
variant("benches/shop-x1000.json", "shop-x1000", duration_s=0.4, warmup_s=0.1)
PY

# name instructions events instructions-per-event, one line per model.
measure() {
    local name=$1
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$CAPSIM" run "$WORK/$name.json" --json "$WORK/$name.out.json" \
        >/dev/null 2>"$WORK/$name.valgrind"
    python3 - "$name" "$WORK/$name.valgrind" "$WORK/$name.out.json" <<'PY'
import json, re, sys
name, log, result = sys.argv[1:]
refs = re.search(r"I\s+refs:\s+([\d,]+)", open(log).read())
if not refs:
    sys.exit(f"{name}: no instruction count in valgrind's output ({log})")
instructions = int(refs.group(1).replace(",", ""))
events = json.load(open(result))["runs"][0]["events"]
print(name, instructions, events, round(instructions / events))
PY
}

{
    echo "# Instructions per event (benches/instructions.sh): model, instructions, events, per event."
    echo "# valgrind $(valgrind --version | sed 's/valgrind-//'), $(rustc --version | cut -d' ' -f1-2)"
    for name in mm1 shop shop-x1000; do measure "$name"; done
} >"$WORK/now.txt"
cat "$WORK/now.txt"

if [[ ${1:-} == --update ]]; then
    cp "$WORK/now.txt" "$FIGURES"
    echo "wrote $FIGURES"
    exit 0
fi

python3 - "$FIGURES" "$WORK/now.txt" "$MARGIN_PERCENT" <<'PY'
import sys
def figures(path):
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    return {r[0]: (int(r[2]), int(r[3])) for r in rows}
committed, now, margin = figures(sys.argv[1]), figures(sys.argv[2]), float(sys.argv[3])
failed = False
for name, (events, per_event) in now.items():
    if name not in committed:
        print(f"{name}: no committed figure in {sys.argv[1]}"); failed = True; continue
    was_events, was = committed[name]
    change = 100 * (per_event / was - 1)
    verdict = "ok"
    if events != was_events:
        verdict = f"FAIL: {events} events, {was_events} committed (the model's behaviour changed)"
    elif change > margin:
        verdict = f"FAIL: more than {margin:g} % above the committed figure"
    failed |= verdict != "ok"
    print(f"{name}: {per_event} instructions per event, committed {was} ({change:+.1f} %): {verdict}")
if failed:
    print("If the rise is deliberate (a feature that pays for itself), rerun with --update and say so in BENCHMARKS.md.")
    sys.exit(1)
PY
