using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace GolemImage.Manifest
{
    /// <summary>
    /// Reads an unencrypted RSA private key from PEM: PKCS#1 ("RSA PRIVATE KEY", what openssl genrsa wrote for years)
    /// or PKCS#8 ("PRIVATE KEY", openssl's current default). netstandard2.0 has no PEM or PKCS#8 import, so both
    /// frameworks use this small DER reader; every malformed input ends in InvalidPrivateKey, never another exception.
    /// </summary>
    public static class RsaPrivateKeyPem
    {
        private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";

        public static RSA Read(string path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new GolemImageException(ErrorIds.PrivateKeyUnreadable, GolemErrorCategory.ReadError, $"Cannot read the private key '{path}': {ex.Message}", path, ex);
            }

            return Parse(text, path);
        }

        public static RSA Parse(string pem, string name) =>
            Parse(pem, name, (why, notRsa) => Invalid(name, notRsa ? why + "; manifests are signed with RSA-SHA256" : why.StartsWith("it is encrypted", StringComparison.Ordinal) ? why + " or pass the certificate with its key as -Certificate" : why));

        /// <summary>As <see cref="Parse(string, string)"/>, with the caller's error: (why, whether the key is valid but not RSA).</summary>
        internal static RSA Parse(string pem, string name, Func<string, bool, GolemImageException> invalid)
        {
            if (pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || pem.Contains("Proc-Type: 4,ENCRYPTED"))
            {
                throw invalid("it is encrypted; write a decrypted copy (openssl pkey -in key.pem -out plain.pem)", false);
            }

            bool pkcs1 = TryBlock(pem, "RSA PRIVATE KEY", out byte[]? der);
            if (!pkcs1 && !TryBlock(pem, "PRIVATE KEY", out der))
            {
                throw invalid("it holds no -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY----- block", pem.Contains("-----BEGIN EC PRIVATE KEY-----"));
            }

            try
            {
                var reader = new DerReader(der!);
                RSAParameters parameters = pkcs1 ? ReadPkcs1(reader.ReadSequence()) : ReadPkcs8(reader.ReadSequence(), invalid);
                RSA rsa = RSA.Create();
                try
                {
                    rsa.ImportParameters(parameters);
                    return rsa;
                }
                catch
                {
                    rsa.Dispose();
                    throw;
                }
            }
            catch (Exception ex) when (ex is FormatException || ex is CryptographicException || ex is ArgumentException)
            {
                throw invalid(ex.Message, false);
            }
        }

        private static RSAParameters ReadPkcs8(DerReader info, Func<string, bool, GolemImageException> invalid)
        {
            info.ReadInteger();
            DerReader algorithm = info.ReadSequence();
            string oid = algorithm.ReadOid();
            if (oid != RsaEncryptionOid)
            {
                throw invalid($"it is not an RSA key (algorithm {oid})", true);
            }

            return ReadPkcs1(new DerReader(info.ReadOctetString()).ReadSequence());
        }

        private static RSAParameters ReadPkcs1(DerReader key)
        {
            key.ReadInteger();
            byte[] modulus = Unsigned(key.ReadInteger());
            byte[] exponent = Unsigned(key.ReadInteger());
            int size = modulus.Length;
            int half = (size + 1) / 2;
            return new RSAParameters
            {
                Modulus = modulus,
                Exponent = exponent,
                D = Pad(Unsigned(key.ReadInteger()), size),
                P = Pad(Unsigned(key.ReadInteger()), half),
                Q = Pad(Unsigned(key.ReadInteger()), half),
                DP = Pad(Unsigned(key.ReadInteger()), half),
                DQ = Pad(Unsigned(key.ReadInteger()), half),
                InverseQ = Pad(Unsigned(key.ReadInteger()), half),
            };
        }

        private static bool TryBlock(string pem, string label, out byte[]? der)
        {
            der = null;
            string begin = "-----BEGIN " + label + "-----";
            string end = "-----END " + label + "-----";
            int start = pem.IndexOf(begin, StringComparison.Ordinal);
            if (start < 0)
            {
                return false;
            }

            start += begin.Length;
            int stop = pem.IndexOf(end, start, StringComparison.Ordinal);
            if (stop < 0)
            {
                return false;
            }

            var base64 = new StringBuilder();
            foreach (char c in pem.Substring(start, stop - start))
            {
                if (!char.IsWhiteSpace(c))
                {
                    base64.Append(c);
                }
            }

            try
            {
                der = Convert.FromBase64String(base64.ToString());
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private static byte[] Unsigned(byte[] integer)
        {
            int skip = 0;
            while (skip < integer.Length - 1 && integer[skip] == 0)
            {
                skip++;
            }

            byte[] value = new byte[integer.Length - skip];
            Array.Copy(integer, skip, value, 0, value.Length);
            return value;
        }

        private static byte[] Pad(byte[] value, int length)
        {
            if (value.Length > length)
            {
                throw new FormatException("a key component is longer than the modulus allows");
            }

            byte[] padded = new byte[length];
            Array.Copy(value, 0, padded, length - value.Length, value.Length);
            return padded;
        }

        private static GolemImageException Invalid(string name, string why) =>
            new GolemImageException(ErrorIds.InvalidPrivateKey, GolemErrorCategory.InvalidData, $"'{name}' is not a usable RSA private key: {why}.", name);

        /// <summary>Just enough DER for RSA keys: SEQUENCE, INTEGER, OCTET STRING, OBJECT IDENTIFIER, with bounds checks.</summary>
        private sealed class DerReader
        {
            private readonly byte[] data;
            private readonly int end;
            private int position;

            public DerReader(byte[] data)
                : this(data, 0, data.Length)
            {
            }

            private DerReader(byte[] data, int start, int end)
            {
                this.data = data;
                position = start;
                this.end = end;
            }

            public DerReader ReadSequence()
            {
                (int start, int length) = Read(0x30);
                return new DerReader(data, start, start + length);
            }

            public byte[] ReadInteger() => Copy(Read(0x02));

            public byte[] ReadOctetString() => Copy(Read(0x04));

            public string ReadOid()
            {
                (int start, int length) = Read(0x06);
                if (length == 0)
                {
                    throw new FormatException("an empty object identifier");
                }

                var oid = new StringBuilder();
                oid.Append(data[start] / 40).Append('.').Append(data[start] % 40);
                long value = 0;
                for (int i = start + 1; i < start + length; i++)
                {
                    value = (value << 7) | (uint)(data[i] & 0x7F);
                    if (value > int.MaxValue)
                    {
                        throw new FormatException("an object identifier component is too large");
                    }

                    if ((data[i] & 0x80) == 0)
                    {
                        oid.Append('.').Append(value);
                        value = 0;
                    }
                }

                return oid.ToString();
            }

            private byte[] Copy((int Start, int Length) span)
            {
                byte[] value = new byte[span.Length];
                Array.Copy(data, span.Start, value, 0, span.Length);
                return value;
            }

            private (int Start, int Length) Read(byte tag)
            {
                if (position + 2 > end || data[position] != tag)
                {
                    throw new FormatException($"expected DER tag 0x{tag:x2} at byte {position}");
                }

                position++;
                int length = data[position++];
                if (length >= 0x80)
                {
                    int count = length & 0x7F;
                    if (count == 0 || count > 3 || position + count > end)
                    {
                        throw new FormatException($"a DER length at byte {position} is malformed");
                    }

                    length = 0;
                    for (int i = 0; i < count; i++)
                    {
                        length = (length << 8) | data[position++];
                    }
                }

                if (length > end - position)
                {
                    throw new FormatException($"a DER value at byte {position} runs past its end");
                }

                int start = position;
                position += length;
                return (start, length);
            }
        }
    }
}
