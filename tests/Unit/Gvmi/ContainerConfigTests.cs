using System.Collections.Generic;
using GolemImage.Gvmi;
using Xunit;

namespace GolemImage.Tests.Gvmi
{
    [Trait(Requires.Key, Requires.Portable)]
    public class ContainerConfigTests
    {
        internal const string GoldenJson =
            "{\"User\":\"1000:1000\",\"ExposedPorts\":{\"80/tcp\":{}},\"Env\":[\"PATH=/usr/bin:/bin\",\"A=1\"],\"Cmd\":[\"/bin/sh\"],"
            + "\"Image\":\"sha256:abc\",\"Volumes\":{\"/b\":{},\"/data\":{}},\"WorkingDir\":\"/app\",\"Entrypoint\":[\"/init\"],\"Labels\":{\"a\":\"2\",\"z\":\"1\"}}";

        internal static ContainerConfig GoldenConfig()
        {
            return new ContainerConfig
            {
                Labels = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" },
                Entrypoint = new[] { "/init" },
                WorkingDir = "/app",
                Volumes = new[] { "/data", "/b", "/data" },
                Image = "sha256:abc",
                Cmd = new[] { "/bin/sh" },
                Env = new[] { "PATH=/usr/bin:/bin", "A=1" },
                ExposedPorts = new[] { "80/tcp" },
                User = "1000:1000",
            };
        }

        [Fact]
        public void ToJson_writes_bollard_order_sorted_maps_and_empty_object_values()
        {
            Assert.Equal(GoldenJson, GoldenConfig().ToJson());
        }

        [Fact]
        public void ToJson_leaves_out_null_fields()
        {
            Assert.Equal("{}", new ContainerConfig().ToJson());
            Assert.Equal("{\"Env\":[],\"WorkingDir\":\"\"}", new ContainerConfig { Env = new string[0], WorkingDir = string.Empty }.ToJson());
        }

        [Theory]
        [InlineData("root")]
        [InlineData("1000")]
        [InlineData("app:app")]
        [InlineData("1000:")]
        [InlineData(":1000")]
        [InlineData("-1:0")]
        [InlineData("99999999999:0")]
        public void ToJson_drops_a_user_the_runtime_would_not_honour(string user)
        {
            Assert.Equal("{}", new ContainerConfig { User = user }.ToJson());
        }

        [Fact]
        public void ToJson_does_not_escape_plus_or_non_ascii_text()
        {
            Assert.Equal("{\"Env\":[\"A=x+y <é>\"]}", new ContainerConfig { Env = new[] { "A=x+y <é>" } }.ToJson());
        }

        [Fact]
        public void FromJson_round_trips()
        {
            ContainerConfig config = ContainerConfig.FromJson(GoldenJson);
            Assert.Equal(GoldenJson, config.ToJson());
            Assert.Equal(new[] { "PATH=/usr/bin:/bin", "A=1" }, config.Env);
            Assert.Equal(new[] { "/b", "/data" }, config.Volumes);
            Assert.Equal("1000:1000", config.User);
            Assert.Equal("2", config.Labels!["a"]);
        }

        [Fact]
        public void FromJson_reads_a_gvmkit_build_config_and_ignores_unknown_keys()
        {
            const string gvmkit = "{\"Hostname\":\"3f1a\",\"Domainname\":\"\",\"AttachStdin\":false,\"Tty\":false,\"Env\":[\"PATH=/bin\"],"
                + "\"Cmd\":[\"/bin/sh\"],\"Image\":\"e66264b98777\",\"WorkingDir\":\"/golem/work\",\"Entrypoint\":null,\"Labels\":{}}";
            ContainerConfig config = ContainerConfig.FromJson(gvmkit);
            Assert.Equal("/golem/work", config.WorkingDir);
            Assert.Null(config.Entrypoint);
            Assert.Equal("{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"/bin/sh\"],\"Image\":\"e66264b98777\",\"WorkingDir\":\"/golem/work\",\"Labels\":{}}", config.ToJson());
        }

        [Theory]
        [InlineData("[]")]
        [InlineData("not json")]
        [InlineData("{\"Env\":\"PATH=/bin\"}")]
        [InlineData("{\"Cmd\":[1]}")]
        [InlineData("{\"WorkingDir\":5}")]
        [InlineData("{\"Volumes\":[\"/data\"]}")]
        [InlineData("{\"Volumes\":{\"/data\":{\"x\":1}}}")]
        [InlineData("{\"ExposedPorts\":{\"80/tcp\":null}}")]
        [InlineData("{\"Labels\":{\"a\":1}}")]
        public void FromJson_rejects_what_the_runtime_would_fail_to_deserialize(string json)
        {
            GolemImageException error = Assert.Throws<GolemImageException>(() => ContainerConfig.FromJson(json));
            Assert.Equal("InvalidContainerConfig", error.ErrorId);
        }
    }
}
