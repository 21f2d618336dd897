#!/usr/bin/env bash
# Rebuild the committed stylesheet static/css/igdash.css from igdash/static_src/.
# Pinned versions (package-lock.json) make the output byte-for-byte reproducible;
# `bash scripts/build_css.sh --check` fails when the committed file is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error >/dev/null
if [[ "${1:-}" == "--check" ]]; then
  out=$(mktemp --suffix=.css)
  npx --no-install tailwindcss -i igdash/static_src/tailwind.css -o "$out" --minify 2>/dev/null
  if ! cmp -s "$out" static/css/igdash.css; then
    echo "static/css/igdash.css is stale: run bash scripts/build_css.sh and commit it" >&2
    rm -f "$out"; exit 1
  fi
  rm -f "$out"; echo "static/css/igdash.css is up to date"
else
  npx --no-install tailwindcss -i igdash/static_src/tailwind.css -o static/css/igdash.css --minify
fi
