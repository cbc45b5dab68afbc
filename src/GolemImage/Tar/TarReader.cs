using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Tar
{
    /// <summary>
    /// Reads a tar stream in one forward pass: ustar, GNU and v7 headers, PAX extended and global headers,
    /// GNU long names, base-256 numbers and all GNU sparse dialects. Nothing is seeked, nothing is written to disk;
    /// entry data is copied straight from the pipe's buffers into the caller's buffer.
    /// </summary>
    /// <remarks>
    /// Limits (anything beyond is reported as <see cref="InvalidTarException"/>): a path or link target of at most
    /// 65,536 bytes with no component over 255 bytes (Linux NAME_MAX, also the squashfs name limit, so such an
    /// archive could not be extracted anywhere either); a PAX extended header of at most 16 MiB; an entry size
    /// of at most 2^62 bytes; at most 2^20 sparse regions per file.
    /// </remarks>
    public sealed class TarReader : IDisposable, IAsyncDisposable
    {
        private const int BlockSize = TarHeader.BlockSize;
        private const long MaxEntrySize = 1L << 62;
        private const int MaxPaxHeaderSize = 16 << 20;
        private const int MaxLongNameSize = TarPath.MaxPathLength + BlockSize;
        private const int StreamBufferSize = 1 << 20;
        private const int StreamMinimumReadSize = 128 << 10;

        private readonly PipeReader _reader;
        private readonly bool _ownsReader;
        private readonly string _sourceName;
        private readonly IEngineReporter _reporter;
        private readonly byte[] _headerCopy = new byte[BlockSize];
        private readonly HeaderFields _fields = new HeaderFields();

        private readonly TarPipeBuffer _pipe;
        private bool _finished;
        private bool _disposed;
        private PaxRecords? _globals;

        // The entry whose data is being handed out.
        private EntryData? _current;
        private string _currentName = "";
        private long _currentOffset;
        private long _storedRemaining;
        private long _paddingRemaining;
        private long _logicalPosition;
        private long _logicalSize;
        private SparseMap? _sparse;
        private int _sparseIndex;

        /// <summary>Reads from <paramref name="stream"/> through a pipe with 1 MiB buffers.</summary>
        /// <param name="sourceName">Names the input in error messages (a file path, an image name).</param>
        public TarReader(Stream stream, string sourceName, IEngineReporter? reporter = null, bool leaveOpen = false)
        {
            if (stream == null)
            {
                throw new ArgumentNullException(nameof(stream));
            }

            _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: StreamBufferSize, minimumReadSize: StreamMinimumReadSize, leaveOpen: leaveOpen));
            _pipe = new TarPipeBuffer(_reader);
            _ownsReader = true;
            _sourceName = sourceName ?? throw new ArgumentNullException(nameof(sourceName));
            _reporter = reporter ?? NullReporter.Instance;
        }

        /// <summary>Reads from <paramref name="reader"/>; the caller keeps ownership and completes it.</summary>
        public TarReader(PipeReader reader, string sourceName, IEngineReporter? reporter = null)
        {
            _reader = reader ?? throw new ArgumentNullException(nameof(reader));
            _pipe = new TarPipeBuffer(_reader);
            _ownsReader = false;
            _sourceName = sourceName ?? throw new ArgumentNullException(nameof(sourceName));
            _reporter = reporter ?? NullReporter.Instance;
        }

        /// <summary>Bytes of the tar stream consumed so far (for progress).</summary>
        public long Position => _pipe.Position;

        public string SourceName => _sourceName;

        /// <summary>
        /// Returns the next file system entry, or null at the end of the archive (two zero records, one zero record,
        /// or the end of the stream right after a complete entry). Unread data of the previous entry is skipped.
        /// </summary>
        public async ValueTask<TarEntry?> GetNextEntryAsync(CancellationToken cancellationToken = default)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(TarReader));
            }

            if (_current != null)
            {
                await FinishCurrentEntryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_finished)
            {
                return null;
            }

            PaxRecords? pax = null;
            byte[]? longName = null;
            byte[]? longLink = null;
            var firstHeaderOffset = -1L;
            var fields = _fields;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var headerOffset = _pipe.Position;
                if (firstHeaderOffset < 0)
                {
                    firstHeaderOffset = headerOffset;
                }

                var pendingMeta = pax != null || longName != null || longLink != null;
                if (!await EnsureAsync(BlockSize, cancellationToken).ConfigureAwait(false))
                {
                    if (_pipe.Buffered.Length == 0 && !pendingMeta)
                    {
                        _finished = true;
                        return null;
                    }

                    if (_pipe.Buffered.Length == 0)
                    {
                        throw Invalid(PendingName(pax, longName), firstHeaderOffset, "the archive ends after an extended header, before the entry it describes");
                    }

                    throw Invalid(PendingName(pax, longName), headerOffset, $"the archive ends inside a header ({_pipe.Buffered.Length} of {BlockSize} bytes present)");
                }

                if (!ParseHeader(fields, headerOffset))
                {
                    if (pendingMeta)
                    {
                        throw Invalid(PendingName(pax, longName), firstHeaderOffset, "the archive ends (zero record) after an extended header, before the entry it describes");
                    }

                    Consume(BlockSize);
                    _finished = true;
                    return null;
                }

                Consume(BlockSize);
                switch (fields.TypeFlag)
                {
                    case (byte)'x':
                    {
                        var data = await ReadMetaDataAsync(fields, MaxPaxHeaderSize, "PAX extended header", headerOffset, cancellationToken).ConfigureAwait(false);
                        pax ??= _globals?.Clone() ?? new PaxRecords();
                        var problem = pax.Parse(data, keepSparseOffsets: true);
                        if (problem != null)
                        {
                            throw Invalid(PendingName(pax, longName), headerOffset, problem);
                        }

                        continue;
                    }

                    case (byte)'g':
                    {
                        var data = await ReadMetaDataAsync(fields, MaxPaxHeaderSize, "PAX global header", headerOffset, cancellationToken).ConfigureAwait(false);
                        _globals ??= new PaxRecords();
                        var problem = _globals.Parse(data, keepSparseOffsets: false);
                        if (problem != null)
                        {
                            throw Invalid(null, headerOffset, problem);
                        }

                        continue;
                    }

                    case (byte)'L':
                        longName = TarHeader.CString(await ReadMetaDataAsync(fields, MaxLongNameSize, "GNU long name", headerOffset, cancellationToken).ConfigureAwait(false)).ToArray();
                        continue;

                    case (byte)'K':
                        longLink = TarHeader.CString(await ReadMetaDataAsync(fields, MaxLongNameSize, "GNU long link name", headerOffset, cancellationToken).ConfigureAwait(false)).ToArray();
                        continue;

                    case (byte)'0':
                    case 0:
                    case (byte)'7':
                    case (byte)'S':
                    case (byte)'1':
                    case (byte)'2':
                    case (byte)'3':
                    case (byte)'4':
                    case (byte)'5':
                    case (byte)'6':
                        return await StartEntryAsync(fields, pax ?? _globals, longName, longLink, firstHeaderOffset, cancellationToken).ConfigureAwait(false);

                    default:
                    {
                        pax ??= _globals;
                        var name = TarPath.ToDisplay(pax?.Get("path") ?? longName ?? fields.Name);
                        var size = fields.Size;
                        var paxSize = pax?.Get("size");
                        if (paxSize != null && !PaxRecords.TryParseUnsigned(paxSize, out size))
                        {
                            throw Invalid(name, firstHeaderOffset, "the PAX 'size' record is not a decimal number");
                        }

                        _reporter.Warning($"Skipping tar entry '{name}' at byte offset {firstHeaderOffset} of '{_sourceName}': {DescribeSkippedType(fields.TypeFlag)} has no file system representation.");
                        await SkipAsync(size, false, name, firstHeaderOffset, "data", cancellationToken).ConfigureAwait(false);
                        await SkipAsync(Padding(size), true, name, firstHeaderOffset, "padding", cancellationToken).ConfigureAwait(false);
                        pax = null;
                        longName = null;
                        longLink = null;
                        firstHeaderOffset = -1;
                        continue;
                    }
                }
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _current?.Invalidate();
            _current = null;
            if (_ownsReader)
            {
                _reader.Complete();
            }
            else
            {
                _pipe.Release();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        private static string DescribeSkippedType(byte typeFlag)
        {
            switch (typeFlag)
            {
                case (byte)'V':
                    return "a volume label ('V')";
                case (byte)'D':
                    return "a GNU dump directory ('D')";
                case (byte)'M':
                    return "a GNU multi-volume continuation ('M')";
                case (byte)'N':
                    return "an old GNU long-name list ('N')";
                default:
                    return typeFlag >= 0x20 && typeFlag < 0x7F
                        ? $"the unknown entry type '{(char)typeFlag}'"
                        : $"the unknown entry type 0x{typeFlag:X2}";
            }
        }

        private static long Padding(long size) => (BlockSize - (size % BlockSize)) % BlockSize;

        private static string PendingName(PaxRecords? pax, byte[]? longName)
        {
            var path = pax?.Get("GNU.sparse.name") ?? pax?.Get("path") ?? longName;
            return path == null ? "(unknown)" : TarPath.ToDisplay(path);
        }

        /// <summary>Decodes the header at the front of the buffer; false for a zero record (end of archive).</summary>
        private bool ParseHeader(HeaderFields fields, long headerOffset)
        {
            ReadOnlySpan<byte> header;
            var first = _pipe.Buffered.First.Span;
            if (first.Length >= BlockSize)
            {
                header = first.Slice(0, BlockSize);
            }
            else
            {
                _pipe.Buffered.Slice(0, BlockSize).CopyTo(_headerCopy);
                header = _headerCopy;
            }

            if (TarHeader.IsZeroBlock(header))
            {
                return false;
            }

            var format = TarHeader.DetectFormat(header);
            fields.Name = TarHeader.ReadName(header, format);
            if (!TarHeader.VerifyChecksum(header, out var stored, out var computed))
            {
                throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, stored < 0
                    ? "the header checksum field is not an octal number (this is not a tar header)"
                    : $"bad header checksum (stored {stored}, computed {computed})");
            }

            fields.Format = format;
            fields.TypeFlag = header[TarHeader.TypeFlagOffset];
            fields.LinkName = TarHeader.CString(header.Slice(TarHeader.LinkNameOffset, TarHeader.NameLength)).ToArray();
            fields.Mode = (int)(ParseField(header, TarHeader.ModeOffset, TarHeader.IdLength, "mode", fields, headerOffset) & 0xFFF);
            fields.Uid = ParseField(header, TarHeader.UidOffset, TarHeader.IdLength, "uid", fields, headerOffset);
            fields.Gid = ParseField(header, TarHeader.GidOffset, TarHeader.IdLength, "gid", fields, headerOffset);
            fields.Size = ParseField(header, TarHeader.SizeOffset, TarHeader.SizeLength, "size", fields, headerOffset);
            fields.ModificationTime = ParseField(header, TarHeader.MtimeOffset, TarHeader.SizeLength, "mtime", fields, headerOffset);
            fields.DeviceMajor = 0;
            fields.DeviceMinor = 0;
            if (format != TarHeaderFormat.V7 && (fields.TypeFlag == (byte)'3' || fields.TypeFlag == (byte)'4'))
            {
                fields.DeviceMajor = ParseIntField(header, TarHeader.DevMajorOffset, TarHeader.IdLength, "devmajor", fields, headerOffset);
                fields.DeviceMinor = ParseIntField(header, TarHeader.DevMinorOffset, TarHeader.IdLength, "devminor", fields, headerOffset);
            }

            if (fields.Size < 0 || fields.Size > MaxEntrySize)
            {
                throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, $"the entry size {fields.Size} is out of range");
            }

            fields.SparseMap = null;
            fields.SparseExtended = false;
            fields.SparseRealSize = 0;
            if (fields.TypeFlag == (byte)'S')
            {
                fields.SparseMap = new SparseMap();
                var sparseProblem = OldGnuSparseMap.ReadHeader(header, fields.SparseMap);
                if (sparseProblem != null)
                {
                    throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, sparseProblem);
                }

                fields.SparseExtended = header[TarHeader.GnuIsExtendedOffset] != 0;
                fields.SparseRealSize = ParseField(header, TarHeader.GnuRealSizeOffset, TarHeader.SizeLength, "sparse real size", fields, headerOffset);
            }

            return true;
        }

        private long ParseField(ReadOnlySpan<byte> header, int offset, int length, string fieldName, HeaderFields fields, long headerOffset)
        {
            if (!TarHeader.TryParseNumber(header.Slice(offset, length), out var value))
            {
                throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, $"the {fieldName} field is not a valid number");
            }

            return value;
        }

        private int ParseIntField(ReadOnlySpan<byte> header, int offset, int length, string fieldName, HeaderFields fields, long headerOffset)
        {
            var value = ParseField(header, offset, length, fieldName, fields, headerOffset);
            if (value < 0 || value > int.MaxValue)
            {
                throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, $"the {fieldName} field ({value}) is out of range");
            }

            return (int)value;
        }

        private async ValueTask<TarEntry> StartEntryAsync(HeaderFields fields, PaxRecords? pax, byte[]? longName, byte[]? longLink, long entryOffset, CancellationToken cancellationToken)
        {
            var rawName = pax?.Get("GNU.sparse.name") ?? pax?.Get("path") ?? longName ?? fields.Name;
            var path = TarPath.Normalize(rawName, out var problem);
            var displayName = TarPath.ToDisplay(path ?? rawName);
            if (path == null)
            {
                throw Invalid(displayName, entryOffset, problem!);
            }

            var type = fields.TypeFlag switch
            {
                (byte)'1' => TarEntryType.HardLink,
                (byte)'2' => TarEntryType.SymbolicLink,
                (byte)'3' => TarEntryType.CharacterDevice,
                (byte)'4' => TarEntryType.BlockDevice,
                (byte)'5' => TarEntryType.Directory,
                (byte)'6' => TarEntryType.Fifo,
                _ => TarEntryType.RegularFile,
            };

            // Pre-POSIX archives mark directories only by a trailing slash on a regular-file entry.
            if (type == TarEntryType.RegularFile && fields.TypeFlag != (byte)'S' && fields.Format == TarHeaderFormat.V7 && rawName.Length > 0 && rawName[rawName.Length - 1] == (byte)'/')
            {
                type = TarEntryType.Directory;
            }

            if (path.Length == 0 && type != TarEntryType.Directory)
            {
                throw Invalid(displayName, entryOffset, $"the archive root can only be a directory, not a {type}");
            }

            byte[]? linkTarget = null;
            if (type == TarEntryType.HardLink || type == TarEntryType.SymbolicLink)
            {
                var rawLink = pax?.Get("linkpath") ?? longLink ?? fields.LinkName;
                if (type == TarEntryType.HardLink)
                {
                    linkTarget = TarPath.Normalize(rawLink, out problem);
                    if (linkTarget == null)
                    {
                        throw Invalid(displayName, entryOffset, "hard-link target: " + problem);
                    }
                }
                else
                {
                    if (rawLink.Length > TarPath.MaxPathLength)
                    {
                        throw Invalid(displayName, entryOffset, $"the symbolic-link target is {rawLink.Length} bytes long, more than the limit of {TarPath.MaxPathLength} bytes");
                    }

                    linkTarget = rawLink;
                }
            }

            var storedSize = ReadPaxNumber(pax, "size", fields.Size, displayName, entryOffset);
            if (storedSize > MaxEntrySize)
            {
                throw Invalid(displayName, entryOffset, $"the entry size {storedSize} is out of range");
            }

            var uid = ReadPaxNumber(pax, "uid", fields.Uid, displayName, entryOffset);
            var gid = ReadPaxNumber(pax, "gid", fields.Gid, displayName, entryOffset);
            if (uid < 0 || gid < 0)
            {
                throw Invalid(displayName, entryOffset, $"negative owner ids (uid {uid}, gid {gid})");
            }

            var modificationTime = fields.ModificationTime;
            var paxTime = pax?.Get("mtime");
            if (paxTime != null && !PaxRecords.TryParseTime(paxTime, out modificationTime))
            {
                throw Invalid(displayName, entryOffset, $"the PAX 'mtime' record '{Encoding.ASCII.GetString(paxTime)}' is not a decimal time");
            }

            List<TarXattr>? xattrs = null;
            if (pax != null)
            {
                xattrs = pax.GetXattrs(out problem);
                if (problem != null)
                {
                    throw Invalid(displayName, entryOffset, problem);
                }
            }

            _currentName = displayName;
            _currentOffset = entryOffset;
            _storedRemaining = storedSize;
            _paddingRemaining = Padding(storedSize);
            _logicalPosition = 0;
            _sparse = null;
            _sparseIndex = 0;
            _logicalSize = type == TarEntryType.RegularFile ? storedSize : 0;

            if (type == TarEntryType.RegularFile)
            {
                if (fields.TypeFlag == (byte)'S')
                {
                    await ReadGnuSparseExtensionsAsync(fields, cancellationToken).ConfigureAwait(false);
                    _sparse = fields.SparseMap;
                    _logicalSize = fields.SparseRealSize;
                }
                else if (pax != null && PaxSparseMap.IsSparse(pax))
                {
                    await ReadPaxSparseMapAsync(pax, cancellationToken).ConfigureAwait(false);
                }

                if (_sparse != null)
                {
                    if (_logicalSize < 0 || _logicalSize > MaxEntrySize)
                    {
                        throw Invalid(displayName, entryOffset, $"the sparse file's real size {_logicalSize} is out of range");
                    }

                    problem = _sparse.Validate(_logicalSize, _storedRemaining);
                    if (problem != null)
                    {
                        throw Invalid(displayName, entryOffset, problem);
                    }
                }
            }

            _current = new EntryData(this);
            return new TarEntry(
                path,
                type,
                _logicalSize,
                fields.Mode,
                uid,
                gid,
                modificationTime,
                linkTarget,
                fields.DeviceMajor,
                fields.DeviceMinor,
                xattrs,
                entryOffset,
                _logicalSize > 0 ? _current : null);
        }

        private long ReadPaxNumber(PaxRecords? pax, string key, long headerValue, string displayName, long entryOffset)
        {
            var value = pax?.Get(key);
            if (value == null)
            {
                return headerValue;
            }

            if (!PaxRecords.TryParseUnsigned(value, out var number))
            {
                throw Invalid(displayName, entryOffset, $"the PAX '{key}' record '{Encoding.ASCII.GetString(value)}' is not a decimal number");
            }

            return number;
        }

        private async ValueTask ReadGnuSparseExtensionsAsync(HeaderFields fields, CancellationToken cancellationToken)
        {
            var extended = fields.SparseExtended;
            while (extended)
            {
                if (!await EnsureAsync(BlockSize, cancellationToken).ConfigureAwait(false))
                {
                    throw Invalid(_currentName, _currentOffset, "the archive ends inside the old GNU sparse extension headers");
                }

                _pipe.Buffered.Slice(0, BlockSize).CopyTo(_headerCopy);
                var problem = OldGnuSparseMap.ReadExtension(_headerCopy, fields.SparseMap!, out extended);
                if (problem != null)
                {
                    throw Invalid(_currentName, _currentOffset, problem);
                }

                Consume(BlockSize);
            }
        }

        private async ValueTask ReadPaxSparseMapAsync(PaxRecords pax, CancellationToken cancellationToken)
        {
            var map = new SparseMap();
            string? problem;
            if (PaxSparseMap.IsVersion1(pax))
            {
                problem = PaxSparseMap.ReadVersion1Header(pax, out _logicalSize);
                if (problem == null)
                {
                    await ReadSparseMapFromDataAsync(map, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                problem = PaxSparseMap.ReadVersion0(pax, _storedRemaining, map, out _logicalSize);
            }

            if (problem != null)
            {
                throw Invalid(_currentName, _currentOffset, problem);
            }

            _sparse = map;
        }

        /// <summary>Feeds the data's records to the 1.0 map parser until the map is complete.</summary>
        private async ValueTask ReadSparseMapFromDataAsync(SparseMap map, CancellationToken cancellationToken)
        {
            var parser = new GnuSparse10MapParser(map);
            while (!parser.Done)
            {
                if (_storedRemaining < BlockSize)
                {
                    throw Invalid(_currentName, _currentOffset, "the GNU sparse 1.0 map does not fit in the entry's data");
                }

                if (!await EnsureAsync(BlockSize, cancellationToken).ConfigureAwait(false))
                {
                    throw Invalid(_currentName, _currentOffset, "the archive ends inside the GNU sparse 1.0 map");
                }

                _pipe.Buffered.Slice(0, BlockSize).CopyTo(_headerCopy);
                Consume(BlockSize);
                _storedRemaining -= BlockSize;
                var problem = parser.Feed(_headerCopy);
                if (problem != null)
                {
                    throw Invalid(_currentName, _currentOffset, problem);
                }
            }
        }

        private async ValueTask<byte[]> ReadMetaDataAsync(HeaderFields fields, int limit, string what, long headerOffset, CancellationToken cancellationToken)
        {
            if (fields.Size > limit)
            {
                throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, $"the {what} is {fields.Size} bytes long, more than the limit of {limit} bytes");
            }

            // Grown as the bytes arrive: a header claiming 16 MiB in a 1 KiB archive costs 1 KiB.
            var size = (int)fields.Size;
            var data = new byte[Math.Min(size, 64 << 10)];
            var filled = 0;
            while (filled < size)
            {
                if (_pipe.Buffered.Length == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw Invalid(TarPath.ToDisplay(fields.Name), headerOffset, $"the archive ends inside the {what} ({filled} of {size} bytes present)");
                }

                var take = (int)Math.Min(size - filled, _pipe.Buffered.Length);
                if (filled + take > data.Length)
                {
                    Array.Resize(ref data, Math.Min(size, Math.Max(data.Length * 2, filled + take)));
                }

                _pipe.Buffered.Slice(0, take).CopyTo(data.AsSpan(filled));
                Consume(take);
                filled += take;
            }

            await SkipAsync(Padding(fields.Size), false, TarPath.ToDisplay(fields.Name), headerOffset, what, cancellationToken).ConfigureAwait(false);
            return data;
        }

        private async ValueTask FinishCurrentEntryAsync(CancellationToken cancellationToken)
        {
            _current!.Invalidate();
            _current = null;
            await SkipAsync(_storedRemaining, false, _currentName, _currentOffset, "data", cancellationToken).ConfigureAwait(false);
            _storedRemaining = 0;

            // A stream that stops right after the last entry's data, without padding or end records, is accepted.
            await SkipAsync(_paddingRemaining, true, _currentName, _currentOffset, "padding", cancellationToken).ConfigureAwait(false);
            _paddingRemaining = 0;
        }

        private async ValueTask<int> ReadEntryDataAsync(EntryData owner, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (!ReferenceEquals(owner, _current))
            {
                throw new InvalidOperationException("The data of a tar entry can only be read until the next entry is requested.");
            }

            var total = 0;
            while (total < buffer.Length && _logicalPosition < _logicalSize)
            {
                var want = Math.Min(buffer.Length - total, _logicalSize - _logicalPosition);
                if (_sparse != null)
                {
                    while (_sparseIndex < _sparse.Count && _logicalPosition >= _sparse.End(_sparseIndex))
                    {
                        _sparseIndex++;
                    }

                    var dataStart = _sparseIndex < _sparse.Count ? _sparse.Offset(_sparseIndex) : _logicalSize;
                    if (_logicalPosition < dataStart)
                    {
                        var zeros = (int)Math.Min(want, dataStart - _logicalPosition);
                        buffer.Span.Slice(total, zeros).Clear();
                        total += zeros;
                        _logicalPosition += zeros;
                        continue;
                    }

                    want = Math.Min(want, _sparse.End(_sparseIndex) - _logicalPosition);
                }

                if (_pipe.Buffered.Length == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw Invalid(_currentName, _currentOffset, $"the archive ends inside the entry's data ({_storedRemaining} bytes missing)");
                }

                var take = (int)Math.Min(want, _pipe.Buffered.Length);
                _pipe.Buffered.Slice(0, take).CopyTo(buffer.Span.Slice(total, take));
                Consume(take);
                _storedRemaining -= take;
                total += take;
                _logicalPosition += take;
            }

            return total;
        }

        /// <summary>Zero bytes (a sparse hole) from the current position of the entry's data to its next data region.</summary>
        private long HoleAhead(EntryData owner)
        {
            if (!ReferenceEquals(owner, _current) || _sparse == null)
            {
                return 0;
            }

            while (_sparseIndex < _sparse.Count && _logicalPosition >= _sparse.End(_sparseIndex))
            {
                _sparseIndex++;
            }

            var dataStart = _sparseIndex < _sparse.Count ? _sparse.Offset(_sparseIndex) : _logicalSize;
            return Math.Max(0, dataStart - _logicalPosition);
        }

        private void SkipHole(EntryData owner, long count)
        {
            if (count < 0 || count > HoleAhead(owner))
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, "Only the zeros of the hole ahead can be skipped.");
            }

            _logicalPosition += count;
        }

        private async ValueTask SkipAsync(long count, bool tolerateEnd, string? entryName, long entryOffset, string what, CancellationToken cancellationToken)
        {
            var total = count;
            while (count > 0)
            {
                if (_pipe.Buffered.Length == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (tolerateEnd)
                    {
                        return;
                    }

                    throw Invalid(entryName, entryOffset, $"the archive ends inside the entry's {what} ({count} of {total} bytes missing)");
                }

                var take = Math.Min(count, _pipe.Buffered.Length);
                Consume(take);
                count -= take;
            }
        }

        private void Consume(long count) => _pipe.Consume(count);

        private ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken) => _pipe.EnsureAsync(count, cancellationToken);

        private ValueTask<bool> FillAsync(CancellationToken cancellationToken) => _pipe.FillAsync(cancellationToken);

        private InvalidTarException Invalid(string? entryName, long offset, string problem) => new InvalidTarException(_sourceName, entryName, offset, problem);

        /// <summary>The fields of one header record, reused from header to header.</summary>
        private sealed class HeaderFields
        {
            public TarHeaderFormat Format;
            public byte TypeFlag;
            public byte[] Name = Array.Empty<byte>();
            public byte[] LinkName = Array.Empty<byte>();
            public int Mode;
            public long Uid;
            public long Gid;
            public long Size;
            public long ModificationTime;
            public int DeviceMajor;
            public int DeviceMinor;
            public SparseMap? SparseMap;
            public bool SparseExtended;
            public long SparseRealSize;
        }

        /// <summary>Hands out the current entry's data until the reader moves on.</summary>
        private sealed class EntryData : TarEntryData
        {
            private TarReader? _reader;

            public EntryData(TarReader reader)
            {
                _reader = reader;
            }

            public void Invalidate() => _reader = null;

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
            {
                var reader = _reader ?? throw new InvalidOperationException("The data of a tar entry can only be read until the next entry is requested.");
                return reader.ReadEntryDataAsync(this, buffer, cancellationToken);
            }

            public override long HoleAhead => _reader?.HoleAhead(this) ?? 0;

            public override void SkipHole(long count)
            {
                var reader = _reader ?? throw new InvalidOperationException("The data of a tar entry can only be read until the next entry is requested.");
                reader.SkipHole(this, count);
            }
        }
    }
}
