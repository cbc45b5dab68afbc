@{
    RootModule           = 'GolemImage.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0c6a5e-2f4d-4c5e-9d8a-6f1e3b7a9c21'
    Author               = 'GolemImage contributors'
    CompanyName          = 'GolemImage'
    Copyright            = '(c) 2026 GolemImage contributors. MIT License.'
    Description          = 'Turns Docker/OCI images into Golem Network VM images (.gvmi) without a helper container: a streaming, parallel, reproducible squashfs writer with LZO, gzip, xz, LZ4 and zstd; SHA3-224 image hashes; upload to the Golem registry.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('GolemImage.Format.ps1xml')
    CmdletsToExport      = @(
        'ConvertTo-GolemImage'
        'Get-GolemImage'
        'Get-GolemImageHash'
        'Publish-GolemImage'
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
            ReleaseNotes = 'First release: ConvertTo-GolemImage (Docker engine, image archives, OCI registries), Get-GolemImageHash, Get-GolemImage, Test-GolemImage, Publish-GolemImage.'
        }
    }
}
