using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using GolemImage.Compression;
using GolemImage.Gvmi;

namespace GolemImage.Squashfs.Reading
{
    /// <summary>
    /// Checks a .gvmi the way its consumers do: the trailer as ya-runtime-vm parses it, the superblock and the
    /// table layout as the Linux squashfs driver (5.11+ hardening) and unsquashfs check them at mount time
    /// (squashfs-format.md §1.1, §1.15), the 4 KiB zero padding between the filesystem and the trailer, and (warnings
    /// only) a User the runtime would ignore and files stored below a VOLUME of the config, which providers hide.
    /// Every rule yields a finding, so a caller can show what passed as well as what failed.
    /// </summary>
    public static class ImageValidator
    {
        /// <summary>An 8 KiB metadata block plus its 2-byte header: the most two index entries may be apart.</summary>
        private const ulong MaxMetadataBlockOnDisk = SquashfsFormat.MetadataBlockSize + 2;

        private const int PaddingAlignment = 4096;

        /// <param name="cancellationToken">Honoured by every walk whose length the file decides (the padding, the directory tree).</param>
        public static IReadOnlyList<ValidationFinding> ValidateFile(string path, CancellationToken cancellationToken = default)
        {
            using (var stream = SharedFile.OpenRead(path, 4096))
            {
                return Validate(stream, path, cancellationToken);
            }
        }

        public static IReadOnlyList<ValidationFinding> Validate(Stream seekable, string? sourceName, CancellationToken cancellationToken = default)
        {
            if (seekable == null)
            {
                throw new ArgumentNullException(nameof(seekable));
            }

            var findings = new List<ValidationFinding>();
            long fileLength = seekable.Length;

            GvmiTrailerInfo? trailer = null;
            try
            {
                trailer = GvmiTrailer.Read(seekable, sourceName);
                findings.Add(new ValidationFinding("Trailer", ValidationResult.Passed, $"The trailer holds {trailer.JsonLength} bytes of container config JSON whose CRC-32 0x{trailer.Crc:x8} matches.", trailer.Offset));
                findings.Add(CheckUser(trailer.Config.User));
            }
            catch (GolemImageException ex)
            {
                findings.Add(new ValidationFinding("Trailer", ValidationResult.Failed, ex.Message));
            }

            long squashfsEnd = trailer?.Offset ?? fileLength;
            if (fileLength < SquashfsSuperblock.Size)
            {
                findings.Add(new ValidationFinding("Superblock", ValidationResult.Failed, $"The file is {fileLength} bytes long, too short for a squashfs superblock ({SquashfsSuperblock.Size} bytes).", 0));
                return findings;
            }

            SquashfsSuperblock superblock = SquashfsSuperblock.Parse(ReadAt(seekable, 0, SquashfsSuperblock.Size));
            if (superblock.Magic != SquashfsSuperblock.ExpectedMagic)
            {
                findings.Add(new ValidationFinding("Superblock.Magic", ValidationResult.Failed, $"Not a squashfs image: the file starts with 0x{superblock.Magic:x8} instead of the magic \"hsqs\" (0x73717368) at byte 0, where the runtime attaches the filesystem.", 0));
                return findings;
            }

            findings.Add(new ValidationFinding("Superblock.Magic", ValidationResult.Passed, "The file starts with a squashfs superblock.", 0));
            CheckSuperblock(seekable, superblock, findings);

            bool bytesUsedFit = superblock.BytesUsed >= SquashfsSuperblock.Size && superblock.BytesUsed <= (ulong)squashfsEnd;
            if (bytesUsedFit)
            {
                findings.Add(new ValidationFinding("Superblock.BytesUsed", ValidationResult.Passed, $"The filesystem ends at byte {superblock.BytesUsed}, inside the file.", 40));
                CheckLayout(seekable, superblock, findings);
            }
            else
            {
                string where = trailer != null ? $"the trailer, which starts at byte {squashfsEnd}" : $"the file, which is {fileLength} bytes long";
                findings.Add(new ValidationFinding(
                    "Superblock.BytesUsed",
                    ValidationResult.Failed,
                    superblock.BytesUsed < SquashfsSuperblock.Size
                        ? $"bytes_used is {superblock.BytesUsed}, less than the superblock itself."
                        : $"The image is truncated: the superblock says the filesystem is {superblock.BytesUsed} bytes, but it must end before {where}.",
                    40));
                findings.Add(new ValidationFinding("Layout", ValidationResult.Skipped, "The table layout was not checked because bytes_used is wrong."));
            }

            if (trailer == null)
            {
                findings.Add(new ValidationFinding("Padding", ValidationResult.Skipped, "The padding was not checked because the trailer is missing or broken."));
            }
            else if (bytesUsedFit)
            {
                CheckPadding(seekable, superblock.BytesUsed, trailer.Offset, findings, cancellationToken);
            }

            CheckVolumes(seekable, superblock, trailer, bytesUsedFit && IsValid(findings), findings, cancellationToken);
            return findings;
        }

        private static string Count(long count, string noun) => count == 1 ? "1 " + noun : $"{count} {noun}s";

        /// <summary>True when no finding failed.</summary>
        public static bool IsValid(IEnumerable<ValidationFinding> findings)
        {
            foreach (ValidationFinding finding in findings)
            {
                if (finding.Result == ValidationResult.Failed)
                {
                    return false;
                }
            }

            return true;
        }

        private static void CheckSuperblock(Stream stream, SquashfsSuperblock sb, List<ValidationFinding> findings)
        {
            findings.Add(sb.VersionMajor == 4 && sb.VersionMinor == 0
                ? new ValidationFinding("Superblock.Version", ValidationResult.Passed, "Squashfs version 4.0.", 28)
                : new ValidationFinding("Superblock.Version", ValidationResult.Failed, $"Squashfs version {sb.VersionMajor}.{sb.VersionMinor}; Linux mounts only version 4.0.", 28));

            bool powerOfTwo = sb.BlockSize != 0 && (sb.BlockSize & (sb.BlockSize - 1)) == 0;
            if (!powerOfTwo || sb.BlockSize < 4096 || sb.BlockSize > 1048576)
            {
                findings.Add(new ValidationFinding("Superblock.BlockSize", ValidationResult.Failed, $"The block size {sb.BlockSize} is not a power of two from 4096 to 1048576.", 12));
            }
            else if (sb.BlockLog > 20 || (1u << sb.BlockLog) != sb.BlockSize)
            {
                findings.Add(new ValidationFinding("Superblock.BlockSize", ValidationResult.Failed, $"block_log {sb.BlockLog} does not match the block size {sb.BlockSize}; the kernel refuses to mount such an image.", 22));
            }
            else
            {
                findings.Add(new ValidationFinding("Superblock.BlockSize", ValidationResult.Passed, $"Block size {sb.BlockSize} (block_log {sb.BlockLog}).", 12));
            }

            findings.Add(CheckCompression(stream, sb));

            IReadOnlyList<string> countProblems = SuperblockCounts.Problems(sb);
            findings.Add(countProblems.Count == 0
                ? new ValidationFinding("Superblock.Counts", ValidationResult.Passed, $"{Count(sb.InodeCount, "inode")}, {Count(sb.IdCount, "id")}, {Count(sb.FragmentCount, "fragment")}.", 4)
                : new ValidationFinding("Superblock.Counts", ValidationResult.Failed, string.Join("; ", countProblems) + ".", 4));

            ulong rootBlock = sb.RootInode >> 16;
            ulong rootOffset = sb.RootInode & 0xFFFF;
            if (rootOffset > 8192 || sb.InodeTableStart + rootBlock >= sb.DirectoryTableStart || sb.InodeTableStart >= sb.DirectoryTableStart)
            {
                findings.Add(new ValidationFinding("Superblock.RootInode", ValidationResult.Failed, $"The root inode reference (block {rootBlock}, offset {rootOffset}) does not point inside the inode table.", 32));
            }
            else
            {
                findings.Add(new ValidationFinding("Superblock.RootInode", ValidationResult.Passed, $"The root inode reference (block {rootBlock}, offset {rootOffset}) points inside the inode table.", 32));
            }
        }

        /// <summary>The compressor, as its row says Golem providers and Linux take it, and its options block as the kernel reads it.</summary>
        private static ValidationFinding CheckCompression(Stream stream, SquashfsSuperblock sb)
        {
            CompressorDescriptor? compressor = sb.Compressor;
            if (compressor == null)
            {
                return new ValidationFinding("Superblock.Compression", ValidationResult.Failed, $"Unknown compression id {sb.CompressionId}.", 20);
            }

            if (compressor.Mount == CompressorMount.NoKernel)
            {
                return new ValidationFinding("Superblock.Compression", ValidationResult.Failed, $"Compression {compressor.Name} (id {compressor.Id}) is not supported by the Linux squashfs driver.", 20);
            }

            string? problem = CheckCompressorOptions(stream, sb, compressor);
            if (problem != null)
            {
                return new ValidationFinding("Superblock.Compression", ValidationResult.Failed, problem, SquashfsSuperblock.Size);
            }

            return compressor.MountableByGolemProviders
                ? new ValidationFinding("Superblock.Compression", ValidationResult.Passed, $"Compression {compressor.Name}, which the Golem provider kernel supports.", 20)
                : new ValidationFinding("Superblock.Compression", ValidationResult.Warning, $"Compression {compressor.Name}: valid squashfs, but {compressor.NotMountableReason}, so providers cannot mount it.", 20);
        }

        /// <summary>The compressor-options block (or its absence) as the row reads it; null when the kernel would take it.</summary>
        private static string? CheckCompressorOptions(Stream stream, SquashfsSuperblock sb, CompressorDescriptor compressor) =>
            ReadCompressorOptions(stream, sb, compressor, out _);

        /// <summary>
        /// The options the kernel takes from the image's compressor-options block (or the defaults its absence implies)
        /// in <paramref name="options"/>, or the reason it would refuse them (and null options).
        /// </summary>
        private static string? ReadCompressorOptions(Stream stream, SquashfsSuperblock sb, CompressorDescriptor compressor, out CompressorOptions? options)
        {
            options = null;
            int blockSize = (int)Math.Min(sb.BlockSize, int.MaxValue);
            byte[]? payload = null;
            if ((sb.Flags & SquashfsFlags.CompressorOptions) != 0)
            {
                long available = stream.Length - SquashfsSuperblock.Size - 2;
                ushort header = available < 0 ? (ushort)0 : BinaryPrimitives.ReadUInt16LittleEndian(ReadAt(stream, SquashfsSuperblock.Size, 2));
                int size = header & SquashfsFormat.MetadataLengthMask;
                if (size == 0 || size > SquashfsFormat.MetadataBlockSize || size > available)
                {
                    return $"The superblock announces a compressor options block, but the metadata block header at byte {SquashfsSuperblock.Size} gives {size} bytes, which do not fit.";
                }

                payload = ReadAt(stream, SquashfsSuperblock.Size + 2, size);
                if ((header & SquashfsFormat.MetadataUncompressed) == 0)
                {
                    // Every tool stores it raw; a compressed one is read when this module can, with the defaults
                    // (what it says is not known before it is read).
                    IBlockDecompressor? decompressor;
                    try
                    {
                        decompressor = compressor.TryCreateDecompressor(null, blockSize);
                    }
                    catch (InvalidDataException)
                    {
                        // No defaults to read it with (lz4 has none without the block): left to the check below.
                        decompressor = null;
                    }

                    if (decompressor == null)
                    {
                        return null;
                    }

                    try
                    {
                        var output = new byte[SquashfsFormat.MetadataBlockSize];
                        payload = output.AsSpan(0, decompressor.Decompress(payload, output)).ToArray();
                    }
                    catch (InvalidDataException ex)
                    {
                        return $"The compressor options block does not decompress: {ex.Message}";
                    }
                    finally
                    {
                        (decompressor as IDisposable)?.Dispose();
                    }
                }
            }

            try
            {
                options = compressor.ReadOptions(payload, blockSize);
                return null;
            }
            catch (InvalidDataException ex)
            {
                return ex.Message;
            }
        }

        /// <summary>The kernel's mount-time walk: from bytes_used back through xattr, id, export and fragment indexes.</summary>
        private static void CheckLayout(Stream stream, SquashfsSuperblock sb, List<ValidationFinding> findings)
        {
            ulong next = sb.BytesUsed;
            bool walking = true;

            // xattr id table: header {kv_start, ids, unused} then the index, which must end exactly at bytes_used.
            if (sb.XattrIdTableStart == SquashfsSuperblock.NoTable)
            {
                findings.Add(new ValidationFinding("Layout.XattrTable", ValidationResult.Passed, "No xattr table."));
            }
            else
            {
                string? problem = null;
                ulong start = sb.XattrIdTableStart;
                if (start < SquashfsSuperblock.Size || start > sb.BytesUsed || sb.BytesUsed - start < 16)
                {
                    problem = $"the xattr id table header at {start} does not fit before bytes_used {sb.BytesUsed}";
                }
                else
                {
                    byte[] header = ReadAt(stream, (long)start, 16);
                    ulong kvStart = BinaryPrimitives.ReadUInt64LittleEndian(header);
                    uint ids = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
                    ulong length = SuperblockCounts.IndexBytes(ids, 16);
                    if (ids == 0)
                    {
                        problem = "the xattr id table says it holds 0 ids";
                    }
                    else if (start + 16 + length != sb.BytesUsed)
                    {
                        problem = $"the xattr id index ({length} bytes after the header at {start}) ends at {start + 16 + length}, not exactly at bytes_used {sb.BytesUsed}";
                    }
                    else
                    {
                        ulong[] index = ReadIndex(stream, start + 16, length);
                        problem = CheckIndexEntries(index, start, "xattr id");
                        if (problem == null && kvStart >= index[0])
                        {
                            problem = $"the xattr key/value start {kvStart} is not before the first xattr id block {index[0]}";
                        }

                        next = kvStart;
                    }
                }

                walking = Add(findings, "Layout.XattrTable", problem, "The xattr id index ends exactly at bytes_used and its blocks are in order.", (long)start);
            }

            if (!walking)
            {
                SkipRest(findings, "Layout.IdTable", "Layout.ExportTable", "Layout.FragmentTable", "Layout.DirectoryTable", "Layout.InodeTable");
                return;
            }

            {
                ulong start = sb.IdTableStart;
                ulong length = SuperblockCounts.IndexBytes(sb.IdCount, 4);
                string? problem = null;
                string nextName = sb.XattrIdTableStart == SquashfsSuperblock.NoTable ? "bytes_used" : "the xattr key/value start";
                if (sb.IdCount == 0)
                {
                    problem = "id_count is 0";
                }
                else if (start > next || next - start != length)
                {
                    problem = $"the id index at {start} ({length} bytes for {sb.IdCount} ids) must end exactly at {nextName} ({next})";
                }
                else
                {
                    ulong[] index = ReadIndex(stream, start, length);
                    problem = CheckIndexEntries(index, start, "id");
                    next = index[0];
                }

                walking = Add(findings, "Layout.IdTable", problem, $"The id index ends exactly at {nextName} and its blocks are in order.", (long)Math.Min(start, long.MaxValue));
            }

            if (!walking)
            {
                SkipRest(findings, "Layout.ExportTable", "Layout.FragmentTable", "Layout.DirectoryTable", "Layout.InodeTable");
                return;
            }

            if (sb.LookupTableStart == SquashfsSuperblock.NoTable)
            {
                findings.Add(new ValidationFinding("Layout.ExportTable", ValidationResult.Passed, "No export table."));
            }
            else
            {
                ulong start = sb.LookupTableStart;
                ulong length = SuperblockCounts.IndexBytes(sb.InodeCount, 8);
                string? problem = null;
                if (sb.InodeCount == 0 || start > next || next - start != length)
                {
                    problem = $"the export index at {start} ({length} bytes for {sb.InodeCount} inodes) must end exactly where the id table begins ({next})";
                }
                else
                {
                    ulong[] index = ReadIndex(stream, start, length);
                    problem = CheckIndexEntries(index, start, "export");
                    next = index[0];
                }

                walking = Add(findings, "Layout.ExportTable", problem, "The export index ends exactly where the id table begins and its blocks are in order.", (long)Math.Min(start, long.MaxValue));
                if (!walking)
                {
                    SkipRest(findings, "Layout.FragmentTable", "Layout.DirectoryTable", "Layout.InodeTable");
                    return;
                }
            }

            if (sb.FragmentCount == 0)
            {
                findings.Add(new ValidationFinding("Layout.FragmentTable", ValidationResult.Passed, "No fragments."));
            }
            else
            {
                ulong start = sb.FragmentTableStart;
                ulong length = SuperblockCounts.IndexBytes(sb.FragmentCount, 16);
                string? problem = null;
                if (start > next || next - start < length)
                {
                    problem = $"the fragment index at {start} ({length} bytes for {sb.FragmentCount} fragments) runs past the next table at {next}";
                }
                else
                {
                    ulong[] index = ReadIndex(stream, start, length);
                    problem = CheckIndexEntries(index, start, "fragment");
                    next = index[0];
                }

                walking = Add(findings, "Layout.FragmentTable", problem, "The fragment index lies before the next table and its blocks are in order.", (long)Math.Min(start, long.MaxValue));
                if (!walking)
                {
                    SkipRest(findings, "Layout.DirectoryTable", "Layout.InodeTable");
                    return;
                }
            }

            if (sb.DirectoryTableStart > next)
            {
                findings.Add(new ValidationFinding("Layout.DirectoryTable", ValidationResult.Failed, $"The directory table starts at {sb.DirectoryTableStart}, after the table that should follow it ({next}).", 72));
            }
            else if (sb.DirectoryTableStart == next)
            {
                findings.Add(new ValidationFinding("Layout.DirectoryTable", ValidationResult.Warning, $"The directory table is empty (it starts at {next}, where the next table starts); kernels before 5.11 refuse to mount that.", 72));
            }
            else
            {
                findings.Add(new ValidationFinding("Layout.DirectoryTable", ValidationResult.Passed, "The directory table lies before the lookup tables.", 72));
            }

            ulong firstFree = SquashfsSuperblock.Size;
            if ((sb.Flags & SquashfsFlags.CompressorOptions) != 0)
            {
                ushort header = BinaryPrimitives.ReadUInt16LittleEndian(ReadAt(stream, SquashfsSuperblock.Size, 2));
                firstFree += 2 + (ulong)(header & SquashfsFormat.MetadataLengthMask);
            }

            if (sb.InodeTableStart >= sb.DirectoryTableStart || sb.InodeTableStart < firstFree)
            {
                findings.Add(new ValidationFinding("Layout.InodeTable", ValidationResult.Failed, $"The inode table starts at {sb.InodeTableStart}; it must lie after the superblock (and compressor options, ending at {firstFree}) and before the directory table ({sb.DirectoryTableStart}).", 64));
            }
            else
            {
                findings.Add(new ValidationFinding("Layout.InodeTable", ValidationResult.Passed, "The inode table lies after the data and before the directory table.", 64));
            }
        }

        private static void CheckPadding(Stream stream, ulong bytesUsed, long trailerOffset, List<ValidationFinding> findings, CancellationToken cancellationToken)
        {
            if (trailerOffset % PaddingAlignment != 0)
            {
                findings.Add(new ValidationFinding("Padding", ValidationResult.Failed, $"The trailer starts at byte {trailerOffset}, which is not a multiple of 4096: the filesystem (bytes_used {bytesUsed}) must be zero-padded to a 4 KiB boundary before the trailer.", trailerOffset));
                return;
            }

            long gap = trailerOffset - (long)bytesUsed;
            stream.Seek((long)bytesUsed, SeekOrigin.Begin);
            var buffer = new byte[64 * 1024];
            long position = (long)bytesUsed;
            while (position < trailerOffset)
            {
                // The gap is as long as the file says: gigabytes of a sparse file must not outlast Ctrl+C.
                cancellationToken.ThrowIfCancellationRequested();
                int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, trailerOffset - position));
                if (read == 0)
                {
                    break;
                }

                for (int i = 0; i < read; i++)
                {
                    if (buffer[i] != 0)
                    {
                        findings.Add(new ValidationFinding("Padding", ValidationResult.Failed, $"The padding between the filesystem end ({bytesUsed}) and the trailer ({trailerOffset}) must be zeros, but byte {position + i} is 0x{buffer[i]:x2}.", position + i));
                        return;
                    }
                }

                position += read;
            }

            findings.Add(gap >= PaddingAlignment
                ? new ValidationFinding("Padding", ValidationResult.Warning, $"There are {gap} zero bytes between the filesystem end ({bytesUsed}) and the trailer; padding to the next 4 KiB boundary needs fewer than 4096.", (long)bytesUsed)
                : new ValidationFinding("Padding", ValidationResult.Passed, $"The filesystem is zero-padded to a 4 KiB boundary ({gap} bytes) before the trailer.", (long)bytesUsed));
        }

        /// <summary>Index entries must rise, each block at most one metadata block long, the last one ending before the index.</summary>
        private static string? CheckIndexEntries(ulong[] index, ulong indexStart, string table)
        {
            for (int i = 0; i < index.Length; i++)
            {
                ulong blockEnd = i + 1 < index.Length ? index[i + 1] : indexStart;
                if (index[i] < SquashfsSuperblock.Size || index[i] >= blockEnd || blockEnd - index[i] > MaxMetadataBlockOnDisk)
                {
                    return $"the {table} index entry {i} ({index[i]}) is not followed within one metadata block by {(i + 1 < index.Length ? $"entry {i + 1} ({blockEnd})" : $"the index at {indexStart}")}";
                }
            }

            return null;
        }

        /// <summary>ya-runtime-vm runs processes as User only when it is a numeric uid:gid, and as root otherwise, silently.</summary>
        private static ValidationFinding CheckUser(string? user)
        {
            if (string.IsNullOrEmpty(user))
            {
                return new ValidationFinding("Config.User", ValidationResult.Passed, "The config names no User: processes run as root (0:0).");
            }

            return ContainerConfig.IsNumericUser(user)
                ? new ValidationFinding("Config.User", ValidationResult.Passed, $"User {user}: processes run as that uid:gid.")
                : new ValidationFinding("Config.User", ValidationResult.Warning, $"User '{user}' is not a numeric uid:gid; Golem providers run processes as root (0:0) instead.");
        }

        /// <summary>
        /// What the image keeps below a VOLUME of the config is hidden on providers (<see cref="HiddenVolumeContent"/>):
        /// worth a warning (the image is still valid), with the first such path as an example.
        /// </summary>
        private static void CheckVolumes(Stream stream, SquashfsSuperblock sb, GvmiTrailerInfo? trailer, bool readable, List<ValidationFinding> findings, CancellationToken cancellationToken)
        {
            string[] volumes = trailer?.Config.Volumes ?? Array.Empty<string>();
            if (trailer == null || !readable)
            {
                findings.Add(new ValidationFinding("Volumes", ValidationResult.Skipped, "The volumes were not checked because the trailer or the filesystem layout is broken."));
                return;
            }

            if (volumes.Length == 0)
            {
                findings.Add(new ValidationFinding("Volumes", ValidationResult.Passed, "The config declares no VOLUME."));
                return;
            }

            // The decompressor reads what the kernel reads with the image's options (xz: no stream whose dictionary
            // exceeds the options block's, which is all the kernel preallocates); readable means they were accepted.
            CompressorOptions? options = null;
            IBlockDecompressor? decompressor = sb.Compressor != null && ReadCompressorOptions(stream, sb, sb.Compressor, out options) == null
                ? sb.Compressor.TryCreateDecompressor(options!)
                : null;
            if (decompressor == null)
            {
                findings.Add(new ValidationFinding("Volumes", ValidationResult.Skipped, $"The volumes were not checked: this module cannot read {sb.CompressionName} metadata blocks."));
                return;
            }

            var reader = new SquashfsDirectoryReader(stream, sb, decompressor, cancellationToken);
            var hidden = new List<string>();
            try
            {
                // Looked up by canonical path, so every spelling of a volume ("/a/./b/", "a//b") finds the directory
                // the runtime mounts over, once, as the conversion counts it.
                foreach (KeyValuePair<string, byte[]> volume in HiddenVolumeContent.Distinct(volumes))
                {
                    string path = Encoding.UTF8.GetString(volume.Value);
                    SquashfsDirectoryReader.DirectoryInode? directory = reader.FindDirectory(path);
                    string? first = null;
                    long count = directory == null ? 0 : reader.CountDescendants(directory, out first);
                    if (count > 0)
                    {
                        hidden.Add(HiddenVolumeContent.Describe(volume.Key, count, "/" + (path.Length == 0 ? first : path + "/" + first)));
                    }
                }
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is EndOfStreamException)
            {
                findings.Add(new ValidationFinding("Volumes", ValidationResult.Failed, $"The directory tree could not be read: {ex.Message}", (long)sb.DirectoryTableStart));
                return;
            }
            finally
            {
                (decompressor as IDisposable)?.Dispose();
            }

            findings.Add(hidden.Count == 0
                ? new ValidationFinding("Volumes", ValidationResult.Passed, $"Nothing is stored below the {(volumes.Length == 1 ? "VOLUME " + volumes[0] : volumes.Length + " VOLUME paths")}, so providers hide nothing of the image.")
                : new ValidationFinding("Volumes", ValidationResult.Warning, string.Join("; ", hidden) + ". " + HiddenVolumeContent.Explanation));
        }

        private static ulong[] ReadIndex(Stream stream, ulong start, ulong length)
        {
            byte[] bytes = ReadAt(stream, (long)start, (int)length);
            var index = new ulong[length / 8];
            for (int i = 0; i < index.Length; i++)
            {
                index[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
            }

            return index;
        }

        private static bool Add(List<ValidationFinding> findings, string check, string? problem, string passed, long offset)
        {
            findings.Add(problem == null
                ? new ValidationFinding(check, ValidationResult.Passed, passed, offset)
                : new ValidationFinding(check, ValidationResult.Failed, char.ToUpperInvariant(problem[0]) + problem.Substring(1) + ".", offset));
            return problem == null;
        }

        private static void SkipRest(List<ValidationFinding> findings, params string[] checks)
        {
            foreach (string check in checks)
            {
                findings.Add(new ValidationFinding(check, ValidationResult.Skipped, "Not checked: an earlier table in the layout walk is wrong."));
            }
        }

        private static byte[] ReadAt(Stream stream, long offset, int count)
        {
            var buffer = new byte[count];
            PositionedRead.ReadExactly(stream, offset, buffer, count);
            return buffer;
        }
    }
}
