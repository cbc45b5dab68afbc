@{
    RootModule           = 'GolemImage.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0c6a5e-2f4d-4c5e-9d8a-6f1e3b7a9c21'
    Author               = 'GolemImage contributors'
    CompanyName          = 'GolemImage'
    Copyright            = '(c) 2026 GolemImage contributors. MIT License.'
    Description          = 'Turns Docker/OCI images into Golem Network VM images (.gvmi) without a helper container: a streaming, parallel, reproducible squashfs writer with LZO, gzip, xz, LZ4 and zstd; SHA3-224 image hashes; upload to, lookup in and verified download from the Golem registry; requestor payload manifests.'
    PowerShellVersion    = '5.1'
    # What the netstandard2.0 build needs on Windows PowerShell: .NET Framework 4.6.2 (Windows Server 2016) cannot
    # bind netstandard 2.0 assemblies reliably; 4.7.2 carries the netstandard facades in the framework itself.
    DotNetFrameworkVersion = '4.7.2'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('GolemImage.Format.ps1xml')
    CmdletsToExport      = @(
        'ConvertTo-GolemImage'
        'Find-GolemImage'
        'Get-GolemImage'
        'Get-GolemImageHash'
        'New-GolemManifest'
        'Publish-GolemImage'
        'Save-GolemImage'
        'Test-GolemImage'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Golem', 'GolemNetwork', 'gvmi', 'squashfs', 'Docker', 'OCI', 'container', 'image', 'LZO', 'xz', 'SHA3', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core', 'PSEdition_Desktop')
            ProjectUri   = 'https://github.com/golemimage/GolemImage'
            LicenseUri   = 'https://github.com/golemimage/GolemImage/blob/main/LICENSE'
            ReleaseNotes = 'First release: ConvertTo-GolemImage (Docker engine, image archives, OCI registries), Get-GolemImageHash, Get-GolemImage, Test-GolemImage, Publish-GolemImage; Find-GolemImage, Save-GolemImage, New-GolemManifest and tab completion for ConvertTo-GolemImage.'
        }
    }
}
