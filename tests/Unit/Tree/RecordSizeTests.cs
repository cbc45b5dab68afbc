using System.Runtime.CompilerServices;
using GolemImage.Squashfs;
using GolemImage.Tree;
using Xunit;

namespace GolemImage.Tests.Tree
{
    /// <summary>
    /// The per-entry records' sizes, which the peak memory at a million entries is made of: a field added or
    /// reordered carelessly costs megabytes without failing any other test.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class RecordSizeTests
    {
        [Fact]
        public void A_tree_node_is_24_bytes() => Assert.Equal(24, Unsafe.SizeOf<TreeNode>());

        [Fact]
        public void A_tree_slot_is_20_bytes() => Assert.Equal(20, Unsafe.SizeOf<TreeSlot>());

        [Fact]
        public void A_file_data_record_is_20_bytes() => Assert.Equal(20, Unsafe.SizeOf<FileDataStore.Record>());
    }
}
