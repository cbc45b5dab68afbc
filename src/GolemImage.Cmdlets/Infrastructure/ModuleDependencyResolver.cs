#if NETSTANDARD2_0
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// The binding redirects Windows PowerShell cannot be given. On .NET Framework a strong-named reference binds only
    /// to its exact version, and powershell.exe's configuration redirects nothing for a module's dependencies: the
    /// packages we ship refer to each other at older versions than the copies in the module folder (System.Memory
    /// asks for System.Runtime.CompilerServices.Unsafe 4.0.4.1, we ship 6.0.0.0; several ask for System.Buffers
    /// 4.0.2.0, we ship 4.0.3.0), so the first call into them would fail with "The located assembly's manifest
    /// definition does not match the assembly reference". When a bind fails, .NET raises AppDomain.AssemblyResolve;
    /// this handler answers with the module folder's copy when that copy is what a binding redirect would have
    /// chosen: same name and public key token, same or newer version. Only the netstandard2.0 build (Windows
    /// PowerShell 5.1, older PowerShell 7) registers it; on .NET 8 the runtime itself binds same-or-newer versions.
    /// </summary>
    public sealed class ModuleDependencyResolver : IModuleAssemblyInitializer
    {
        private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(ModuleDependencyResolver).Assembly.Location) ?? string.Empty;
        private static readonly ConcurrentDictionary<string, AssemblyName?> ShippedNames = new ConcurrentDictionary<string, AssemblyName?>(StringComparer.OrdinalIgnoreCase);
        private static readonly object RegistrationLock = new object();
        private static bool _registered;

        /// <summary>Called by PowerShell when the module is imported (possibly more than once: registers once).</summary>
        public void OnImport()
        {
            lock (RegistrationLock)
            {
                if (!_registered && ModuleDirectory.Length > 0)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += Resolve;
                    _registered = true;
                }
            }

            EngineLoader.LoadEngine();
        }

        /// <summary>
        /// The module folder's file that satisfies <paramref name="requested"/> the way a binding redirect would, or
        /// null: the name must match a shipped DLL, a requested public key token must equal the shipped one, and the
        /// shipped version must be the requested one or newer (never an older copy).
        /// </summary>
        private static string? FindShippedAssembly(AssemblyName requested)
        {
            if (string.IsNullOrEmpty(requested.Name) || requested.Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            {
                return null;
            }

            string path = Path.Combine(ModuleDirectory, requested.Name + ".dll");
            AssemblyName? shipped = ReadShippedName(path);
            if (shipped == null || !string.Equals(shipped.Name, requested.Name, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            byte[]? requestedToken = requested.GetPublicKeyToken();
            if (requestedToken != null && requestedToken.Length > 0 && !requestedToken.SequenceEqual(shipped.GetPublicKeyToken() ?? Array.Empty<byte>()))
            {
                return null;
            }

            if (requested.Version != null && (shipped.Version == null || shipped.Version < requested.Version))
            {
                return null;
            }

            return path;
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            AssemblyName requested;
            try
            {
                requested = new AssemblyName(args.Name);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FileLoadException)
            {
                return null;
            }

            // Only the module's own binds: another module's assembly asking for, say, System.Memory must get what its
            // own folder or its host's redirects give it, not our copy. A bind without a requester (Assembly.Load by
            // name, as serializers do) is answered when the module ships that assembly.
            if (!IsOwnRequest(args.RequestingAssembly))
            {
                return null;
            }

            // LoadFrom hands back the copy already loaded from that path, so every request gets one type identity.
            string? path = FindShippedAssembly(requested);
            return path == null ? null : Assembly.LoadFrom(path);
        }

        private static bool IsOwnRequest(Assembly? requester)
        {
            if (requester == null)
            {
                return true;
            }

            string location;
            try
            {
                location = requester.IsDynamic ? string.Empty : requester.Location;
            }
            catch (NotSupportedException)
            {
                return false;
            }

            return location.Length > 0 && string.Equals(Path.GetDirectoryName(location), ModuleDirectory, StringComparison.OrdinalIgnoreCase);
        }

        private static AssemblyName? ReadShippedName(string path) => ShippedNames.GetOrAdd(path, p =>
        {
            try
            {
                return File.Exists(p) ? AssemblyName.GetAssemblyName(p) : null;
            }
            catch (Exception ex) when (ex is BadImageFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        });
    }
}
#endif
