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

# Install-Project SPEC: pip install SPEC into .venv, only when pyproject.toml changed
# since the last install of that SPEC (the twin of install_project in _python.sh).
# pip's whole output goes to .venv\install.log, printed in full when the install
# fails; meanwhile its main steps are shown so a first install never looks hung.
function Install-Project([string]$Spec) {
    $stamp = ".venv\.installed-" + ($Spec -replace '[^a-z]', '_')
    if ((Test-Path $stamp) -and ((Get-FileHash pyproject.toml).Hash -eq (Get-FileHash $stamp).Hash)) {
        return
    }
    $log = ".venv\install.log"
    Write-Host "Installing igdash ($Spec) into .venv: a minute or two the first time (full log: $log) ..."
    $env:PYTHONUNBUFFERED = "1"
    # pip writes notices to stderr: under "Stop" Windows PowerShell would turn them into errors.
    $previous = $ErrorActionPreference
    $ErrorActionPreference = "Continue"
    try {
        & .venv\Scripts\python.exe -m pip install --disable-pip-version-check --progress-bar off -e $Spec 2>&1 |
            ForEach-Object { "$_" } |
            Tee-Object -FilePath $log |
            ForEach-Object {
                if ($_ -match '^(Collecting|Obtaining|Building|Installing collected packages|Successfully)') {
                    Write-Host ("  " + $_.Substring(0, [Math]::Min(110, $_.Length)))
                }
            }
        $status = $LASTEXITCODE
    } finally {
        $ErrorActionPreference = $previous
        Remove-Item Env:PYTHONUNBUFFERED -ErrorAction SilentlyContinue
    }
    if ($status -ne 0) {
        Get-Content $log | Write-Host
        Write-Host "pip install failed (full log: $log)"
        exit $status
    }
    Copy-Item pyproject.toml $stamp
}
