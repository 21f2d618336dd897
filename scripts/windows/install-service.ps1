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

# --- The data folder is for the service's account, SYSTEM and Administrators only ---
# It holds the database (sealed Instagram secrets, dashboard session keys), backups,
# logs and possibly the master key file. On Windows a file's "mode" is not a
# permission, so the folder's ACL does what 0700/0600 do on Linux and macOS:
#   /inheritance:r  drops what the folder inherits (e.g. "Users: Read" from C:\)
#   /grant:r        replaces any explicit grant for these accounts with Full control,
#                   (OI)(CI): inherited by every file and folder below.
# Then every file and folder already inside drops its own entries and inherits
# only these (icacls <folder>\* /reset /T), and the result is checked.
function Get-Sid([string]$Name) {
    (New-Object Security.Principal.NTAccount($Name)).Translate([Security.Principal.SecurityIdentifier]).Value
}
$SystemSid = "S-1-5-18"          # LocalSystem (the service's account when -Account is empty)
$AdministratorsSid = "S-1-5-32-544"
$AllowedSids = @($SystemSid, $AdministratorsSid)
$Grants = @("*${SystemSid}:(OI)(CI)F", "*${AdministratorsSid}:(OI)(CI)F")
if ($Account) {
    # NSSM takes ".\you"; icacls and NTAccount want "COMPUTER\you".
    $AccountName = if ($Account.StartsWith(".\")) { "$env:COMPUTERNAME\" + $Account.Substring(2) } else { $Account }
    $AccountSid = Get-Sid $AccountName
    $AllowedSids += $AccountSid
    $Grants += "*${AccountSid}:(OI)(CI)F"
}
& icacls $DataDir /inheritance:r /grant:r @Grants | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls could not restrict $DataDir (exit code $LASTEXITCODE)." }
# Explicit entries for anyone else on the folder itself (rare; Explorer's "Share" adds them).
foreach ($rule in (Get-Acl -LiteralPath $DataDir).Access) {
    $sid = $rule.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value
    if ($AllowedSids -notcontains $sid) {
        & icacls $DataDir /remove:g "*$sid" | Out-Null
    }
}
if (Get-ChildItem -LiteralPath $DataDir -Force) {
    & icacls (Join-Path $DataDir "*") /reset /T /C /Q | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "icacls could not reset the files in $DataDir (exit code $LASTEXITCODE)." }
}
$Others = (Get-Acl -LiteralPath $DataDir).Access | Where-Object {
    $AllowedSids -notcontains $_.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value
}
if ($Others) {
    throw "$DataDir still grants access to: $(($Others | ForEach-Object { $_.IdentityReference }) -join ', '). Remove those entries (Properties > Security) and run this script again."
}
Write-Host "Data folder ${DataDir}: only SYSTEM, Administrators$(if ($Account) { " and $AccountName" }) may open it."

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
