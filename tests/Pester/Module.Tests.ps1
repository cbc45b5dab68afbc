#requires -Modules Pester
# The module as a product: manifest, loading of the right build, dependency assemblies, packaging and installation.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:ModulePath = $env:GOLEMIMAGE_MODULE
    $script:ModuleDirectory = Split-Path $ModulePath
    $script:Manifest = Import-PowerShellDataFile $ModulePath
    $script:ExpectedCmdlets = @('ConvertTo-GolemImage', 'Find-GolemImage', 'Get-GolemImage', 'Get-GolemImageHash', 'New-GolemManifest', 'Publish-GolemImage', 'Save-GolemImage', 'Test-GolemImage')
}

Describe 'Module manifest' -Tag 'Portable' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $ModulePath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'exports exactly the GolemImage cmdlets, by name, and nothing else' {
        @($Manifest.CmdletsToExport | Sort-Object) | Should -Be $ExpectedCmdlets
        $Manifest.CmdletsToExport | Should -Not -Match '[*?]'
        @($Manifest.FunctionsToExport).Count | Should -Be 0
        @($Manifest.AliasesToExport).Count | Should -Be 0
        @($Manifest.VariablesToExport).Count | Should -Be 0
    }

    It 'declares both editions and Windows PowerShell 5.1' {
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.PowerShellVersion | Should -Be '5.1'
    }

    It 'asks Windows PowerShell for .NET Framework 4.7.2, the first that binds netstandard 2.0 by itself' {
        $Manifest.DotNetFrameworkVersion | Should -Be '4.7.2'
    }

    It 'refuses PowerShell 7.0 to 7.3 with a clear message, and takes 5.1 and 7.4+' {
        $output = Invoke-FreshPwsh -Script @"
Import-Module '$ModulePath' -ErrorAction Stop
`$module = Get-Module GolemImage
foreach (`$case in @(@('Core', '7.0.3'), @('Core', '7.3.12'), @('Core', '7.4.0'), @('Core', '7.5.1'), @('Desktop', '5.1.19041'))) {
    `$message = & `$module { param(`$e, `$v) Get-GolemImageUnsupportedHost -Edition `$e -Version `$v } `$case[0] `$case[1]
    `$case[0] + '/' + `$case[1] + '=' + [string] `$message
}
'EXPORTED=' + [bool] (Get-Command Get-GolemImageUnsupportedHost -ErrorAction Ignore)
"@
        $output | Where-Object { $_ -like 'Core/7.0.3=*' } | Should -Match 'needs PowerShell 7.4 or later'
        $output | Where-Object { $_ -like 'Core/7.3.12=*' } | Should -Match 'this is PowerShell 7\.3\.12'
        $output | Should -Contain 'Core/7.4.0='
        $output | Should -Contain 'Core/7.5.1='
        $output | Should -Contain 'Desktop/5.1.19041='
        $output | Should -Contain 'EXPORTED=False'
    }

    It 'imports in ConstrainedLanguage (AppLocker, WDAC), with engine types resolving afterwards (<Framework> build)' -ForEach @(
        @{ Framework = 'net8.0'; Environment = @{} }
        @{ Framework = 'netstandard2.0'; Environment = @{ GOLEMIMAGE_FRAMEWORK = 'netstandard2.0' } }
    ) {
        $output = Invoke-FreshPwsh -Environment $Environment -Script @"
`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'
try {
    Import-Module '$ModulePath' -ErrorAction Stop
    'MODE=' + `$ExecutionContext.SessionState.LanguageMode
    'COMMANDS=' + @(Get-Command -Module GolemImage).Count
    'HASH=' + (Get-GolemImageHash -LiteralPath '$ModulePath' -ErrorAction Stop).Hash.Length
} catch {
    'FAILED=' + `$_
}
"@
        $output | Should -Not -Match '^FAILED='
        $output | Should -Contain 'MODE=ConstrainedLanguage'
        $output | Should -Contain "COMMANDS=$($ExpectedCmdlets.Count)"
        $output | Should -Contain 'HASH=56'
    }

    It 'carries the metadata the PowerShell Gallery shows' {
        [version] $Manifest.ModuleVersion | Should -BeGreaterThan ([version] '0.0')
        [guid] $Manifest.GUID | Should -Not -Be ([guid]::Empty)
        $Manifest.Author | Should -Not -BeNullOrEmpty
        $Manifest.Description.Length | Should -BeGreaterThan 40
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'Golem'
        $Manifest.PrivateData.PSData.Tags | Should -Not -Match '\s'
        [uri] $Manifest.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        [uri] $Manifest.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'ships a build for <_>' -ForEach @('netstandard2.0', 'net8.0') {
        Join-Path $ModuleDirectory "$_/GolemImage.Cmdlets.dll" | Should -Exist
        Join-Path $ModuleDirectory "$_/GolemImage.dll" | Should -Exist
        # pwsh provides System.Management.Automation; a shipped copy would shadow it.
        Join-Path $ModuleDirectory "$_/System.Management.Automation.dll" | Should -Not -Exist
    }

    It 'keeps the engine free of PowerShell types (<_>)' -ForEach @('netstandard2.0', 'net8.0') {
        $engine = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModuleDirectory "$_/GolemImage.dll"))
        $output = Invoke-FreshPwsh -Script @"
`$a = [System.Reflection.Assembly]::LoadFile('$(Join-Path $ModuleDirectory "$_/GolemImage.dll")')
`$a.GetReferencedAssemblies().Name -join ','
"@
        $engine.Name | Should -Be 'GolemImage'
        ($output -join ',') | Should -Not -Match 'System\.Management\.Automation'
    }
}

Describe 'Importing the built module in a fresh pwsh' -Tag 'Portable' {
    It 'loads the <Framework> build when <Because> and lists every exported cmdlet' -ForEach @(
        @{ Framework = 'net8.0'; Because = 'running PowerShell 7.4+'; Environment = @{} }
        @{ Framework = 'netstandard2.0'; Because = 'the netstandard2.0 build is forced'; Environment = @{ GOLEMIMAGE_FRAMEWORK = 'netstandard2.0' } }
    ) {
        $output = Invoke-FreshPwsh -Environment $Environment -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$commands = Get-Command -Module GolemImage | Sort-Object Name
'COMMANDS=' + ((`$commands.Name) -join ',')
'LOCATION=' + ([GolemImage.Cmdlets.Infrastructure.GolemCmdlet].Assembly.Location)
'CONFIGTYPE=' + ([GolemImage.Gvmi.ContainerConfig].Assembly.Location)
# Binding the base class's signatures makes the runtime load the engine the way the cmdlets do.
`$null = [GolemImage.Cmdlets.Infrastructure.GolemCmdlet].GetMethods([System.Reflection.BindingFlags]'Public,NonPublic,Instance') | ForEach-Object { `$_.GetParameters().ParameterType }
'ENGINE=' + (([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'GolemImage' }).Location)
"@
        ($output | Where-Object { $_ -like 'COMMANDS=*' }) | Should -Be ('COMMANDS=' + ($ExpectedCmdlets -join ','))
        ($output | Where-Object { $_ -like 'LOCATION=*' }) | Should -BeLike "*$([IO.Path]::DirectorySeparatorChar)$Framework$([IO.Path]::DirectorySeparatorChar)GolemImage.Cmdlets.dll"
        # Engine types resolve straight after Import-Module, from the same single copy the cmdlets use.
        ($output | Where-Object { $_ -like 'CONFIGTYPE=*' }) -replace '^CONFIGTYPE=' | Should -Be (($output | Where-Object { $_ -like 'ENGINE=*' }) -replace '^ENGINE=')
        ($output | Where-Object { $_ -like 'ENGINE=*' }) | Should -BeLike "*$([IO.Path]::DirectorySeparatorChar)$Framework$([IO.Path]::DirectorySeparatorChar)GolemImage.dll"
    }

    It 'binds every dependency of the <_> build at a version pwsh can load' -ForEach @('net8.0', 'netstandard2.0') {
        # A dependency newer than pwsh's own copy (System.IO.Pipelines 11 in pwsh 7.6, say) only fails when code
        # that uses it is first compiled. So compile every method of our two assemblies, the way the JIT binds
        # them in real use (requests come from our assemblies, so pwsh probes the module folder as it would),
        # then materialise every type of each dependency, and check that every shipped DLL ended up bound: loaded
        # from the module folder, or replaced by a same-or-newer copy that pwsh itself carries.
        $output = Invoke-FreshPwsh -Environment @{ GOLEMIMAGE_FRAMEWORK = $_ } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$dir = Join-Path '$ModuleDirectory' '$_'
`$failures = [System.Collections.Generic.List[string]]::new()
`$cmdlets = [GolemImage.Cmdlets.Infrastructure.GolemCmdlet].Assembly
`$null = [GolemImage.Cmdlets.Infrastructure.GolemCmdlet].GetMethods([System.Reflection.BindingFlags]'Public,NonPublic,Instance') | ForEach-Object { `$_.GetParameters().ParameterType }
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'GolemImage' }
`$flags = [System.Reflection.BindingFlags]'Public,NonPublic,Instance,Static,DeclaredOnly'
`$compiled = 0
foreach (`$assembly in `$cmdlets, `$engine) {
    foreach (`$type in `$assembly.GetTypes()) {
        if (`$type.ContainsGenericParameters) { continue }
        foreach (`$method in @(`$type.GetMethods(`$flags)) + @(`$type.GetConstructors(`$flags))) {
            if (`$method.IsAbstract -or `$method.ContainsGenericParameters -or `$method.GetMethodBody() -eq `$null) { continue }
            try { [System.Runtime.CompilerServices.RuntimeHelpers]::PrepareMethod(`$method.MethodHandle); `$compiled++ }
            catch { `$failures.Add("`$(`$type.FullName).`$(`$method.Name): `$(`$_.Exception.InnerException.Message ?? `$_.Exception.Message)") }
        }
    }
}
`$loaded = @{}
foreach (`$a in [AppDomain]::CurrentDomain.GetAssemblies()) { `$loaded[`$a.GetName().Name] = `$a }
foreach (`$file in Get-ChildItem `$dir -Filter *.dll) {
    `$wanted = [System.Reflection.AssemblyName]::GetAssemblyName(`$file.FullName)
    `$have = `$loaded[`$wanted.Name]
    if (-not `$have) {
        # Not needed by our code directly: fine if pwsh itself can supply it (a framework facade), else it is a
        # dependency nothing uses.
        try { `$have = [System.Reflection.Assembly]::Load(`$wanted) } catch { `$failures.Add("`$(`$file.Name) was never bound by the module's code"); continue }
    }
    if (`$have.GetName().Version -lt `$wanted.Version) { `$failures.Add("`$(`$file.Name) `$(`$wanted.Version) is shadowed by an older `$(`$have.GetName().Version)") }
    try { `$null = `$have.GetTypes() } catch [System.Reflection.ReflectionTypeLoadException] {
        `$failures.Add("`$(`$file.Name): " + ((`$_.Exception.LoaderExceptions | ForEach-Object Message | Select-Object -Unique) -join '; '))
    }
}
'COMPILED=' + `$compiled
`$failures | ForEach-Object { 'FAIL=' + `$_ }
"@
        $failures = @($output | Where-Object { $_ -like 'FAIL=*' })
        $failures | Should -BeNullOrEmpty
        [int] (($output | Where-Object { $_ -like 'COMPILED=*' }) -replace 'COMPILED=') | Should -BeGreaterThan 10
    }
}

Describe 'Dependency binding on Windows PowerShell (netstandard2.0 build)' -Tag 'Portable' {
    # .NET Framework binds a strong-named reference to its exact version only, and powershell.exe redirects nothing
    # for a module, so the packages we ship (which refer to each other at older versions than the copies we ship)
    # rely on the module's AssemblyResolve handler. Windows is not available here: these check the handler through
    # the same event in pwsh, and that every reference between shipped DLLs is one it can answer.
    BeforeAll {
        $script:Desktop = Join-Path $ModuleDirectory 'netstandard2.0'
        $script:Shipped = @{}
        foreach ($file in Get-ChildItem $Desktop -Filter *.dll) {
            $name = [System.Reflection.AssemblyName]::GetAssemblyName($file.FullName)
            $Shipped[$name.Name] = $name
        }
    }

    It 'has every reference between shipped DLLs at the shipped version or older, with the same public key token' {
        $problems = [System.Collections.Generic.List[string]]::new()
        $olderReferences = 0
        foreach ($file in Get-ChildItem $Desktop -Filter *.dll) {
            $stream = [System.IO.File]::OpenRead($file.FullName)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $metadata.AssemblyReferences) {
                    $reference = $metadata.GetAssemblyReference($handle)
                    $name = $metadata.GetString($reference.Name)
                    if (-not $Shipped.ContainsKey($name)) { continue }
                    $token = -join ($metadata.GetBlobBytes($reference.PublicKeyOrToken) | ForEach-Object { $_.ToString('x2') })
                    $shippedToken = -join ($Shipped[$name].GetPublicKeyToken() | ForEach-Object { $_.ToString('x2') })
                    if ($reference.Version -gt $Shipped[$name].Version) { $problems.Add("$($file.Name) needs $name $($reference.Version), we ship $($Shipped[$name].Version)") }
                    if ($token -ne $shippedToken) { $problems.Add("$($file.Name) refers to $name with token '$token', ours has '$shippedToken'") }
                    if ($reference.Version -lt $Shipped[$name].Version) { $olderReferences++ }
                }
            } finally {
                $stream.Dispose()
            }
        }
        $problems | Should -BeNullOrEmpty
        # What makes the handler necessary (System.Memory -> Unsafe 4.0.4.1 while we ship 6.0.0.0, and others).
        $olderReferences | Should -BeGreaterThan 0
    }

    It 'leaves failed binds of other assemblies alone: a request from PowerShell itself gets no module copy' {
        $k4os = $Shipped['K4os.Compression.LZ4']
        $token = -join ($k4os.GetPublicKeyToken() | ForEach-Object { $_.ToString('x2') })
        $output = Invoke-FreshPwsh -Environment @{ GOLEMIMAGE_FRAMEWORK = 'netstandard2.0' } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
# Not loaded yet, and not part of pwsh: a request by name can only be answered by an AssemblyResolve handler.
'PRELOADED=' + [bool]([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'K4os.Compression.LZ4' })
# The refusals first: once a copy is loaded, .NET (unlike .NET Framework) answers later requests with it by itself.
foreach (`$request in @(
    @('newer', 'K4os.Compression.LZ4, Version=$($k4os.Version.Major + 1).0.0.0, Culture=neutral, PublicKeyToken=$token'),
    @('token', 'K4os.Compression.LZ4, Version=1.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef'),
    @('unknown', 'GolemImage.NotShipped, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null'),
    @('older', 'K4os.Compression.LZ4, Version=1.0.0.0, Culture=neutral, PublicKeyToken=$token'),
    @('same', 'K4os.Compression.LZ4, Version=$($k4os.Version), Culture=neutral, PublicKeyToken=$token'))) {
    try { `$a = [System.Reflection.Assembly]::Load(`$request[1]); `$request[0] + '=' + `$a.Location }
    catch { `$request[0] + '=failed' }
}
"@
        # Only the module's own assemblies get its copies (finding 13 of issue 17): in Windows PowerShell every
        # assembly of the AppDomain raises AssemblyResolve, and another module must not be handed our versions.
        # The module's own binds (System.Memory asking for an older Unsafe) are exercised by the conversions of the
        # Windows PowerShell 5.1 CI leg; on .NET the runtime binds those by itself.
        $output | Should -Contain 'PRELOADED=False'
        $output | Should -Contain 'older=failed'
        $output | Should -Contain 'same=failed'
        $output | Should -Contain 'newer=failed'
        $output | Should -Contain 'token=failed'
        $output | Should -Contain 'unknown=failed'
    }

    It 'answers the module''s own binds with the module folder''s copy, and the same request from elsewhere with nothing' {
        # The handler itself (the private method .NET Framework calls on AssemblyResolve), fed the requests Windows
        # PowerShell 5.1 makes: GolemImage.dll asking for K4os at an older version than we ship (what a binding
        # redirect would fix), and the module's System.Memory (loaded from the module folder by LoadFile, as 5.1 does)
        # asking for System.Runtime.CompilerServices.Unsafe 4.0.4.1 while we ship 6.0.0.0.
        $output = Invoke-FreshPwsh -Environment @{ GOLEMIMAGE_FRAMEWORK = 'netstandard2.0' } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$flags = [System.Reflection.BindingFlags] 'NonPublic, Static'
`$resolver = [GolemImage.Cmdlets.Infrastructure.ModuleDependencyResolver]
`$resolve = `$resolver.GetMethod('Resolve', `$flags)
`$find = `$resolver.GetMethod('FindShippedAssembly', `$flags)
`$engine = [GolemImage.GolemImageException].Assembly
`$memory = [System.Reflection.Assembly]::LoadFile((Join-Path '$Desktop' 'System.Memory.dll'))
`$k4os = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path '$Desktop' 'K4os.Compression.LZ4.dll'))
`$token = -join (`$k4os.GetPublicKeyToken() | ForEach-Object { `$_.ToString('x2') })
`$unsafe = 'System.Runtime.CompilerServices.Unsafe, Version=4.0.4.1, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a'
'ENGINE=' + `$engine.Location
'MEMORY=' + `$memory.Location
'FIND-UNSAFE=' + `$find.Invoke(`$null, @([System.Reflection.AssemblyName]::new(`$unsafe)))
foreach (`$case in @(
    @('own-older', "K4os.Compression.LZ4, Version=1.0.0.0, Culture=neutral, PublicKeyToken=`$token", `$engine),
    @('own-same', "K4os.Compression.LZ4, Version=`$(`$k4os.Version), Culture=neutral, PublicKeyToken=`$token", `$engine),
    @('own-unsafe', `$unsafe, `$memory),
    @('no-requester', "K4os.Compression.LZ4, Version=1.0.0.0, Culture=neutral, PublicKeyToken=`$token", `$null),
    @('foreign-older', "K4os.Compression.LZ4, Version=1.0.0.0, Culture=neutral, PublicKeyToken=`$token", [System.Management.Automation.PSObject].Assembly),
    @('foreign-unsafe', `$unsafe, [System.Management.Automation.PSObject].Assembly),
    @('own-newer', "K4os.Compression.LZ4, Version=`$(`$k4os.Version.Major + 1).0.0.0, Culture=neutral, PublicKeyToken=`$token", `$engine))) {
    `$answer = `$resolve.Invoke(`$null, @(`$null, [ResolveEventArgs]::new(`$case[1], `$case[2])))
    if (`$answer) { `$case[0] + '=' + `$answer.Location } else { `$case[0] + '=none' }
}
"@
        $k4osCopy = Join-Path $Desktop 'K4os.Compression.LZ4.dll'
        $output | Should -Contain "ENGINE=$(Join-Path $Desktop 'GolemImage.dll')"
        $output | Should -Contain "MEMORY=$(Join-Path $Desktop 'System.Memory.dll')"
        $output | Should -Contain "FIND-UNSAFE=$(Join-Path $Desktop 'System.Runtime.CompilerServices.Unsafe.dll')"
        $output | Should -Contain "own-older=$k4osCopy"
        $output | Should -Contain "own-same=$k4osCopy"
        $output | Should -Contain "no-requester=$k4osCopy"
        # On .NET, LoadFrom of the module's Unsafe hands back the runtime's own (newer) copy; on .NET Framework the
        # module's. Either way the bind is answered instead of failing.
        @($output | Where-Object { $_ -like 'own-unsafe=*' -and $_ -ne 'own-unsafe=none' }).Count | Should -Be 1
        $output | Should -Contain 'foreign-older=none'
        $output | Should -Contain 'foreign-unsafe=none'
        $output | Should -Contain 'own-newer=none'
    }
}

Describe 'Packaging and installation' -Tag 'Portable' {
    BeforeAll {
        $script:Sandbox = Join-Path ([IO.Path]::GetTempPath()) ('gi-install-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        # .NET reports a special folder only when it exists, and PSResourceGet then falls back to the current directory.
        New-Item -ItemType Directory -Force -Path "$Sandbox/repo", "$Sandbox/home/.local/share/powershell/Modules", "$Sandbox/home/.config", "$Sandbox/home/.cache" | Out-Null
        $script:Package = & "$PSScriptRoot/../../build/New-GolemImagePackage.ps1" -ModuleDirectory $ModuleDirectory -OutputDirectory "$Sandbox/repo"
        # A fresh user: its own HOME (PSResourceGet keeps its repository list there) and an empty module path.
        $script:CleanUser = @{
            HOME            = "$Sandbox/home"
            XDG_DATA_HOME   = "$Sandbox/home/.local/share"
            XDG_CONFIG_HOME = "$Sandbox/home/.config"
            XDG_CACHE_HOME  = "$Sandbox/home/.cache"
            PSModulePath    = "$Sandbox/home/.local/share/powershell/Modules"
        }
    }
    AfterAll {
        Remove-Item -Recurse -Force -LiteralPath $Sandbox -ErrorAction Ignore
    }

    It 'writes a Gallery package with the manifest, both builds and the help' {
        $Package.Name | Should -Be "GolemImage.$($Manifest.ModuleVersion).nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Package.FullName)
        try { $entries = $zip.Entries.FullName } finally { $zip.Dispose() }
        $entries | Should -Contain 'GolemImage.psd1'
        $entries | Should -Contain 'GolemImage.nuspec'
        $entries | Should -Contain 'net8.0/GolemImage.Cmdlets.dll'
        $entries | Should -Contain 'netstandard2.0/GolemImage.Cmdlets.dll'
        $entries | Should -Contain 'en-US/GolemImage.Cmdlets.dll-Help.xml'
    }

    It 'installs with Install-PSResource into a clean module path, imports, and documents every cmdlet and parameter' {
        $output = Invoke-FreshPwsh -Environment $CleanUser -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name GolemLocal -Uri '$Sandbox/repo' -Trusted
Install-PSResource -Name GolemImage -Repository GolemLocal -Scope CurrentUser -TrustRepository -Quiet
Import-Module GolemImage
'BASE=' + (Get-Module GolemImage).ModuleBase
'COMMANDS=' + ((Get-Command -Module GolemImage | Sort-Object Name).Name -join ',')
foreach (`$command in Get-Command -Module GolemImage) {
    `$help = Get-Help `$command.Name -Full
    'HELP=' + `$command.Name + '|' + ([string] `$help.Synopsis).Trim() + '|' + @(`$help.Examples.Example).Count
}
`$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
`$checked = 0
foreach (`$command in Get-Command -Module GolemImage) {
    foreach (`$name in `$command.Parameters.Keys | Where-Object { `$_ -notin `$common }) {
        `$checked++
        `$text = @((Get-Help `$command.Name -Parameter `$name).description | ForEach-Object { `$_.Text }) -join ' '
        if (-not `$text.Trim()) { 'UNDOCUMENTED=' + `$command.Name + ' -' + `$name }
    }
}
'PARAMETERS=' + `$checked
"@
        ($output | Where-Object { $_ -like 'BASE=*' }) | Should -BeLike "BASE=$Sandbox/home/*GolemImage*"
        ($output | Where-Object { $_ -like 'COMMANDS=*' }) | Should -Be ('COMMANDS=' + ($ExpectedCmdlets -join ','))
        $help = @($output | Where-Object { $_ -like 'HELP=*' })
        $help.Count | Should -Be $ExpectedCmdlets.Count
        foreach ($line in $help) {
            $name, $synopsis, $examples = ($line -replace '^HELP=').Split('|')
            # Without a help file PowerShell's synopsis is just the syntax line, which starts with the name.
            $synopsis | Should -Not -BeNullOrEmpty -Because "$name needs a synopsis"
            $synopsis | Should -Not -BeLike "$name *" -Because "$name needs a written synopsis, not the generated syntax"
            [int] $examples | Should -BeGreaterOrEqual 1 -Because "$name needs an example"
        }
        # Every parameter of every cmdlet (common ones aside) has a written description in the installed help.
        @($output | Where-Object { $_ -like 'UNDOCUMENTED=*' }) | Should -BeNullOrEmpty
        $parameters = @($output | Where-Object { $_ -like 'PARAMETERS=*' })
        [int] ($parameters[0] -replace '^PARAMETERS=') | Should -BeGreaterThan 30 -Because 'every cmdlet''s parameters were looked at'
    }

    It 'installs with Install-Module (PowerShellGet 2) from the same folder' {
        $output = Invoke-FreshPwsh -Environment $CleanUser -AllowFailure -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module PowerShellGet -MaximumVersion 2.99
Register-PSRepository -Name GolemLocal2 -SourceLocation '$Sandbox/repo' -InstallationPolicy Trusted
try {
    Install-Module -Name GolemImage -Repository GolemLocal2 -Scope CurrentUser -Force
} catch {
    'UNSUPPORTED=' + `$_.Exception.Message
    exit 0
}
Import-Module GolemImage -Force
'COMMANDS=' + ((Get-Command -Module GolemImage | Sort-Object Name).Name -join ',')
"@
        $unsupported = $output | Where-Object { $_ -like 'UNSUPPORTED=*' }
        if ($unsupported -and $unsupported -match 'NuGet provider|PackageManagement|bootstrap') {
            Set-ItResult -Skipped -Because "PowerShellGet 2 cannot use a folder repository here: $unsupported"
            return
        }
        $unsupported | Should -BeNullOrEmpty
        ($output | Where-Object { $_ -like 'COMMANDS=*' }) | Should -Be ('COMMANDS=' + ($ExpectedCmdlets -join ','))
    }
}
