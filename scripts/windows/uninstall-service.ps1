# Stop and remove the igdash Windows service. Data in the data folder stays.
#   powershell -ExecutionPolicy Bypass -File scripts\windows\uninstall-service.ps1 [-ServiceName igdash]
param([string]$ServiceName = "igdash")
$ErrorActionPreference = "Stop"
if (-not (Get-Command nssm -ErrorAction SilentlyContinue)) {
    throw "NSSM is not installed, so no igdash service was installed with it."
}
& nssm stop $ServiceName
& nssm remove $ServiceName confirm
Write-Host "Service '$ServiceName' removed. Your data folder was not touched."
