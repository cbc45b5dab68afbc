using System.Net;
using Xunit;

namespace GolemImage.Tests
{
    [Trait(Requires.Key, Requires.Portable)]
    public class TransportSecurityTests
    {
        // Numeric values: SecurityProtocolType.Ssl3 is obsolete in .NET, and the point is what .NET Framework starts with.
        private const SecurityProtocolType Ssl3 = (SecurityProtocolType)48;
        private const SecurityProtocolType Tls10 = (SecurityProtocolType)192;
        private const SecurityProtocolType Tls11 = (SecurityProtocolType)768;

        [Fact]
        public void Adds_tls12_to_windows_powershell_defaults_and_keeps_what_was_enabled()
        {
            Assert.Equal(Ssl3 | Tls10 | SecurityProtocolType.Tls12, TransportSecurity.WithTls12(Ssl3 | Tls10));
            Assert.Equal(Tls11 | SecurityProtocolType.Tls12, TransportSecurity.WithTls12(Tls11));
            Assert.Equal(SecurityProtocolType.Tls12, TransportSecurity.WithTls12(SecurityProtocolType.Tls12));
        }

        [Fact]
        public void Leaves_system_default_to_the_operating_system()
        {
            Assert.Equal(SecurityProtocolType.SystemDefault, TransportSecurity.WithTls12(SecurityProtocolType.SystemDefault));
        }

        [Theory]
        [InlineData(".NET Framework 4.8.4700.0", true)]
        [InlineData(".NET Framework 4.7.3190.0", true)]
        [InlineData(".NET 8.0.11", false)]
        [InlineData(".NET Core 3.1.32", false)]
        [InlineData(".NET 10.0.0-rc.1", false)]
        public void Changes_service_point_manager_only_on_net_framework(string description, bool expected)
        {
            Assert.Equal(expected, TransportSecurity.IsNetFramework(description));
        }

        [Fact]
        public void Does_not_touch_service_point_manager_on_this_runtime()
        {
#pragma warning disable SYSLIB0014 // ServicePointManager: set to an old protocol only to prove we leave it alone on .NET.
            SecurityProtocolType before = ServicePointManager.SecurityProtocol;
            try
            {
                ServicePointManager.SecurityProtocol = Tls11;
                TransportSecurity.EnsureTls12();
                Assert.Equal(Tls11, ServicePointManager.SecurityProtocol);
            }
            finally
            {
                ServicePointManager.SecurityProtocol = before;
            }
#pragma warning restore SYSLIB0014
        }
    }
}
