#!/usr/bin/env bash
# Run the whole test suite (unit tests, workflow tests, lint, and the SLURM cluster test
# where this machine allows it). Called by `make test`, which CI runs through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
exec .venv/bin/python -m pytest -ra --durations=15 "$@" tests
