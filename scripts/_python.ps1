# Dot-sourced by start.ps1 and test.ps1: find Python 3.11+ and create .venv.
function Find-Python {
    foreach ($candidate in @("py -3.11", "py -3.12", "py -3.13", "python3.11", "python", "python3")) {
        $parts = $candidate.Split(" ")
        $exe = $parts[0]; $rest = $parts[1..($parts.Length - 1)]
        if (-not (Get-Command $exe -ErrorAction SilentlyContinue)) { continue }
        & $exe @rest -c "import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))" 2>$null
        if ($LASTEXITCODE -eq 0) { return ,@($exe) + $rest }
    }
    throw "igdash needs Python 3.11, 3.12 or 3.13 (install it from python.org and tick 'Add to PATH')"
}

function Ensure-Venv {
    if (-not (Test-Path .venv\Scripts\python.exe)) {
        $py = Find-Python
        $exe = $py[0]; $rest = $py[1..($py.Length - 1)]
        & $exe @rest -m venv .venv
        & .venv\Scripts\python.exe -m pip install --quiet --upgrade pip
    }
}
