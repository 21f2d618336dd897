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
    .venv/bin/python -m pip install --quiet --upgrade pip >.venv/install.log 2>&1 || true
  fi
}

# install_project SPEC: pip install SPEC into .venv, but only when pyproject.toml
# changed since the last install of that SPEC; pip's chatter goes to a log that is
# shown only when the install fails.
install_project() {
  local spec=$1 stamp log
  stamp=".venv/.installed-$(echo "$spec" | tr -c 'a-z' '_')"
  if [[ -f $stamp ]] && cmp -s pyproject.toml "$stamp"; then
    return 0
  fi
  log=.venv/install.log
  echo "Installing igdash ($spec) into .venv ..."
  if ! .venv/bin/python -m pip install --disable-pip-version-check -e "$spec" >"$log" 2>&1; then
    cat "$log" >&2
    echo "pip install failed (full log: $log)" >&2
    return 1
  fi
  cp pyproject.toml "$stamp"
}
