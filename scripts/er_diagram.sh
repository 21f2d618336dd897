#!/usr/bin/env bash
# Regenerate docs/ER_diagram.dot and docs/ER_diagram.png from the models.
# Installs Graphviz first where apt-get is available (Debian/Ubuntu, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null
  else
    echo "Graphviz is missing: install the 'graphviz' package, then run this again" >&2
    exit 1
  fi
fi
DJANGO_SETTINGS_MODULE=igdash.settings_test .venv/bin/python manage.py er_diagram
