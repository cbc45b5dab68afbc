# Loads the build that matches the running PowerShell: net8.0 on PowerShell 7.4+ (.NET 8 or later),
# netstandard2.0 on Windows PowerShell 5.1 and older PowerShell 7 releases.
$framework = if ($PSVersionTable.PSEdition -eq 'Core' -and $PSVersionTable.PSVersion -ge [version]'7.4') { 'net8.0' } else { 'netstandard2.0' }
if ($env:GOLEMIMAGE_FRAMEWORK) {
    # Lets the tests exercise the netstandard2.0 build inside PowerShell 7.
    $framework = $env:GOLEMIMAGE_FRAMEWORK
}
$assembly = Join-Path (Join-Path $PSScriptRoot $framework) 'GolemImage.Cmdlets.dll'
Import-Module -Name $assembly -ErrorAction Stop
# Load the engine now rather than at the first cmdlet call, so that its types ([GolemImage.Gvmi.ContainerConfig],
# ...) resolve in scripts right after Import-Module. Same file the cmdlets bind to, so one copy is loaded.
$null = [System.Reflection.Assembly]::LoadFrom((Join-Path (Join-Path $PSScriptRoot $framework) 'GolemImage.dll'))
