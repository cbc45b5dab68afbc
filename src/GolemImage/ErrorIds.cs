namespace GolemImage
{
    /// <summary>
    /// Every ErrorId the module reports, in one place: the engine throws with them, the cmdlets map and compare them,
    /// the tests and the help name them. The values are a public contract (scripts match on them): never change one.
    /// </summary>
    public static class ErrorIds
    {
        // Image archives, layers and tar streams.
        public const string ArchiveNotFound = "ArchiveNotFound";
        public const string InvalidArchive = "InvalidArchive";
        public const string InvalidTar = "InvalidTar";
        public const string AmbiguousImage = "AmbiguousImage";
        public const string ImageNotFound = "ImageNotFound";
        public const string InvalidImage = "InvalidImage";
        public const string InvalidImageConfig = "InvalidImageConfig";
        public const string ImageNotReadable = "ImageNotReadable";
        public const string ImageChangedWhileReading = "ImageChangedWhileReading";
        public const string InvalidPlatform = "InvalidPlatform";
        public const string UnsupportedPlatform = "UnsupportedPlatform";
        public const string InvalidImageReference = "InvalidImageReference";
        public const string InvalidImageTag = "InvalidImageTag";

        // The file tree of the image.
        public const string NameTooLong = "NameTooLong";
        public const string InvalidPath = "InvalidPath";
        public const string InvalidRootEntry = "InvalidRootEntry";
        public const string InvalidOwner = "InvalidOwner";
        public const string TooManyOwners = "TooManyOwners";
        public const string HardLinkTargetMissing = "HardLinkTargetMissing";
        public const string HardLinkToDirectory = "HardLinkToDirectory";
        public const string HardLinkLoop = "HardLinkLoop";
        public const string InvalidHardLink = "InvalidHardLink";
        public const string SymlinkTargetTooLong = "SymlinkTargetTooLong";
        public const string InvalidDeviceNumber = "InvalidDeviceNumber";
        public const string DirectoryTooLarge = "DirectoryTooLarge";

        /// <summary>A file whose squashfs block list could not be written (a sparse file claiming an enormous size).</summary>
        public const string FileTooLarge = "FileTooLarge";

        // .gvmi files and squashfs images.
        public const string InvalidSquashfs = "InvalidSquashfs";
        public const string GvmiTrailerTruncated = "GvmiTrailerTruncated";
        public const string GvmiTrailerLengthInvalid = "GvmiTrailerLengthInvalid";
        public const string GvmiTrailerCrcMismatch = "GvmiTrailerCrcMismatch";
        public const string GvmiTrailerNotUtf8 = "GvmiTrailerNotUtf8";
        public const string InvalidContainerConfig = "InvalidContainerConfig";
        public const string ContainerConfigTooLarge = "ContainerConfigTooLarge";

        public const string CompressorNotAvailable = "CompressorNotAvailable";

        // Output files.
        public const string OutputConflict = "OutputConflict";
        public const string OutputAccessDenied = "OutputAccessDenied";
        public const string OutputDirectoryNotFound = "OutputDirectoryNotFound";
        public const string OutputWriteFailed = "OutputWriteFailed";
        public const string PathIsDirectory = "PathIsDirectory";

        /// <summary>-SpoolDirectory or GOLEMIMAGE_SPOOL names a directory that does not exist.</summary>
        public const string SpoolDirectoryNotFound = "SpoolDirectoryNotFound";

        // Docker engine and OCI registries.
        public const string DockerUnavailable = "DockerUnavailable";

        /// <summary>An HTTP proxy answered 407: it wants credentials it did not get or did not accept.</summary>
        public const string ProxyAuthenticationRequired = "ProxyAuthenticationRequired";
        public const string DockerError = "DockerError";
        public const string PullFailed = "PullFailed";
        public const string RegistryError = "RegistryError";
        public const string RegistryUnavailable = "RegistryUnavailable";
        public const string AuthenticationFailed = "AuthenticationFailed";
        public const string InvalidDockerConfig = "InvalidDockerConfig";
        public const string CredentialHelperNotFound = "CredentialHelperNotFound";
        public const string CredentialHelperFailed = "CredentialHelperFailed";

        // The Golem registry.
        public const string InvalidRegistryUrl = "InvalidRegistryUrl";
        public const string InsecureRegistryUrl = "InsecureRegistryUrl";
        public const string InvalidUrl = "InvalidUrl";
        public const string CredentialRequired = "CredentialRequired";
        public const string AnonymousWithTag = "AnonymousWithTag";
        public const string TagRequired = "TagRequired";
        public const string InvalidImageDescriptor = "InvalidImageDescriptor";
        public const string TooManyChunks = "TooManyChunks";
        public const string RegistryProtocolError = "RegistryProtocolError";
        public const string RegistryAuthenticationFailed = "RegistryAuthenticationFailed";
        public const string RegistryPermissionDenied = "RegistryPermissionDenied";
        public const string RegistryRepositoryNotFound = "RegistryRepositoryNotFound";
        public const string RegistryRejectedTag = "RegistryRejectedTag";
        public const string RegistryRejectedDescriptor = "RegistryRejectedDescriptor";
        public const string RegistryRejectedChunk = "RegistryRejectedChunk";
        public const string RegistryHashMismatch = "RegistryHashMismatch";
        public const string RegistryValidationFailed = "RegistryValidationFailed";
        public const string RegistryTlsError = "RegistryTlsError";
        public const string RegistryRequestFailed = "RegistryRequestFailed";

        // Set by the cmdlet layer for errors that do not come from the engine.
        public const string PathNotFound = "PathNotFound";
        public const string RelativeUrl = "RelativeUrl";
        public const string UrlNeedsOneImage = "UrlNeedsOneImage";
        public const string NotFileSystemPath = "NotFileSystemPath";
        public const string FileNotFound = "FileNotFound";
        public const string AccessDenied = "AccessDenied";
        public const string IOError = "IOError";
        public const string StreamReadError = "StreamReadError";
        public const string OperationStopped = "OperationStopped";
        public const string UnexpectedError = "UnexpectedError";

        // The requestor side: registry lookups, downloads and payload manifests.
        public const string OutputIsDirectory = "OutputIsDirectory";
        public const string OutputExists = "OutputExists";
        public const string HashMismatch = "HashMismatch";
        public const string DownloadInProgress = "DownloadInProgress";
        public const string DownloadFailed = "DownloadFailed";
        public const string DownloadSizeMismatch = "DownloadSizeMismatch";
        public const string DownloadTlsError = "DownloadTlsError";
        public const string InvalidImageHash = "InvalidImageHash";
        public const string PrivateKeyUnreadable = "PrivateKeyUnreadable";
        public const string InvalidPrivateKey = "InvalidPrivateKey";
        public const string SigningFailed = "SigningFailed";
        public const string CertificateNotRsa = "CertificateNotRsa";
        public const string KeyDoesNotMatchCertificate = "KeyDoesNotMatchCertificate";
        public const string CertificateWithoutPrivateKey = "CertificateWithoutPrivateKey";
        public const string PayloadUrlRequired = "PayloadUrlRequired";
        public const string InvalidPayloadUrl = "InvalidPayloadUrl";
        public const string InvalidTaskPackage = "InvalidTaskPackage";
        public const string PayloadRequired = "PayloadRequired";
        public const string InvalidManifestMetadata = "InvalidManifestMetadata";
        public const string InvalidExpiry = "InvalidExpiry";
        public const string InvalidOutboundUrl = "InvalidOutboundUrl";
        public const string ManifestWriteFailed = "ManifestWriteFailed";
        public const string ExpiryTwice = "ExpiryTwice";
        public const string TaskPackageMismatch = "TaskPackageMismatch";
        public const string PayloadHashRequired = "PayloadHashRequired";
        public const string ManifestNotCreated = "ManifestNotCreated";

        // Docker engines, output paths and the platform (Windows and macOS).
        public const string ArchivePathRequired = "ArchivePathRequired";
        public const string DockerHostUnsupported = "DockerHostUnsupported";
        public const string DockerHostInvalid = "DockerHostInvalid";
        public const string DockerContextNotFound = "DockerContextNotFound";
        public const string DockerContextInvalid = "DockerContextInvalid";
        public const string DockerTlsInvalid = "DockerTlsInvalid";
        public const string DockerTlsUnsupported = "DockerTlsUnsupported";
        public const string InvalidOutputPath = "InvalidOutputPath";
        public const string OutputPathTooLong = "OutputPathTooLong";
    }
}
