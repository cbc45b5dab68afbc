using Xunit;

namespace GolemImage.Tests
{
    /// <summary>A fact that needs a workflow checker (yamllint, action-validator); skipped, with the reason, where it is not installed.</summary>
    public sealed class WorkflowToolFactAttribute : FactAttribute
    {
        public WorkflowToolFactAttribute(string tool)
        {
            if (WorkflowTests.FindTool(tool) == null)
            {
                Skip = $"{tool} is not installed (build.ps1 -Task Test installs it on Linux)";
            }
        }
    }
}
