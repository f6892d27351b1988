; Inno Setup script for Wan Studio (https://jrsoftware.org/isinfo.php).
; Built by packaging/windows/build.ps1, which sets WAN_STUDIO_VERSION and builds the binaries first.

#define AppVersion GetEnv("WAN_STUDIO_VERSION")
#if AppVersion == ""
  #error Set WAN_STUDIO_VERSION (build.ps1 does)
#endif

[Setup]
; The AppId identifies the product across upgrades: never change it.
AppId={{6F1C5C9E-3B7A-4E0B-9A58-2D7E0C1B4F21}
AppName=Wan Studio
AppVersion={#AppVersion}
AppPublisher=Wan Studio developers
AppPublisherURL=https://github.com/wanstudio/wan-studio
DefaultDirName={autopf}\Wan Studio
DefaultGroupName=Wan Studio
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\wan-studio-gui.exe
SetupIconFile=wan-studio.ico
LicenseFile=..\..\LICENSE-MIT
OutputDir=..\..\target\windows
OutputBaseFilename=WanStudio-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Per-user install without admin rights unless the user asks for all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked

[Files]
Source: "..\..\target\release\wan-studio-gui.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\target\release\wan-studio.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\README.md"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\LICENSE-MIT"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\LICENSE-APACHE"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\Wan Studio"; Filename: "{app}\wan-studio-gui.exe"; AppUserModelID: "io.github.wanstudio.WanStudio"
Name: "{autodesktop}\Wan Studio"; Filename: "{app}\wan-studio-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\wan-studio-gui.exe"; Description: "Start Wan Studio"; Flags: nowait postinstall skipifsilent
