using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using GolemImage.Sources;
using Xunit;

namespace GolemImage.Tests.Sources
{
    /// <summary>
    /// A gzip stream of several members (pigz, concatenated blobs): every member's trailer is checked, and damage is
    /// reported naming the member and the byte, through the one DecompressingStream every gzip input goes through.
    /// </summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class GzipMembersTests
    {
        // 20 MiB of zeros: a member whose size dwarfs any 4 bytes that follow a cut in a small last member.
        private static readonly byte[] Big = new byte[20 << 20];
        private static readonly byte[] Small = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("the last member ", 500)));
        private static readonly byte[] Other = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("another member ", 300)));

        private static byte[] Members(params byte[][] contents) => contents.SelectMany(LayerBuilder.Gzip).ToArray();

        private static async Task<byte[]> Decode(byte[] gzip, bool async)
        {
            using var decoded = new DecompressingStream(new MemoryStream(gzip), "gzip", (problem, inner) => new GolemImageException(ErrorIds.InvalidArchive, GolemErrorCategory.InvalidData, "members.tar.gz: " + problem, "members.tar.gz", inner));
            using var output = new MemoryStream();
            if (async)
            {
                await decoded.CopyToAsync(output);
            }
            else
            {
                decoded.CopyTo(output);
            }

            return output.ToArray();
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Whole_members_decode_to_their_contents_in_order_with_zero_padding_after_them(bool async)
        {
            byte[] gzip = Members(Small, Small, Big, Small);
            Assert.Equal(Small.Concat(Small).Concat(Big).Concat(Small).ToArray(), await Decode(gzip, async));
            Assert.Equal(Small.Concat(Big).ToArray(), await Decode(Members(Small, Big).Concat(new byte[1000]).ToArray(), async));
        }

        [Theory]
        [InlineData(1, false)]
        [InlineData(3, false)]
        [InlineData(5, true)]
        public async Task A_last_member_cut_in_its_trailer_is_truncated_although_the_first_is_larger_than_any_size_it_could_claim(int cut, bool async)
        {
            // The old check read the last 4 bytes as the size of the whole stream: any size below 20 MiB passed.
            byte[] gzip = Members(Big, Small);
            gzip = gzip.Take(gzip.Length - cut).ToArray();
            var error = await Assert.ThrowsAsync<GolemImageException>(() => Decode(gzip, async));
            Assert.Contains("members.tar.gz: the gzip data is truncated", error.Message);
            Assert.Contains($"ends at byte {gzip.Length}", error.Message);
            Assert.Contains($"gzip member 2, which starts at byte {LayerBuilder.Gzip(Big).Length}", error.Message);
        }

        [Theory]
        [InlineData(8, "CRC-32")]
        [InlineData(4, "size")]
        public async Task A_damaged_trailer_of_a_middle_member_is_corrupt_naming_the_member_and_where_its_data_ends(int fromEnd, string field)
        {
            byte[] first = LayerBuilder.Gzip(Small);
            byte[] gzip = Members(Small, Other, Big);
            gzip[first.Length - fromEnd] ^= 0x01;
            var error = await Assert.ThrowsAsync<GolemImageException>(() => Decode(gzip, false));
            Assert.Contains("members.tar.gz: the gzip data is corrupt", error.Message);
            Assert.Contains("the gzip member at byte 0 decodes to " + Small.Length + " bytes", error.Message);
            Assert.Contains("no trailer with their CRC-32", error.Message);
            Assert.Contains(field == "size" ? "and size" : "CRC-32", error.Message);

            // The second member, in the middle of three.
            byte[] second = LayerBuilder.Gzip(Other);
            gzip = Members(Small, Other, Big);
            gzip[first.Length + second.Length - fromEnd] ^= 0x01;
            error = await Assert.ThrowsAsync<GolemImageException>(() => Decode(gzip, true));
            Assert.Contains($"gzip member 2, which starts at byte {first.Length}", error.Message);
        }

        [Fact]
        public async Task Bad_deflate_data_in_a_later_member_names_that_member()
        {
            byte[] first = LayerBuilder.Gzip(Big);
            byte[] gzip = Members(Big, Small);
            for (int i = first.Length + 12; i < first.Length + 40; i++)
            {
                gzip[i] = 0xFF;
            }

            var error = await Assert.ThrowsAsync<GolemImageException>(() => Decode(gzip, false));
            Assert.Contains($"gzip member 2, which starts at byte {first.Length}", error.Message);
            Assert.Contains("corrupt", error.Message);
        }

        [Fact]
        public async Task Garbage_after_the_last_member_is_refused_with_its_byte()
        {
            byte[] gzip = Members(Small);
            byte[] withGarbage = gzip.Concat(new byte[] { 0, 0, 7 }).ToArray();
            var error = await Assert.ThrowsAsync<GolemImageException>(() => Decode(withGarbage, false));
            Assert.Contains($"non-zero byte at byte {gzip.Length + 2}", error.Message);

            withGarbage = gzip.Concat(Encoding.ASCII.GetBytes("not gzip")).ToArray();
            error = await Assert.ThrowsAsync<GolemImageException>(() => Decode(withGarbage, false));
            Assert.Contains($"from byte {gzip.Length} on, after 1 whole member(s), are neither another gzip member nor zero padding", error.Message);
        }
    }
}
