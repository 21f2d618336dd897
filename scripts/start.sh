#!/usr/bin/env bash
# Install igdash into .venv (first run only does real work) and start it on the
# embedded defaults: SQLite and the filesystem broker in ./data, web on
# http://127.0.0.1:8000 with a worker and the scheduler. Extra arguments go to
# `igdash serve` (e.g. --host 0.0.0.0 --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_python.sh
ensure_venv
install_project "."
exec .venv/bin/igdash serve "$@"
