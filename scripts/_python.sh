# Sourced by start.sh and test.sh: find Python 3.11+ and make .venv with it.
find_python() {
  for candidate in python3.11 python3.12 python3.13 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "igdash needs Python 3.11, 3.12 or 3.13 on PATH" >&2
  return 1
}

ensure_venv() {
  local python
  python=$(find_python)
  if [[ ! -x .venv/bin/python ]]; then
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
}
