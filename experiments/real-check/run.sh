#!/usr/bin/env bash
# The real check: builds the sleep server and capsim, makes sure a virtualenv
# with Locust exists, then runs run.py (three load levels, prediction against
# observation). Usage: experiments/real-check/run.sh [--short] [--out DIR]
# Full run: about 4.5 minutes; --short (CI): about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release --quiet --bin capsim --example sleep_server

# The notebooks' virtualenv (.ci/run makes it): one venv for the repo's Python.
VENV=target/.venv-notebooks
if [ ! -x "$VENV/bin/locust" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check locust
fi
exec "$VENV/bin/python" experiments/real-check/run.py "$@"
