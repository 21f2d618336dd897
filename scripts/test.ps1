# Windows twin of scripts/test.sh: install the test dependencies and run the
# suite. Browser tests need Chromium or Chrome; set IGDASH_CHROMIUM to its path.
# Usage: powershell -ExecutionPolicy Bypass -File scripts\test.ps1 [pytest options]
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
. (Join-Path $PSScriptRoot "_python.ps1")
Ensure-Venv
& .venv\Scripts\python.exe -m pip install --quiet --disable-pip-version-check -e ".[dev]"
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\ruff.exe check .; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\ruff.exe format --check .; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\lint-imports.exe --no-cache; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\mypy.exe; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$env:DJANGO_SETTINGS_MODULE = "igdash.settings_test"
& .venv\Scripts\python.exe manage.py check; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\python.exe manage.py makemigrations --check --dry-run
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\python.exe -m pytest @args
if ($LASTEXITCODE -eq 5) { Write-Error "pytest collected no tests: that is a failure"; exit 1 }
exit $LASTEXITCODE
