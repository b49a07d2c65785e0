#!/usr/bin/env bash
# The test command: set up, then type-check farm, lint the recipes and run every test
# (integration tests build real wheels from real sources).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
.venv/bin/mypy --strict farm
.venv/bin/farm lint recipes
.venv/bin/python -m pytest -q "$@"
