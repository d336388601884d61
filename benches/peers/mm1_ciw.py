#!/usr/bin/env python3
"""M/M/1 (lambda = 0.8, mu = 1, rho = 0.8) in Ciw, written as a normal user would.

ciw.create_network with Exponential arrival and service distributions and
one server; simulate_until_max_time(customers / lambda), then collect the
records and average their response times (exit_date - arrival_date).

Prints one JSON line: customers completed, wall seconds of the simulation
(network build + simulation + records + the mean; interpreter start and
imports excluded), and the mean response time next to theory 1 / (mu - lambda).
"""
import argparse
import json
import time

import ciw

LAMBDA = 0.8
MU = 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    ciw.seed(args.seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[1],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(args.customers / LAMBDA)
    records = sim.get_all_records()
    response_times = [r.exit_date - r.arrival_date for r in records
                      if r.record_type == "service"]
    mean = sum(response_times) / len(response_times)
    seconds = time.perf_counter() - t0

    print(json.dumps({
        "tool": "ciw",
        "seed": args.seed,
        "customers": len(response_times),
        "seconds": seconds,
        "mean_response": mean,
        "theory": 1.0 / (MU - LAMBDA),
    }))


if __name__ == "__main__":
    main()
