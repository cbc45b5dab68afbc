using System;
using System.Net;
using System.Runtime.InteropServices;

namespace GolemImage
{
    /// <summary>
    /// TLS 1.2 for our HTTPS clients on .NET Framework. There HttpClient goes through ServicePointManager, whose
    /// protocols for a host like powershell.exe (which targets an old framework version) default to SSL 3 and TLS 1.0
    /// unless the machine's registry says otherwise, so Docker Hub, other OCI registries and the Golem registry (all
    /// TLS 1.2 or later) would fail with "An unexpected error occurred on a send". We add TLS 1.2 to what is enabled,
    /// never remove a protocol, and leave "SystemDefault" (the OS chooses) alone. On .NET (Core) HttpClient does not
    /// use ServicePointManager and the OS defaults apply, so nothing is changed there.
    /// </summary>
    internal static class TransportSecurity
    {
        // SecurityProtocolType.SystemDefault, which netstandard2.0's enum does not name.
        private const SecurityProtocolType SystemDefault = 0;
        private static readonly object Gate = new object();

        public static void EnsureTls12()
        {
            if (!IsNetFramework(RuntimeInformation.FrameworkDescription))
            {
                return;
            }

            lock (Gate)
            {
#pragma warning disable SYSLIB0014 // Obsolete on .NET, where this line never runs; it is how .NET Framework is configured.
                ServicePointManager.SecurityProtocol = WithTls12(ServicePointManager.SecurityProtocol);
#pragma warning restore SYSLIB0014
            }
        }

        internal static bool IsNetFramework(string frameworkDescription) =>
            frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        internal static SecurityProtocolType WithTls12(SecurityProtocolType enabled) =>
            enabled == SystemDefault ? enabled : enabled | SecurityProtocolType.Tls12;
    }
}
