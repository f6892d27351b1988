# Builds the Windows installer: target\windows\WanStudio-<version>-setup.exe
# Needs: Rust (x86_64-pc-windows-msvc), Inno Setup 6 (iscc on PATH), rcedit (on PATH:
#   https://github.com/electron/rcedit) to put the icon and version into the .exe files.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$version = (cargo metadata --no-deps --format-version 1 | ConvertFrom-Json).packages[0].version
cargo build --release --locked --features gui-launcher
if ($LASTEXITCODE -ne 0) { throw "cargo build failed" }

foreach ($exe in "wan-studio.exe", "wan-studio-gui.exe") {
  rcedit "target\release\$exe" `
    --set-icon "packaging\windows\wan-studio.ico" `
    --set-file-version $version --set-product-version $version `
    --set-version-string "ProductName" "Wan Studio" `
    --set-version-string "FileDescription" "Wan Studio" `
    --set-version-string "CompanyName" "Wan Studio developers"
  if ($LASTEXITCODE -ne 0) { throw "rcedit failed on $exe" }
}

$env:WAN_STUDIO_VERSION = $version
iscc "packaging\windows\wan-studio.iss"
if ($LASTEXITCODE -ne 0) { throw "iscc failed" }
Write-Host "built target\windows\WanStudio-$version-setup.exe"
