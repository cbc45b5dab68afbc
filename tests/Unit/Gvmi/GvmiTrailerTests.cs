using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using GolemImage.Gvmi;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    [Trait(Requires.Key, Requires.Portable)]
    public class GvmiTrailerTests
    {
        [Fact]
        public void Write_produces_the_golden_trailer()
        {
            // CRC from python3 zlib.crc32 over the golden JSON: 0xcc372894, stored little-endian.
            byte[] trailer = Write(ContainerConfigTests.GoldenConfig());
            byte[] expected = new byte[] { 0x94, 0x28, 0x37, 0xcc }
                .Concat(Encoding.UTF8.GetBytes(ContainerConfigTests.GoldenJson))
                .Concat(Encoding.ASCII.GetBytes("00000224"))
                .ToArray();
            Assert.Equal(expected, trailer);
        }

        [Fact]
        public void Write_of_an_empty_config()
        {
            Assert.Equal(new byte[] { 0x43, 0xbf, 0xa6, 0xa3, (byte)'{', (byte)'}' }.Concat(Encoding.ASCII.GetBytes("00000002")), Write(new ContainerConfig()));
        }

        [Trait(Requires.Key, Requires.LinuxTools)]
        [Fact]
        public void Crc_agrees_with_python_zlib()
        {
            var config = new ContainerConfig
            {
                Env = Enumerable.Range(0, 300).Select(i => $"VAR{i}=value ü {i}").ToArray(),
                Cmd = new[] { "/bin/sh", "-c", "echo \"quoted\" \\ back" },
                WorkingDir = "/work",
            };
            byte[] trailer = Write(config);
            string directory = Path.Combine(Path.GetTempPath(), "gi-crc-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                string jsonFile = Path.Combine(directory, "config.json");
                File.WriteAllBytes(jsonFile, trailer.Skip(4).Take(trailer.Length - 12).ToArray());
                var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("import sys, zlib; print(zlib.crc32(open(sys.argv[1], 'rb').read()))");
                start.ArgumentList.Add(jsonFile);
                using (Process python = Process.Start(start)!)
                {
                    string output = python.StandardOutput.ReadToEnd().Trim();
                    python.WaitForExit();
                    Assert.Equal(0, python.ExitCode);
                    Assert.Equal(uint.Parse(output), BitConverter.ToUInt32(trailer, 0));
                }
            }
            finally
            {
                Directory.Delete(directory, true);
            }
        }

        [Fact]
        public void Read_returns_the_config_and_the_trailer_offset()
        {
            byte[] file = new byte[4096].Concat(Write(ContainerConfigTests.GoldenConfig())).ToArray();
            using (var stream = new MemoryStream(file))
            {
                GvmiTrailerInfo info = GvmiTrailer.Read(stream, "x.gvmi");
                Assert.Equal(4096, info.Offset);
                Assert.Equal(224, info.JsonLength);
                Assert.Equal(0xcc372894u, info.Crc);
                Assert.Equal(ContainerConfigTests.GoldenJson, info.Json);
                Assert.Equal(file.Length - 4096, info.Length);
                Assert.Equal("/app", info.Config.WorkingDir);
            }
        }

        [Fact]
        public void Read_accepts_a_plus_sign_like_rusts_u32_parser()
        {
            byte[] file = Write(new ContainerConfig());
            Encoding.ASCII.GetBytes("+0000002").CopyTo(file, file.Length - 8);
            Assert.Equal(2, GvmiTrailer.Read(new MemoryStream(file)).JsonLength);
        }

        [Theory]
        [InlineData("0000002 ")]
        [InlineData(" 0000002")]
        [InlineData("-0000002")]
        [InlineData("0000x002")]
        [InlineData("+       ")]
        public void Read_rejects_length_digits_the_runtime_rejects(string digits)
        {
            byte[] file = Write(new ContainerConfig());
            Encoding.ASCII.GetBytes(digits).CopyTo(file, file.Length - 8);
            AssertFails("GvmiTrailerLengthInvalid", file, "8 decimal digits");
        }

        [Fact]
        public void Read_rejects_a_file_too_short_for_a_trailer()
        {
            AssertFails("GvmiTrailerTruncated", Encoding.ASCII.GetBytes("00000002"), "too short");
        }

        [Fact]
        public void Read_rejects_a_length_larger_than_the_file()
        {
            byte[] file = Write(new ContainerConfig());
            Encoding.ASCII.GetBytes("00000099").CopyTo(file, file.Length - 8);
            AssertFails("GvmiTrailerTruncated", file, "announces 99 bytes");
        }

        [Fact]
        public void Read_rejects_a_flipped_bit_in_the_json_or_the_crc()
        {
            byte[] good = new byte[100].Concat(Write(ContainerConfigTests.GoldenConfig())).ToArray();
            for (int position = 100; position < good.Length - 8; position += 7)
            {
                byte[] bad = (byte[])good.Clone();
                bad[position] ^= 0x10;
                AssertFails("GvmiTrailerCrcMismatch", bad, "CRC-32");
            }
        }

        [Fact]
        public void Read_rejects_json_that_is_not_utf8()
        {
            byte[] json = { (byte)'{', 0xC3, (byte)'}' };
            var output = new MemoryStream();
            GvmiTrailer.WriteJson(output, json);
            AssertFails("GvmiTrailerNotUtf8", output.ToArray(), "UTF-8");
        }

        [Fact]
        public void Read_rejects_a_config_with_a_wrong_type()
        {
            var output = new MemoryStream();
            GvmiTrailer.WriteJson(output, Encoding.UTF8.GetBytes("{\"Env\":\"A=1\"}"));
            AssertFails("InvalidContainerConfig", output.ToArray(), "'Env' must be an array");
        }

        private static byte[] Write(ContainerConfig config)
        {
            using (var output = new MemoryStream())
            {
                GvmiTrailer.Write(output, config);
                return output.ToArray();
            }
        }

        private static void AssertFails(string errorId, byte[] file, string messagePart)
        {
            GolemImageException error = Assert.Throws<GolemImageException>(() => GvmiTrailer.Read(new MemoryStream(file), "bad.gvmi"));
            Assert.Equal(errorId, error.ErrorId);
            Assert.Contains("bad.gvmi", error.Message);
            Assert.Contains(messagePart, error.Message);
        }
    }
}
