# Windows twin of scripts/test.sh: install the test dependencies and run the
# suite. Browser tests need Chromium or Chrome; set IGDASH_CHROMIUM to its path.
# Usage: powershell -ExecutionPolicy Bypass -File scripts\test.ps1 [pytest options]
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
. (Join-Path $PSScriptRoot "_python.ps1")
Ensure-Venv
& .venv\Scripts\python.exe -m pip install --quiet --disable-pip-version-check -e ".[dev,vision]"
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\ruff.exe check .; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\ruff.exe format --check .; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\lint-imports.exe --no-cache; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\mypy.exe; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$env:DJANGO_SETTINGS_MODULE = "igdash.settings_test"
& .venv\Scripts\python.exe manage.py check; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\python.exe manage.py makemigrations --check --dry-run
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
# Coverage, as in test.sh: every measured process (those the tests start too)
# writes its own data file in test-artifacts\coverage; combined after the run.
$coverageDir = "test-artifacts\coverage"
if (Test-Path $coverageDir) { Remove-Item -Recurse -Force $coverageDir }
New-Item -ItemType Directory -Force -Path $coverageDir | Out-Null
& .venv\Scripts\python.exe -m coverage run -m pytest @args
$code = $LASTEXITCODE
if ($code -eq 5) { Write-Error "pytest collected no tests: that is a failure"; exit 1 }
& .venv\Scripts\python.exe -m coverage combine --quiet
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& .venv\Scripts\python.exe -m coverage report --fail-under=0 --skip-covered --sort=cover |
    Set-Content -Encoding utf8 "$coverageDir\report.txt"
$total = & .venv\Scripts\python.exe -m coverage report --fail-under=0 --format=total --precision=1
$floor = & .venv\Scripts\python.exe -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['tool']['coverage']['report']['fail_under'])"
if ($args.Count -gt 0) {
    # A chosen subset of the tests covers less by design: report, don't judge.
    Write-Output "coverage: $total% of the apps' lines (a partial run: the $floor% floor applies to the whole suite; files in $coverageDir\report.txt)"
} else {
    & .venv\Scripts\python.exe -m coverage report --format=total | Out-Null
    if ($LASTEXITCODE -eq 0) {
        Write-Output "coverage: $total% of the apps' lines (floor $floor%; least covered files in $coverageDir\report.txt)"
    } else {
        [Console]::Error.WriteLine("coverage: $total% of the apps' lines is below the floor of $floor% (pyproject.toml [tool.coverage.report] fail_under); least covered files in $coverageDir\report.txt")
        if ($code -eq 0) { $code = 1 }
    }
}
exit $code
