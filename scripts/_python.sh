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

# VENV_DIR: the virtual environment both functions use (.venv unless set).
ensure_venv() {
  local python venv=${VENV_DIR:-.venv}
  python=$(find_python)
  if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip >"$venv/install.log" 2>&1 || true
  fi
}

# install_project SPEC: pip install SPEC into .venv, but only when pyproject.toml
# changed since the last install of that SPEC. pip's whole output goes to a log
# (printed in full when the install fails); meanwhile its main steps are shown,
# and a line every few seconds while pip is quiet, so a first install of a minute
# never looks hung.
install_project() {
  local spec=$1 stamp log venv=${VENV_DIR:-.venv}
  stamp="$venv/.installed-$(echo "$spec" | tr -c 'a-z' '_')"
  if [[ -f $stamp ]] && cmp -s pyproject.toml "$stamp"; then
    return 0
  fi
  log=$venv/install.log
  echo "Installing igdash ($spec) into $venv: a minute or two the first time (full log: $log) ..."
  # pipefail in a subshell: the callers may not set it, and pip's status must count.
  if ! (
    set -o pipefail
    PYTHONUNBUFFERED=1 "$venv/bin/python" -m pip install --disable-pip-version-check \
      --progress-bar off -e "$spec" 2>&1 | tee "$log" | pip_steps
  ); then
    cat "$log" >&2
    echo "pip install failed (full log: $log)" >&2
    return 1
  fi
  cp pyproject.toml "$stamp"
}

# pip_steps [SECONDS]: read pip's output; print its main steps, and "still
# installing" when nothing came for SECONDS (5). Always succeeds: the pipeline's
# status is pip's.
pip_steps() {
  local line="" partial="" started=$SECONDS tick=${1:-5} status
  while true; do
    if IFS= read -r -t "$tick" line; then
      line="$partial$line"
      partial=""
      case "$line" in
        Collecting* | Obtaining* | Building* | "Installing collected packages"* | Successfully*)
          echo "  ${line:0:110}" ;;
      esac
    else
      status=$?
      ((status > 128)) || break # end of pip's output
      partial="$partial$line"     # a timed-out read keeps what it got of the line
      echo "  ... still installing ($((SECONDS - started)) s)"
    fi
  done
  return 0
}
