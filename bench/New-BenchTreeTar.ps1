<#
.SYNOPSIS
    Helper for Bench-Squashfs.ps1 and Bench-Lzo.ps1: writes the tar of one benchmark tree.
.DESCRIPTION
    Large: build-machine.md 13.2's tree, /usr/lib/llvm-14 and /usr/lib/python3.11 (few big files). Small: many small
    files, the shape of a container's root filesystem (/usr/include, /usr/lib/python3.11, /usr/share/doc,
    /usr/share/locale, /usr/share/man). Text: source text only (/usr/lib/python3.11, /usr/include and the gcc and
    clang headers), where lzo1x_999 is at its fastest. Only the directories that exist are packed (names may hold
    wildcards); none at all is an error.
    Entries are in name order (GNU tar --sort=name), as in the layers Docker and BuildKit write (they walk the tree in
    lexical order): the order decides which small files share a fragment block, and a plain tar -c's directory order
    made the xz images 1.4 % larger on /usr/include than the same files in name order (mksquashfs, which reads a
    directory tree, packs in name order).
#>
param(
    [Parameter(Mandatory)] [ValidateSet('Large', 'Small', 'Text')] [string] $Tree,
    [Parameter(Mandatory)] [string] $Path
)
$ErrorActionPreference = 'Stop'
$sources = @{
    Large = @{ Parent = '/usr/lib'; Names = @('llvm-14', 'python3.11') }
    Small = @{ Parent = '/'; Names = @('usr/include', 'usr/lib/python3.11', 'usr/share/doc', 'usr/share/locale', 'usr/share/man') }
    Text  = @{ Parent = '/'; Names = @('usr/include', 'usr/lib/python3.11', 'usr/lib/gcc/*/*/include', 'usr/lib/llvm-*/lib/clang/*/include') }
}
$source = $sources[$Tree]
$present = @(foreach ($name in $source.Names) {
        foreach ($item in @(Get-Item -Path (Join-Path $source.Parent $name) -ErrorAction SilentlyContinue)) {
            $item.FullName.Substring($source.Parent.TrimEnd('/').Length).TrimStart('/')
        }
    }) | Sort-Object -Unique
if (-not $present) { throw "Tree $Tree`: none of $($source.Names -join ', ') exists under $($source.Parent)." }
Write-Host "Tree $Tree`: $($present -join ', ') under $($source.Parent)" -ForegroundColor Cyan
& tar --sort=name -cf $Path -C $source.Parent @present
if ($LASTEXITCODE -ne 0) { throw "tar of the $Tree tree failed" }
