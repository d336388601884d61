#!/usr/bin/env python3
"""M/M/1 (lambda = 0.8, mu = 1, rho = 0.8) in SimPy, written as a normal user would.

A source process spawns one process per customer; each customer requests a
Resource of capacity 1, holds it for an exponential service time, and appends
its response time (arrival to departure) to a list. The model runs for
customers / lambda time units, so about `customers` customers arrive.

Prints one JSON line: customers completed, wall seconds of the simulation
(model build + env.run + the mean; interpreter start and imports excluded),
and the mean response time next to theory 1 / (mu - lambda).
"""
import argparse
import json
import random
import time

import simpy

LAMBDA = 0.8
MU = 1.0


def source(env, server, rng, response_times):
    while True:
        yield env.timeout(rng.expovariate(LAMBDA))
        env.process(customer(env, server, rng, response_times))


def customer(env, server, rng, response_times):
    arrived = env.now
    with server.request() as req:
        yield req
        yield env.timeout(rng.expovariate(MU))
    response_times.append(env.now - arrived)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    response_times = []
    env.process(source(env, server, rng, response_times))
    env.run(until=args.customers / LAMBDA)
    mean = sum(response_times) / len(response_times)
    seconds = time.perf_counter() - t0

    print(json.dumps({
        "tool": "simpy",
        "seed": args.seed,
        "customers": len(response_times),
        "seconds": seconds,
        "mean_response": mean,
        "theory": 1.0 / (MU - LAMBDA),
    }))


if __name__ == "__main__":
    main()
