using System;
using System.IO;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using GolemImage.Manifest;

namespace GolemImage.Sources
{
    /// <summary>
    /// A Docker client certificate (cert.pem) with its RSA key (key.pem, PKCS#1 or PKCS#8) without the PEM APIs .NET
    /// Framework lacks: the key is read by <see cref="RsaPrivateKeyPem"/> (the manifest signer's DER reader) and joined
    /// to the certificate with CopyWithPrivateKey, which .NET Framework 4.7.2 has but the netstandard2.0 reference does
    /// not name (so it is found at run time). EC keys are refused with DockerTlsUnsupported.
    /// </summary>
    internal static class PemClientCertificate
    {
        public static X509Certificate2 Load(string certificateFile, string keyFile, string endpoint)
        {
            using (X509Certificate2 certificate = ReadCertificate(certificateFile))
            using (RSA key = RsaPrivateKeyPem.Parse(File.ReadAllText(keyFile, Encoding.ASCII), keyFile, (why, notRsa) => notRsa
                ? new GolemImageException(
                    ErrorIds.DockerTlsUnsupported,
                    GolemErrorCategory.NotImplemented,
                    $"The Docker engine at {endpoint} wants a client certificate, and its key {keyFile} is not an RSA key ({why}); Windows PowerShell 5.1 reads RSA keys only: use PowerShell 7.4 or later, or -Source Registry / -ArchivePath.",
                    keyFile)
                : Invalid(keyFile, why, null)))
            {
                MethodInfo? copy = typeof(RSACertificateExtensions).GetMethod("CopyWithPrivateKey", new[] { typeof(X509Certificate2), typeof(RSA) });
                if (copy == null)
                {
                    throw new GolemImageException(ErrorIds.DockerTlsUnsupported, GolemErrorCategory.NotImplemented, $"The Docker engine at {endpoint} wants a client certificate, which needs .NET Framework 4.7.2 or later.", certificateFile);
                }

                X509Certificate2 withKey;
                try
                {
                    withKey = (X509Certificate2)copy.Invoke(null, new object[] { certificate, key })!;
                }
                catch (TargetInvocationException ex) when (ex.InnerException is CryptographicException || ex.InnerException is ArgumentException)
                {
                    throw Invalid(keyFile, "it is not the key of " + certificateFile + " (" + ex.InnerException.Message + ")", ex.InnerException);
                }

                using (withKey)
                {
                    // SChannel (Windows) wants the key in a key container, which a PFX round trip gives it.
                    return new X509Certificate2(withKey.Export(X509ContentType.Pkcs12));
                }
            }
        }

        private static X509Certificate2 ReadCertificate(string file)
        {
            const string begin = "-----BEGIN CERTIFICATE-----";
            const string end = "-----END CERTIFICATE-----";
            string text = File.ReadAllText(file, Encoding.ASCII);
            int start = text.IndexOf(begin, StringComparison.Ordinal);
            int stop = start < 0 ? -1 : text.IndexOf(end, start, StringComparison.Ordinal);
            if (stop < 0)
            {
                throw Invalid(file, "it holds no PEM certificate", null);
            }

            try
            {
                return new X509Certificate2(Convert.FromBase64String(text.Substring(start + begin.Length, stop - start - begin.Length).Replace("\r", string.Empty).Replace("\n", string.Empty).Trim()));
            }
            catch (Exception ex) when (ex is FormatException || ex is CryptographicException)
            {
                throw Invalid(file, ex.Message, ex);
            }
        }

        private static GolemImageException Invalid(string file, string problem, Exception? inner) =>
            new GolemImageException(ErrorIds.DockerTlsInvalid, GolemErrorCategory.InvalidData, $"The Docker TLS file {file} cannot be used: {problem}.", file, inner);
    }
}
