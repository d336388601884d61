#!/usr/bin/env python3
"""Summarises benches/peers/run.sh results (one JSON object per line) as markdown.

Standard library only. Usage: report.py RESULTS.jsonl
Each line: tool, seed, customers, seconds, mean_response, theory,
max_rss_kb, and for capsim also events (its own event count).
"""
import json
import statistics
import sys

ORDER = ["capsim", "simpy", "ciw"]
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447,
         7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    by_tool = {t: [r for r in rows if r["tool"] == t] for t in ORDER}
    stats = {}
    for tool, runs in by_tool.items():
        if not runs:
            continue
        cps = [r["customers"] / r["seconds"] for r in runs]
        ratios = [r["mean_response"] / r["theory"] for r in runs]
        n = len(ratios)
        mean_ratio = statistics.fmean(ratios)
        half = (T_975.get(n - 1, 1.96) * statistics.stdev(ratios) / n ** 0.5
                if n > 1 else float("nan"))
        stats[tool] = {
            "runs": n,
            "customers": statistics.median(r["customers"] for r in runs),
            "seconds": statistics.median(r["seconds"] for r in runs),
            "cps": statistics.median(cps),
            "eps": 2 * statistics.median(cps),
            "min_cps": min(cps), "max_cps": max(cps),
            "mean_ratio": mean_ratio, "half": half,
            "theory": runs[0]["theory"],
            "means": [r["mean_response"] for r in runs],
            "rss_mib": statistics.median(r["max_rss_kb"] for r in runs) / 1024,
            "events_per_customer": (statistics.median(r["events"] / r["customers"] for r in runs)
                                    if "events" in runs[0] else None),
        }

    base = stats.get("capsim")
    print("| tool | customers per run | median wall s | customers/s (median) "
          "| events/s (median, 2 per customer) | capsim ÷ tool | peak RSS MiB (median) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tool, s in stats.items():
        ratio = base["eps"] / s["eps"] if base else float("nan")
        print(f"| {tool} | {s['customers']:,.0f} | {s['seconds']:.3f} | {fmt_rate(s['cps'])} "
              f"| {fmt_rate(s['eps'])} | {ratio:.0f}× | {s['rss_mib']:.1f} |"
              if tool != "capsim" else
              f"| {tool} | {s['customers']:,.0f} | {s['seconds']:.3f} | {fmt_rate(s['cps'])} "
              f"| {fmt_rate(s['eps'])} | 1× | {s['rss_mib']:.1f} |")
    print()
    print("Spread of customers/s over the runs (min – max):")
    print()
    for tool, s in stats.items():
        print(f"- {tool}: {fmt_rate(s['min_cps'])} – {fmt_rate(s['max_cps'])} ({s['runs']} runs)")
    if base and base["events_per_customer"] is not None:
        print(f"- capsim's own event count: {base['events_per_customer']:.4f} events per "
              f"completed customer (`runs[0].events`), so its engine does count 2 per customer.")
    print()
    print("Correctness: mean response time against theory W = 1/(mu - lambda), "
          "over the runs (seeds 1..n; 95% t-interval of the per-run means):")
    print()
    print("| tool | theory W | per-run means | mean / theory | 95% CI of mean / theory | theory inside CI |")
    print("|---|---:|---|---:|---:|---|")
    for tool, s in stats.items():
        unit = " ms" if tool == "capsim" else ""
        lo, hi = s["mean_ratio"] - s["half"], s["mean_ratio"] + s["half"]
        inside = "yes" if lo <= 1.0 <= hi else "**no**"
        means = ", ".join(f"{m:.4g}" for m in s["means"])
        print(f"| {tool} | {s['theory']:.4g}{unit} | {means} | {s['mean_ratio']:.4f} "
              f"| {lo:.4f} – {hi:.4f} | {inside} |")


if __name__ == "__main__":
    main()
