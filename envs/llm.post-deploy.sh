#!/usr/bin/env bash
# Run by Snakemake (--sdm conda) once, inside the new environment: install polimodal itself from
# this checkout. --no-deps: the environment file already pins every dependency.
set -euo pipefail
python -m pip install --no-deps "$(dirname "$0")/.."
