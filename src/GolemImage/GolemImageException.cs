using System;

namespace GolemImage
{
    /// <summary>
    /// A failure the user can act on. <see cref="ErrorId"/> becomes the PowerShell ErrorRecord's
    /// FullyQualifiedErrorId prefix, so it is stable and specific (ImageNotFound, InvalidArchive, ...).
    /// </summary>
    public class GolemImageException : Exception
    {
        public GolemImageException(string errorId, GolemErrorCategory category, string message, object? target = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
        }

        public string ErrorId { get; }

        public GolemErrorCategory Category { get; }

        /// <summary>The input the error is about (a path, an image name, an URL).</summary>
        public object? Target { get; }
    }
}
