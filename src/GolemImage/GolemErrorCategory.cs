namespace GolemImage
{
    /// <summary>
    /// The kind of failure, independent of PowerShell; the cmdlet layer maps it onto ErrorCategory.
    /// </summary>
    public enum GolemErrorCategory
    {
        NotSpecified,
        InvalidData,
        InvalidArgument,
        ObjectNotFound,
        ConnectionError,
        AuthenticationError,
        PermissionDenied,
        ResourceExists,
        ResourceUnavailable,
        NotImplemented,
        OperationStopped,
        ReadError,
        WriteError,
        ProtocolError,
    }
}
