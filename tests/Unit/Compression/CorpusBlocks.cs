using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace GolemImage.Tests.Compression
{
    /// <summary>
    /// The blocks the exhaustive compressor benchmarks work on: the benchmark's Large tree (/usr/lib/llvm-14 and
    /// /usr/lib/python3.11, or the directories in GOLEMIMAGE_CORPUS separated by ':'), every k-th file so that
    /// binaries and text are both in it, cut into squashfs blocks, up to GOLEMIMAGE_CORPUS_BYTES (100 MB).
    /// </summary>
    internal static class CorpusBlocks
    {
        public static List<byte[]> Load(int blockSize)
        {
            long maxBytes = long.Parse(Environment.GetEnvironmentVariable("GOLEMIMAGE_CORPUS_BYTES") ?? "100000000");
            string dirs = Environment.GetEnvironmentVariable("GOLEMIMAGE_CORPUS") ?? "/usr/lib/llvm-14:/usr/lib/python3.11";
            var files = dirs.Split(':')
                .Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFiles(d, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
            var blocks = new List<byte[]>();
            long total = 0;
            long treeBytes = files.Sum(f => new FileInfo(f).Length);
            int stride = (int)Math.Max(1, treeBytes / Math.Max(1, maxBytes));
            for (int i = 0; i < files.Count && total < maxBytes; i += stride)
            {
                var data = File.ReadAllBytes(files[i]);
                for (int offset = 0; offset < data.Length; offset += blockSize)
                {
                    blocks.Add(data.AsSpan(offset, Math.Min(blockSize, data.Length - offset)).ToArray());
                }

                total += data.Length;
            }

            Assert.True(blocks.Count > 0, $"the corpus directories ({dirs}) hold no files");
            return blocks;
        }
    }
}
