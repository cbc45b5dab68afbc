namespace GolemImage.Tests { public class Placeholder { [Xunit.Fact] public void Engine_assembly_loads() { Xunit.Assert.NotNull(typeof(GolemImage.GolemImageException).Assembly); } } }
