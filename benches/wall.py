#!/usr/bin/env python3
"""Wall-clock figures for issue 18's goals 1 and 3, interleaved round by round
so that a shared machine's noise falls on every command alike.

    benches/wall.py [--rounds 5] [--x1000-seconds 3]

Each round runs, in this order:
  shop         models/shop.json as shipped (3.6 M events)
  x1000        benches/shop-x1000.json for --x1000-seconds simulated, the first
               0.5 s of them warm-up (a model's duration_s includes its warm-up)
  fleet        the same fleet at the shop's load (1,200 req/s for 1,000 s): what
               1,000 times the instances and shards cost without the requests
               in flight that 1,000 times the traffic brings
  x1000 reps   the same, 4 replications on 1 thread, then on 2 threads

and prints a markdown table of medians: events/s of one run (whole process:
start-up, model load, run, JSON written), their ratio (goal 1: shop × 1000
within 1.5× of the shop), the projected wall time of one simulated hour of
the shop × 1000 on one core (goal 3: ≤ 10 minutes), and the speed-up of
replications on 2 threads over 1 (goal 3: ≥ 1.8×). Progress goes to stderr.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPSIM = ROOT / "target" / "release" / "capsim"


def variant(source, path, rate_rps=None, **simulation):
    """`source` with `simulation` changed (and its Poisson rate, if given), written to `path`."""
    model = json.loads((ROOT / source).read_text())
    model["simulation"].update(simulation)
    if rate_rps is not None:
        model["traffic"]["arrivals"]["poisson"]["rate_rps"] = rate_rps
    path.write_text(json.dumps(model))
    return path


def timed(model, work, *extra):
    """Wall seconds of one `capsim run`, and the events of its first run."""
    out = work / "out.json"
    start = time.perf_counter()
    subprocess.run(
        [CAPSIM, "run", model, "--json", out, *extra],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    runs = json.loads(out.read_text())["runs"]
    return wall, runs[0]["events"], len(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--x1000-seconds", type=float, default=3.0)
    args = parser.parse_args()
    if not CAPSIM.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = Path(tempfile.mkdtemp())
    shop = ROOT / "models" / "shop.json"
    x1000 = variant(
        "benches/shop-x1000.json",
        work / "x1000.json",
        duration_s=args.x1000_seconds,
        warmup_s=0.5,
    )
    fleet = variant(
        "benches/shop-x1000.json", work / "fleet.json", rate_rps=1200, duration_s=1000, warmup_s=1
    )
    if args.x1000_seconds <= 0.5:
        parser.error(f"--x1000-seconds: expected more than the 0.5 s warm-up, got {args.x1000_seconds}")
    simulated = args.x1000_seconds
    rates = {"shop": [], "x1000": [], "fleet": []}
    reps = {1: [], 2: []}
    x1000_events = None
    for round_ in range(1, args.rounds + 1):
        print(f"[wall] round {round_}/{args.rounds}", file=sys.stderr, flush=True)
        wall, events, _ = timed(shop, work)
        rates["shop"].append(events / wall)
        wall, x1000_events, _ = timed(x1000, work)
        rates["x1000"].append(x1000_events / wall)
        wall, events, _ = timed(fleet, work)
        rates["fleet"].append(events / wall)
        for threads in (1, 2):
            wall, _, n = timed(x1000, work, "--replications", "4", "--threads", str(threads))
            assert n == 4
            reps[threads].append(wall)
    shop_rate = statistics.median(rates["shop"])
    x1000_rate = statistics.median(rates["x1000"])
    fleet_rate = statistics.median(rates["fleet"])
    events_per_sim_second = x1000_events / simulated
    hour_minutes = 3600 * events_per_sim_second / x1000_rate / 60
    one, two = statistics.median(reps[1]), statistics.median(reps[2])
    print(f"| figure (median of {args.rounds} interleaved rounds) | value | goal |")
    print("|---|---:|---:|")
    print(f"| shop, events/s | {shop_rate / 1e6:.2f} M | |")
    print(f"| shop × 1000, events/s | {x1000_rate / 1e6:.2f} M | |")
    print(f"| shop's events/s ÷ shop × 1000's (goal 1) | {shop_rate / x1000_rate:.2f}× | ≤ 1.5× |")
    print(f"| shop × 1000's fleet at the shop's load, events/s | {fleet_rate / 1e6:.2f} M | |")
    print(f"| shop's events/s ÷ the fleet's at its load | {shop_rate / fleet_rate:.2f}× | ≤ 1.5× |")
    print(
        f"| shop × 1000: events per simulated second | {events_per_sim_second / 1e6:.2f} M | |"
    )
    print(f"| one simulated hour of the shop × 1000, one core (goal 3) | {hour_minutes:.0f} min | ≤ 10 min |")
    print(f"| 4 replications of the shop × 1000, 1 thread / 2 threads | {one:.1f} s / {two:.1f} s | |")
    print(f"| replications' speed-up on 2 threads (goal 3) | {one / two:.2f}× | ≥ 1.8× |")


if __name__ == "__main__":
    main()
