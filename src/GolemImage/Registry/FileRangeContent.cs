using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;

namespace GolemImage.Registry
{
    /// <summary>
    /// One chunk of the image streamed straight from the file (never held whole in memory), telling
    /// <c>sent</c> how many bytes went out so that progress can show the upload as it happens.
    /// </summary>
    internal sealed class FileRangeContent : HttpContent
    {
        private const int BufferSize = 256 * 1024;

        private readonly string path;
        private readonly long offset;
        private readonly long length;
        private readonly Action<long> sent;

        public FileRangeContent(string path, long offset, long length, Action<long> sent)
        {
            this.path = path;
            this.offset = offset;
            this.length = length;
            this.sent = sent;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            using (var file = SharedFile.OpenRead(path, 1, FileOptions.Asynchronous))
            {
                file.Position = offset;
                var buffer = new byte[(int)Math.Min(BufferSize, Math.Max(1, length))];
                long remaining = length;
                while (remaining > 0)
                {
                    int read = await file.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, remaining)).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new GolemImageException(ErrorIds.ImageChangedWhileReading, GolemErrorCategory.ReadError, $"'{path}' ended at byte {offset + length - remaining}, inside a chunk it had when publishing started; was it changed meanwhile?", path);
                    }

                    await stream.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                    remaining -= read;
                    sent(read);
                }
            }
        }

        protected override bool TryComputeLength(out long computedLength)
        {
            computedLength = length;
            return true;
        }
    }
}
