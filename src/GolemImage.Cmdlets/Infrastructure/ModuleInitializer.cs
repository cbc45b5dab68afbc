#if !NETSTANDARD2_0
using System.Management.Automation;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>The net8.0 build's import hook: loads the engine (no binding redirects are needed on .NET 8).</summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public void OnImport() => EngineLoader.LoadEngine();
    }
}
#endif
