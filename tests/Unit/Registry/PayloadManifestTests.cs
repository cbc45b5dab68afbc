using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GolemImage.Manifest;
using Xunit;

namespace GolemImage.Tests.Registry
{
    /// <summary>The manifest engine behind New-GolemManifest; the Pester suite checks the schema and openssl's verdict.</summary>
    [Trait(Requires.Key, Requires.Portable)]
    public class PayloadManifestTests
    {
        private const string Hash = "529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4";

        [Fact]
        public void Writes_payload_hash_urls_and_outbound_protocols_in_golem_sdk_cli_form()
        {
            var request = new ManifestRequest { Name = "app", CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)) };
            request.Payloads.Add(ManifestPayload.FromTaskPackage($"hash:sha3:{Hash.ToUpperInvariant()}:http://registry.golem.network/download/{Hash}"));
            request.OutboundUrls.Add(new Uri("wss://stream.example.com/feed"));
            request.OutboundUrls.Add(new Uri("https://api.example.com"));
            request.OutboundUrls.Add(new Uri("https://api.example.com"));

            PayloadManifest manifest = PayloadManifest.Create(request);

            using (JsonDocument json = JsonDocument.Parse(manifest.Json))
            {
                JsonElement root = json.RootElement;
                Assert.Equal("0.1.0", root.GetProperty("version").GetString());
                Assert.Equal("2026-01-02T01:04:05.678Z", root.GetProperty("createdAt").GetString());
                Assert.Equal("2026-04-02T01:04:05.678Z", root.GetProperty("expiresAt").GetString());
                JsonElement payload = root.GetProperty("payload")[0];
                Assert.Equal("sha3:" + Hash, payload.GetProperty("hash").GetString());
                Assert.Equal("x86_64", payload.GetProperty("platform").GetProperty("arch").GetString());
                JsonElement outbound = root.GetProperty("compManifest").GetProperty("net").GetProperty("inet").GetProperty("out");
                Assert.Equal(new[] { "wss", "https" }, outbound.GetProperty("protocols").EnumerateArray().Select(e => e.GetString()));
                Assert.Equal(new[] { "wss://stream.example.com/feed", "https://api.example.com" }, outbound.GetProperty("urls").EnumerateArray().Select(e => e.GetString()));
            }

            Assert.Equal(manifest.Json, Encoding.UTF8.GetString(Convert.FromBase64String(manifest.Base64)));
            Assert.Contains("\n  \"payload\": [", manifest.Json.Replace("\r\n", "\n"));
        }

        [Theory]
        [InlineData("hash:sha3:529f7f:http://x/")]
        [InlineData("hash:sha256:529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4:http://x/")]
        [InlineData("hash:sha3:529f7fdaf1cf46ce3126eb6bbcd3b213c314fe8fe884914f5d1106d4")]
        [InlineData("")]
        public void Refuses_what_is_not_a_task_package(string text)
        {
            Assert.Equal("InvalidTaskPackage", Assert.Throws<GolemImageException>(() => ManifestPayload.FromTaskPackage(text)).ErrorId);
        }

        [Fact]
        public void Signs_the_base64_text_so_that_the_public_key_verifies_it()
        {
            using (RSA rsa = RSA.Create(2048))
            {
                var request = new ManifestRequest { Name = "app" };
                request.Payloads.Add(new ManifestPayload(Hash, new[] { new Uri("http://x.example/i.gvmi") }));
                PayloadManifest manifest = PayloadManifest.Create(request);

                ManifestSignature signature = ManifestSigner.Sign(manifest, rsa, null);

                byte[] signed = Convert.FromBase64String(signature.Signature);
                Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(manifest.Base64), signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                Assert.False(rsa.VerifyData(manifest.Bytes, signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                Assert.Equal("sha256", signature.Algorithm);
                Assert.Null(signature.Certificate);
            }
        }

        [Fact]
        public void Reads_a_PKCS8_and_a_PKCS1_key_and_signs_alike()
        {
            using (RSA rsa = RSA.Create(2048))
            {
                string pkcs8 = Pem("PRIVATE KEY", rsa.ExportPkcs8PrivateKey());
                string pkcs1 = Pem("RSA PRIVATE KEY", rsa.ExportRSAPrivateKey());
                byte[] data = Encoding.ASCII.GetBytes("abc");
                foreach (string pem in new[] { pkcs8, pkcs1 })
                {
                    using (RSA read = RsaPrivateKeyPem.Parse(pem, "key.pem"))
                    {
                        Assert.True(rsa.VerifyData(data, read.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                    }
                }
            }
        }

        [Fact]
        public void Turns_every_damaged_key_into_InvalidPrivateKey()
        {
            using (RSA rsa = RSA.Create(1024))
            {
                byte[] der = rsa.ExportPkcs8PrivateKey();
                var random = new Random(19);
                for (int round = 0; round < 400; round++)
                {
                    byte[] damaged = (byte[])der.Clone();
                    if (round % 2 == 0)
                    {
                        damaged[random.Next(damaged.Length)] ^= (byte)(1 + random.Next(255));
                    }
                    else
                    {
                        Array.Resize(ref damaged, random.Next(damaged.Length));
                    }

                    try
                    {
                        RsaPrivateKeyPem.Parse(Pem("PRIVATE KEY", damaged), "key.pem").Dispose();
                    }
                    catch (GolemImageException ex)
                    {
                        Assert.Equal("InvalidPrivateKey", ex.ErrorId);
                    }
                }
            }
        }

        private static string Pem(string label, byte[] der) =>
            $"-----BEGIN {label}-----\n{Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)}\n-----END {label}-----\n";
    }
}
