# Windows twin of scripts/start.sh: install igdash into .venv and start it on the
# embedded defaults (SQLite + filesystem broker in .\data), http://127.0.0.1:8000.
# Usage: powershell -ExecutionPolicy Bypass -File scripts\start.ps1 [serve options]
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
. (Join-Path $PSScriptRoot "_python.ps1")
Ensure-Venv
Install-Project "."
& .venv\Scripts\igdash.exe serve @args
exit $LASTEXITCODE
