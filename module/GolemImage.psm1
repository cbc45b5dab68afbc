# Loads the build that matches the running PowerShell: net8.0 on PowerShell 7.4+ (.NET 8 or later), netstandard2.0
# on Windows PowerShell 5.1. Only Import-Module and language every mode allows: under AppLocker or WDAC this file
# may run in ConstrainedLanguage, where [Reflection.Assembly]::LoadFrom and Add-Type are refused. The cmdlet
# assembly loads the engine itself when it is imported (its IModuleAssemblyInitializer), so engine types
# ([GolemImage.Gvmi.ContainerConfig], ...) resolve straight after Import-Module.

function Get-GolemImageUnsupportedHost {
    # Why this PowerShell cannot run the module, or nothing. PowerShell 7.0-7.3 (out of support) run on .NET Core 3.1,
    # 5, 6 or 7, older than the System.Text.Json and other 8.x assemblies the netstandard2.0 build carries.
    param([string] $Edition, [version] $Version)
    if ($Edition -eq 'Core' -and $Version -lt [version] '7.4') {
        "GolemImage needs PowerShell 7.4 or later, or Windows PowerShell 5.1; this is PowerShell $Version, which is out of support and whose .NET runtime is older than the assemblies GolemImage uses. Install PowerShell 7.4+ (https://aka.ms/powershell)."
    }
}

$unsupported = Get-GolemImageUnsupportedHost -Edition $PSVersionTable.PSEdition -Version $PSVersionTable.PSVersion
if ($unsupported -and -not $env:GOLEMIMAGE_FRAMEWORK) {
    throw $unsupported
}

$framework = if ($PSVersionTable.PSEdition -eq 'Core') { 'net8.0' } else { 'netstandard2.0' }
if ($env:GOLEMIMAGE_FRAMEWORK) {
    # Lets the tests exercise the netstandard2.0 build inside PowerShell 7.
    $framework = $env:GOLEMIMAGE_FRAMEWORK
}
Import-Module -Name (Join-Path (Join-Path $PSScriptRoot $framework) 'GolemImage.Cmdlets.dll') -ErrorAction Stop
