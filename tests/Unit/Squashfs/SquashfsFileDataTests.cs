using GolemImage.Squashfs;
using Xunit;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>A duplicate shares its original's block list without a copy; adding to either must not change the other.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public sealed class SquashfsFileDataTests
    {
        [Fact]
        public void SharedBlockListsAreCopiedOnWrite()
        {
            var original = new SquashfsFileData();
            for (uint i = 1; i <= 3; i++)
            {
                original.AddBlock(i);
            }

            var duplicate = new SquashfsFileData();
            duplicate.AddBlock(99);
            duplicate.UseBlocksOf(original);
            Assert.Equal(new uint[] { 1, 2, 3 }, duplicate.BlockSizes.ToArray());

            duplicate.AddBlock(7);
            original.AddBlock(4);
            Assert.Equal(new uint[] { 1, 2, 3, 7 }, duplicate.BlockSizes.ToArray());
            Assert.Equal(new uint[] { 1, 2, 3, 4 }, original.BlockSizes.ToArray());
        }

        [Fact]
        public void AFileWithoutBlocksHasAnEmptyList()
        {
            var file = new SquashfsFileData();
            Assert.Equal(0, file.BlockCount);
            Assert.True(file.BlockSizes.IsEmpty);
        }
    }
}
