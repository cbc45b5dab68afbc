#requires -Modules Pester
# Rules for the test scripts themselves, checked by parsing them (no test runs another): every Describe says what it
# requires (the tags of tests/Unit/Requires.cs, which build.ps1 -Portable selects by), and the scripts the Windows
# PowerShell 5.1 leg of the CI loads use nothing 5.1 lacks.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:TestFiles = @(Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' | Sort-Object Name | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
    # What runs in powershell.exe: the suites, their helpers and the module's scripts. (tests/Samples need 7.2 and run
    # in pwsh even then: TestHelpers' New-TestImageArchive.)
    $root = Split-Path (Split-Path $PSScriptRoot)
    $script:ScriptFiles = @(
        @(Get-ChildItem $PSScriptRoot -File | Where-Object { $_.Extension -in '.ps1', '.psm1' }) +
        @(Get-ChildItem (Join-Path $root 'module') -File | Where-Object { $_.Extension -in '.ps1', '.psm1', '.psd1' }) |
            Sort-Object FullName | ForEach-Object { @{ Name = $_.FullName.Substring($root.Length + 1); Path = $_.FullName } })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force

    function Get-BlockTag([System.Management.Automation.Language.CommandAst] $Command) {
        # The values after -Tag: one string or a comma list.
        $elements = $Command.CommandElements
        for ($i = 1; $i -lt $elements.Count; $i++) {
            $element = $elements[$i]
            if ($element -is [System.Management.Automation.Language.CommandParameterAst] -and $element.ParameterName -eq 'Tag') {
                $value = if ($element.Argument) { $element.Argument } else { $elements[$i + 1] }
                return @($value.FindAll({ param($n) $n -is [System.Management.Automation.Language.StringConstantExpressionAst] }, $true) | ForEach-Object { $_.Value })
            }
        }
        return $null
    }

    function Get-TestBlock([string] $Path) {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
        $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -in 'Describe', 'Context', 'It' }, $true) |
            ForEach-Object {
                [pscustomobject]@{
                    Kind = $_.GetCommandName()
                    Line = $_.Extent.StartLineNumber
                    Tags = Get-BlockTag $_
                }
            }
    }
}

Describe 'Every Describe says what it requires' -Tag 'Portable' {
    It '<Name>: each Describe has a -Tag from tests/Unit/Requires.cs, and every tag is one' -ForEach $TestFiles {
        $known = @(Get-TestRequirement)
        $blocks = @(Get-TestBlock $Path)
        $problems = @(foreach ($block in $blocks) {
                if ($block.Kind -eq 'Describe' -and -not $block.Tags) { "line $($block.Line): Describe without -Tag" }
                foreach ($tag in @($block.Tags | Where-Object { $_ })) {
                    if ($known -notcontains $tag) { "line $($block.Line): $($block.Kind) -Tag '$tag' is not in tests/Unit/Requires.cs" }
                }
            })
        $problems | Should -BeNullOrEmpty
    }

    It 'finds a Describe without a tag and a tag outside the vocabulary' {
        $sample = Join-Path $TestDrive 'Sample.Tests.ps1'
        Set-Content -LiteralPath $sample -Encoding utf8 -Value @'
Describe 'untagged' { It 'x' { } }
Describe 'tagged' -Tag 'Portable' { It 'y' -Tag 'Kernel' { } }
'@
        $blocks = @(Get-TestBlock $sample)
        $blocks[0].Tags | Should -BeNullOrEmpty
        $blocks[2].Tags | Should -Be 'Portable'
        $blocks[3].Tags | Should -Be 'Kernel'
        @(Get-TestRequirement) | Should -Not -Contain 'Kernel'
        @(Get-TestRequirement)[0] | Should -Be 'Portable'
    }
}

Describe 'Scripts that Windows PowerShell 5.1 runs' -Tag 'Portable' {
    It '<Name> uses nothing Windows PowerShell 5.1 lacks' -ForEach $ScriptFiles {
        @(Get-WindowsPowerShellProblem -Path $Path) | Should -BeNullOrEmpty
    }

    It 'finds <Case>' -ForEach @(
        @{ Case = '??'; Script = '$a = $null ?? 1' }
        @{ Case = '??='; Script = '$a ??= 1' }
        @{ Case = 'the ternary operator'; Script = '$a = $true ? 1 : 2' }
        @{ Case = 'a pipeline chain'; Script = 'Get-Item . && Get-Item .' }
        @{ Case = '?.'; Script = '$a = ${b}?.Length' }
        @{ Case = '$IsLinux'; Script = 'if ($IsLinux) { }' }
        @{ Case = '$PSStyle'; Script = '$PSStyle.OutputRendering = 1' }
        @{ Case = '[Environment]::ProcessPath'; Script = '[Environment]::ProcessPath' }
        @{ Case = 'GetRelativePath'; Script = '[IO.Path]::GetRelativePath(''a'', ''b'')' }
        @{ Case = 'ForEach-Object -Parallel'; Script = '1 | ForEach-Object -Parallel { $_ }' }
        @{ Case = 'ConvertFrom-Json -AsHashtable'; Script = '''{}'' | ConvertFrom-Json -AsHashtable' }
        @{ Case = 'Join-Path with three parts'; Script = 'Join-Path a b c' }
        @{ Case = 'Get-Content -AsByteStream'; Script = 'Get-Content -AsByteStream x' }
        @{ Case = 'Set-Content without -Encoding'; Script = 'Set-Content -LiteralPath x -Value y' }
        @{ Case = 'an encoding 5.1 does not know'; Script = 'Out-File -FilePath x -Encoding utf8NoBOM' }
        @{ Case = 'redirection into a file'; Script = '& openssl version > x.txt' }
        @{ Case = 'Test-Json'; Script = 'Test-Json -Json ''{}''' }
        @{ Case = 'Invoke-WebRequest -SkipHttpErrorCheck'; Script = 'Invoke-WebRequest -Uri x -SkipHttpErrorCheck' }
    ) {
        $file = Join-Path $TestDrive 'sample.ps1'
        Set-Content -LiteralPath $file -Encoding utf8 -Value $Script
        @(Get-WindowsPowerShellProblem -Path $file).Count | Should -BeGreaterThan 0 -Because "$Script must be reported"
    }

    It 'passes what 5.1 can run' {
        $file = Join-Path $TestDrive 'fine.ps1'
        Set-Content -LiteralPath $file -Encoding utf8 -Value @'
$a = if ($null -eq $b) { 1 } else { 2 }
Join-Path a b
Set-Content -LiteralPath x -Value y -Encoding utf8
& openssl version *> $null
& openssl version 2>$null
$onLinux = Test-Platform Linux
'@
        @(Get-WindowsPowerShellProblem -Path $file) | Should -BeNullOrEmpty
    }
}
