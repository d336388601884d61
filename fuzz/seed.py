#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora from the repository's own inputs.

Every file under models/, experiments/ and tests/data/ (and, with --defects,
../shared/defects/ or the folder given) goes to the target whose format it
has, told from its content: a model or experiment by its JSON keys, a
Prometheus response by `resultType`, a CSV by its header, an access log by
its request lines. Files larger than MAX_BYTES are cut to their first
lines (the access log example is half a megabyte; libFuzzer mutates small
inputs far faster). Seeds are copied, never moved; the corpus folders
(target/fuzz/corpus/<target>/, where libFuzzer adds what it finds) are not
committed.

usage: fuzz/seed.py [--defects DIR] [--out target/fuzz/corpus]
"""

import argparse
import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["models", "experiments", "tests/data"]
MAX_BYTES = 8192
# Where the repository holds no valid example of a format (its timestamp
# traces are all bad inputs), a small valid one.
EXTRA = {
    "timestamps": b"time_s,class,key\n0,a,1\n0.25,b,2\n0.5,a,1\n1.75,b,3\n2,,4\n",
}
ACCESS_LINE = re.compile(rb'^\S+ \S+ \S+ \[[^\]]*\] "')


def csv_header(data):
    """The first line that is not a comment or blank, lower-cased."""
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip().lstrip("\ufeff")
        if line and not line.startswith("#"):
            return line.lower()
    return ""


def json_target(data):
    try:
        value = json.loads(data)
    except ValueError:
        return "model"  # a broken model is a model's bad input
    if not isinstance(value, dict):
        return "model"
    if "axes" in value:
        return "experiment"
    if "data" in value and "status" in value:
        return "prometheus"
    if any(key in value for key in ("throughput_rps", "latency_buckets", "utilization")):
        return None  # a Prometheus config: the target writes its own
    return "model"


def target_of(path, data):
    """The fuzz target a file seeds, or None."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "model_yaml"
    if suffix == ".json":
        return json_target(data)
    if suffix == ".log" or ACCESS_LINE.match(data):
        return "access_log"
    if suffix != ".csv":
        return None
    header = csv_header(data)
    if header.startswith("type,name,") or header.startswith("timestamp,user count,"):
        return "locust"
    columns = [c.strip() for c in header.split(",")]
    if "metric" in columns:
        return "long_csv"
    if "rate_rps" in columns:
        return "profile"
    if "count" in columns:
        return "counts"
    if "time_s" in columns:
        return "timestamps"
    return None


def cut(data):
    """At most MAX_BYTES, ending at a line's end."""
    if len(data) <= MAX_BYTES:
        return data
    head = data[:MAX_BYTES]
    return head[: head.rfind(b"\n") + 1] or head


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--defects", metavar="DIR",
                        help="also seed from the defect reproductions in DIR (../shared/defects)")
    parser.add_argument("--out", default=str(ROOT / "target/fuzz/corpus"))
    args = parser.parse_args()
    folders = [ROOT / s for s in SOURCES] + ([Path(args.defects)] if args.defects else [])
    counts = {}

    def add(target, data):
        out = Path(args.out) / target
        out.mkdir(parents=True, exist_ok=True)
        # Named by content, as libFuzzer names its own: reseeding adds nothing twice.
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
        counts[target] = counts.get(target, 0) + 1

    for target, data in EXTRA.items():
        add(target, data)
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            target = target_of(path, data)
            if target is None:
                continue
            add(target, cut(data))
            if target == "model":
                # JSON is YAML's flow style: every JSON model seeds the YAML target too.
                add("model_yaml", cut(data))
    for target in sorted(counts):
        print(f"{target:12} {counts[target]:4} seeds")


if __name__ == "__main__":
    main()
