"""Locust history fixtures for capsim's tests, made by a real Locust run.

The sleep server (examples/sleep_server.rs: 4 workers, exponential service
of mean 40 ms) on a free 127.0.0.1 port, loaded by Locust with a ramp-up
(8 users, one more a second, 200 ms think time, 24 s), twice:

- `ramp_stats*.csv`: plain `--csv`, whose history rows carry percentiles
  since the start of the test (cumulative, like the totals);
- `ramp-full_stats*.csv`: with `--csv-full-history`, whose history has a
  row per endpoint too and percentiles over each row's last 10 s.

Run through run.sh's virtualenv, after `cargo build --release --example
sleep_server`:

    target/.venv-notebooks/bin/python experiments/real-check/fixtures.py tests/data/observed

It writes the four files into the folder given (tests/data/observed/ holds
the committed ones, with `sleep-server.json`, the model of this setup).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import HERE, LOCUST, PRIORITY, SERVER, free_port

USERS, SPAWN_RATE, SECONDS, THINK_MS = 8, 1, 24, 200


def locust(host, prefix, extra):
    """One headless Locust run with a ramp; its CSVs go to `prefix`_*.csv."""
    env = dict(os.environ, THINK_MS=str(THINK_MS), STAGGER_MS="0", REQUEST_PATH="/")
    command = [
        str(LOCUST), "-f", str(HERE / "locustfile.py"), "--headless",
        "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{SECONDS}s",
        "--host", host, "--csv", str(prefix), "--only-summary",
        "--stop-timeout", "5", "--loglevel", "WARNING",
    ] + extra
    subprocess.run(PRIORITY + command, env=env, check=True, stdout=subprocess.DEVNULL)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        PRIORITY + [str(SERVER), "--port", str(port), "--workers", "4", "--mean-ms", "40",
                    "--dist", "exponential", "--seed", "1", "--max-seconds", "120"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        print(server.stdout.readline().strip(), flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            for name, extra in [("ramp", []), ("ramp-full", ["--csv-full-history"])]:
                prefix = Path(scratch) / name
                locust(host, prefix, extra)
                for suffix in ["_stats.csv", "_stats_history.csv"]:
                    shutil.copy(f"{prefix}{suffix}", out / f"{name}{suffix}")
                    print(f"wrote {out / (name + suffix)}", flush=True)
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
