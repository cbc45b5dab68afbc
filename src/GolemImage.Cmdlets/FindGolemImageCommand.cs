using System;
using System.Management.Automation;
using GolemImage.Cmdlets.Infrastructure;
using GolemImage.Registry;

namespace GolemImage.Cmdlets
{
    /// <summary>
    /// Find-GolemImage: looks images up in the Golem registry by tag or hash, so a requestor can pin the hash a tag
    /// points at today (SDKs resolve tags at run time, so a re-pushed tag silently changes what providers run).
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "GolemImage")]
    [OutputType(typeof(GolemRegistryImage))]
    public sealed class FindGolemImageCommand : RegistryImageCmdlet
    {
        protected override void ProcessRecord()
        {
            foreach ((ImageQuery query, string? tag) in ReadQueries())
            {
                try
                {
                    RegistryImage image = RunEngine((reporter, token) => RegistryImageFinder.FindAsync(Registry, query, Retry, reporter, token));
                    WriteObject(new GolemRegistryImage(WithTag(image, tag)));
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteEngineError(ex, query.ToString());
                }
            }
        }
    }
}
