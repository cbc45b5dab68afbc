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
            var store = new FileDataStore();
            SquashfsFileData original = store.Create();
            for (uint i = 1; i <= 3; i++)
            {
                original.AddBlock(i);
            }

            SquashfsFileData duplicate = store.Create();
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
            SquashfsFileData file = new FileDataStore().Create();
            Assert.Equal(0, file.BlockCount);
            Assert.True(file.BlockSizes.IsEmpty);
            Assert.Equal(SquashfsFileData.NoFragment, file.FragmentIndex);
        }

        [Fact]
        public void ListsOfFilesWrittenInTurnStaySeparate()
        {
            // Words of one file, then another's, then the first grows again (a collision's short last block).
            var store = new FileDataStore();
            SquashfsFileData first = store.Create();
            SquashfsFileData second = store.Create();
            first.AddBlock(1);
            first.AddBlock(2);
            second.AddBlock(10);
            first.AddBlock(3);
            second.AddBlock(11);
            Assert.Equal(new uint[] { 1, 2, 3 }, first.BlockSizes.ToArray());
            Assert.Equal(new uint[] { 10, 11 }, second.BlockSizes.ToArray());

            // A duplicate's own words, the last written, are given back when it takes the original's.
            SquashfsFileData third = store.Create();
            third.AddBlock(1);
            third.UseBlocksOf(first);
            SquashfsFileData fourth = store.Create();
            fourth.AddBlock(20);
            Assert.Equal(new uint[] { 1, 2, 3 }, third.BlockSizes.ToArray());
            Assert.Equal(new uint[] { 10, 11 }, second.BlockSizes.ToArray());
            Assert.Equal(new uint[] { 20 }, fourth.BlockSizes.ToArray());
        }
    }
}
