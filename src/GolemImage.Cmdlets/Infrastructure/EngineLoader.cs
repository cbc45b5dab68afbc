namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Loads the engine assembly when the module is imported, so that its types resolve in scripts straight after
    /// Import-Module. The module's psm1 cannot do it: [Reflection.Assembly]::LoadFrom is refused in ConstrainedLanguage
    /// (AppLocker, WDAC). On the netstandard2.0 build <see cref="ModuleDependencyResolver"/> is the initializer and
    /// calls <see cref="LoadEngine"/> after registering itself.
    /// </summary>
    public static class EngineLoader
    {
        /// <summary>Binds the engine (the same file the cmdlets use, from the module folder).</summary>
        public static void LoadEngine() => _ = typeof(GolemImageException).Assembly;
    }
}
