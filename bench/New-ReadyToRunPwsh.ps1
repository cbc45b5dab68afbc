<#
.SYNOPSIS
    Helper for the benchmarks: a copy of the running pwsh with its assemblies compiled ReadyToRun, as Microsoft's
    PowerShell packages ship them. Prints the path of its pwsh.dll (run it with `dotnet`), or nothing with a warning
    when it cannot be built here.
.DESCRIPTION
    The only pwsh installable on the build machine is the NuGet global tool, whose assemblies are IL only: every
    start JIT-compiles PowerShell itself, which takes about 0.5 s longer than the ReadyToRun build users install
    (deb/rpm/tar.gz/MSI packages are built with Start-PSBuild -Crossgen). "Whole process" figures are reported with
    both, so that neither hides the other. crossgen2 comes from NuGet (Microsoft.NETCore.App.Crossgen2.<rid>, the
    version of the running .NET); the copy is cached in -CacheDirectory per PowerShell and .NET version.
#>
param(
    [Parameter(Mandatory)] [string] $CacheDirectory
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$architecture = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
if (-not $IsLinux -or $architecture -notin 'x64', 'arm64') {
    Write-Warning 'A ReadyToRun pwsh is only built on Linux x64/arm64; whole-process figures use the running pwsh only.'
    return
}

$source = [AppContext]::BaseDirectory
$runtimeVersion = [Environment]::Version.ToString()
$target = Join-Path $CacheDirectory "pwsh-r2r-$($PSVersionTable.PSVersion)-net$runtimeVersion"
$pwshDll = Join-Path $target 'pwsh.dll'
if (Test-Path -LiteralPath (Join-Path $target '.complete')) {
    return $pwshDll
}

$frameworkDirectory = Split-Path ([object].Assembly.Location)
$packages = Join-Path $CacheDirectory 'crossgen-packages'
$package = "Microsoft.NETCore.App.Crossgen2.linux-$architecture"
$crossgen = Join-Path $packages "$($package.ToLowerInvariant())/$runtimeVersion/tools/crossgen2"
if (-not (Test-Path -LiteralPath $crossgen)) {
    $project = Join-Path $CacheDirectory 'crossgen-restore'
    New-Item -ItemType Directory -Force -Path $project | Out-Null
    Set-Content -LiteralPath (Join-Path $project 'restore.csproj') -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="$package" Version="[$runtimeVersion]" /></ItemGroup>
</Project>
"@
    $restoreOutput = & dotnet restore (Join-Path $project 'restore.csproj') --packages $packages 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $crossgen)) {
        Write-Warning "Could not get $package $runtimeVersion from NuGet; whole-process figures use the running pwsh only.`n$restoreOutput"
        return
    }
}

Write-Host "Compiling a ReadyToRun copy of pwsh $($PSVersionTable.PSVersion) (.NET $runtimeVersion) into $target ..." -ForegroundColor DarkGray
if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
Copy-Item -LiteralPath $source -Destination $target -Recurse
$scratch = Join-Path $CacheDirectory 'crossgen-out'
New-Item -ItemType Directory -Force -Path $scratch | Out-Null
$compiled = 0
foreach ($assembly in Get-ChildItem -LiteralPath $target -Filter '*.dll') {
    # Only IL assemblies: native libraries and already precompiled ones are left as they are.
    $stream = [System.IO.File]::OpenRead($assembly.FullName)
    try {
        $headers = [System.Reflection.PortableExecutable.PEReader]::new($stream).PEHeaders
        $ilOnly = $null -ne $headers.CorHeader -and $headers.CorHeader.ManagedNativeHeaderDirectory.Size -eq 0
    } catch [System.BadImageFormatException] {
        $ilOnly = $false
    } finally {
        $stream.Dispose()
    }
    if (-not $ilOnly) { continue }
    $output = Join-Path $scratch $assembly.Name
    $log = & $crossgen -r "$frameworkDirectory/" -r "$target/" --targetos linux --targetarch $architecture -O $assembly.FullName -o $output 2>&1 | Out-String
    if ($LASTEXITCODE -eq 0) {
        Move-Item -LiteralPath $output -Destination $assembly.FullName -Force
        $compiled++
    } else {
        # A reference assembly or one crossgen2 cannot compile stays IL, as in the official packages.
        Write-Verbose "crossgen2 left $($assembly.Name) as IL: $log"
    }
}
if ($compiled -eq 0) {
    Write-Warning 'crossgen2 compiled no assembly; whole-process figures use the running pwsh only.'
    return
}
Set-Content -LiteralPath (Join-Path $target '.complete') -Value "$compiled assemblies compiled ReadyToRun"
return $pwshDll
