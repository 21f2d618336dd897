# Install igdash as a Windows service that starts at boot, with NSSM running
# `igdash serve`, logs rotated at 10 MB. Run from an elevated PowerShell in the
# igdash folder, after scripts\start.ps1 has run once (it creates .venv):
#   powershell -ExecutionPolicy Bypass -File scripts\windows\install-service.ps1
# Options: -ServiceName igdash -Port 8000 -ListenHost 0.0.0.0 -Account ".\you"
param(
    [string]$ServiceName = "igdash",
    [int]$Port = 8000,
    [string]$ListenHost = "0.0.0.0",
    # Run as your own account so the master key stays in YOUR Credential Manager;
    # leave empty to run as LocalSystem (the key then lives in SYSTEM's vault).
    [string]$Account = ""
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
$Igdash = Join-Path $Root ".venv\Scripts\igdash.exe"
$DataDir = if ($env:IGDASH_DATA_DIR) { $env:IGDASH_DATA_DIR } else { Join-Path $Root "data" }
$LogDir = Join-Path $DataDir "logs"

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this from an elevated PowerShell (right-click PowerShell > Run as administrator)."
}
if (-not (Test-Path $Igdash)) {
    throw "$Igdash not found: run scripts\start.ps1 once first (it installs igdash into .venv)."
}
$nssm = Get-Command nssm -ErrorAction SilentlyContinue
if (-not $nssm) {
    throw "NSSM is not installed. Install it with: winget install --id NSSM.NSSM  (then open a new PowerShell)"
}
New-Item -ItemType Directory -Force -Path $LogDir | Out-Null

& nssm install $ServiceName $Igdash serve --host $ListenHost --port $Port
& nssm set $ServiceName AppDirectory $Root
& nssm set $ServiceName DisplayName "igdash (Instagram dashboard)"
& nssm set $ServiceName Description "igdash web server, worker and scheduler (igdash serve)"
& nssm set $ServiceName Start SERVICE_AUTO_START
& nssm set $ServiceName AppEnvironmentExtra "IGDASH_DATA_DIR=$DataDir"
& nssm set $ServiceName AppStdout (Join-Path $LogDir "service.log")
& nssm set $ServiceName AppStderr (Join-Path $LogDir "service.log")
& nssm set $ServiceName AppRotateFiles 1
& nssm set $ServiceName AppRotateOnline 1
& nssm set $ServiceName AppRotateBytes 10485760
# Stop = Ctrl+C to igdash serve, which stops its worker and scheduler cleanly.
& nssm set $ServiceName AppStopMethodSkip 6
& nssm set $ServiceName AppStopMethodConsole 30000
& nssm set $ServiceName AppExit Default Restart
& nssm set $ServiceName AppRestartDelay 10000
if ($Account) {
    $cred = Get-Credential -UserName $Account -Message "Password of $Account (the service runs as this user)"
    & nssm set $ServiceName ObjectName $Account $cred.GetNetworkCredential().Password
}
& nssm start $ServiceName
Write-Host "igdash service '$ServiceName' installed and started: http://localhost:$Port/"
Write-Host "Logs: $LogDir (service.log, igdash-web.log, igdash-worker.log, igdash-beat.log)"
Write-Host "The first start prints the owner password into $LogDir\service.log unless IGDASH_ADMIN_PASSWORD was set in .env."
