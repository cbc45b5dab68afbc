using System.IO;

namespace GolemImage.Squashfs.Reading
{
    /// <summary>Reads an exact byte range of a seekable stream, as the image checks need for every table they look at.</summary>
    internal static class PositionedRead
    {
        /// <summary>Fills the first <paramref name="count"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/> on.</summary>
        /// <exception cref="EndOfStreamException">The stream ends first; the message names the byte.</exception>
        public static void ReadExactly(Stream stream, long offset, byte[] buffer, int count)
        {
            stream.Seek(offset, SeekOrigin.Begin);
            int filled = 0;
            while (filled < count)
            {
                int read = stream.Read(buffer, filled, count - filled);
                if (read == 0)
                {
                    throw new EndOfStreamException($"Unexpected end of file at byte {offset + filled}.");
                }

                filled += read;
            }
        }
    }
}
