using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GolemImage.Gvmi
{
    /// <summary>
    /// The Docker ContainerConfig subset a .gvmi trailer carries, in the shape ya-runtime-vm deserializes
    /// (bollard-stubs 1.40 ContainerConfig: PascalCase keys, every field optional, a wrongly typed value
    /// fails the whole deployment). <see cref="ToJson"/> is deterministic: same config, same bytes.
    /// </summary>
    public sealed class ContainerConfig
    {
        /// <summary>"uid:gid"; written only when both parts are numeric, because the runtime falls back to root for anything else.</summary>
        public string? User { get; set; }

        /// <summary>Ports like "8080/tcp"; written as an object whose values are {}.</summary>
        public string[]? ExposedPorts { get; set; }

        /// <summary>"NAME=value" entries, order kept.</summary>
        public string[]? Env { get; set; }

        public string[]? Cmd { get; set; }

        /// <summary>The source image's id or name; not used by the runtime.</summary>
        public string? Image { get; set; }

        /// <summary>Absolute paths the runtime mounts as host directories; written as an object whose values are {}.</summary>
        public string[]? Volumes { get; set; }

        public string? WorkingDir { get; set; }

        public string[]? Entrypoint { get; set; }

        public IDictionary<string, string>? Labels { get; set; }

        /// <summary>True when <paramref name="user"/> is the only form ya-runtime-vm honours: numeric "uid:gid".</summary>
        public static bool IsNumericUser(string? user)
        {
            if (user == null)
            {
                return false;
            }

            int colon = user.IndexOf(':');
            return colon > 0
                && uint.TryParse(user.Substring(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
                && uint.TryParse(user.Substring(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
        }

        /// <summary>
        /// Compact JSON, keys in bollard's declaration order, null fields left out, object keys sorted
        /// ordinally (Volumes, ExposedPorts, Labels), no Hostname (it would make every build differ).
        /// </summary>
        public string ToJson()
        {
            return Encoding.UTF8.GetString(ToUtf8Json());
        }

        /// <summary><see cref="ToJson"/> as the UTF-8 bytes the trailer stores.</summary>
        public byte[] ToUtf8Json()
        {
            using (var buffer = new MemoryStream())
            {
                var options = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
                using (var writer = new Utf8JsonWriter(buffer, options))
                {
                    writer.WriteStartObject();
                    if (IsNumericUser(User))
                    {
                        writer.WriteString("User", User);
                    }

                    WriteEmptyObjectMap(writer, "ExposedPorts", ExposedPorts);
                    WriteArray(writer, "Env", Env);
                    WriteArray(writer, "Cmd", Cmd);
                    if (Image != null)
                    {
                        writer.WriteString("Image", Image);
                    }

                    WriteEmptyObjectMap(writer, "Volumes", Volumes);
                    if (WorkingDir != null)
                    {
                        writer.WriteString("WorkingDir", WorkingDir);
                    }

                    WriteArray(writer, "Entrypoint", Entrypoint);
                    if (Labels != null)
                    {
                        writer.WriteStartObject("Labels");
                        foreach (KeyValuePair<string, string> label in Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                        {
                            writer.WriteString(label.Key, label.Value ?? string.Empty);
                        }

                        writer.WriteEndObject();
                    }

                    writer.WriteEndObject();
                }

                return buffer.ToArray();
            }
        }

        /// <summary>
        /// Reads a trailer's JSON. Unknown keys (Hostname, Tty, ...) are ignored like serde does; a known
        /// key with a type the runtime would reject is an InvalidContainerConfig error.
        /// </summary>
        public static ContainerConfig FromJson(string json)
        {
            if (json == null)
            {
                throw new ArgumentNullException(nameof(json));
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json);
            }
            catch (JsonException ex)
            {
                throw Invalid($"The container config is not valid JSON: {ex.Message}", ex);
            }

            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid($"The container config must be a JSON object, not {root.ValueKind}.");
                }

                var config = new ContainerConfig();
                foreach (JsonProperty property in root.EnumerateObject())
                {
                    JsonElement value = property.Value;
                    if (value.ValueKind == JsonValueKind.Null)
                    {
                        continue;
                    }

                    switch (property.Name)
                    {
                        case "User":
                            config.User = ReadString(property);
                            break;
                        case "ExposedPorts":
                            config.ExposedPorts = ReadEmptyObjectMap(property);
                            break;
                        case "Env":
                            config.Env = ReadArray(property);
                            break;
                        case "Cmd":
                            config.Cmd = ReadArray(property);
                            break;
                        case "Image":
                            config.Image = ReadString(property);
                            break;
                        case "Volumes":
                            config.Volumes = ReadEmptyObjectMap(property);
                            break;
                        case "WorkingDir":
                            config.WorkingDir = ReadString(property);
                            break;
                        case "Entrypoint":
                            config.Entrypoint = ReadArray(property);
                            break;
                        case "Labels":
                            config.Labels = ReadLabels(property);
                            break;
                    }
                }

                return config;
            }
        }

        public override string ToString()
        {
            return ToJson();
        }

        private static void WriteArray(Utf8JsonWriter writer, string name, string[]? values)
        {
            if (values == null)
            {
                return;
            }

            writer.WriteStartArray(name);
            foreach (string value in values)
            {
                writer.WriteStringValue(value ?? string.Empty);
            }

            writer.WriteEndArray();
        }

        private static void WriteEmptyObjectMap(Utf8JsonWriter writer, string name, string[]? keys)
        {
            if (keys == null)
            {
                return;
            }

            writer.WriteStartObject(name);
            foreach (string key in keys.Where(k => k != null).Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal))
            {
                writer.WriteStartObject(key);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        private static string ReadString(JsonProperty property)
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"The container config's '{property.Name}' must be a string, not {property.Value.ValueKind}.");
            }

            return property.Value.GetString() ?? string.Empty;
        }

        private static string[] ReadArray(JsonProperty property)
        {
            if (property.Value.ValueKind != JsonValueKind.Array)
            {
                throw Invalid($"The container config's '{property.Name}' must be an array of strings, not {property.Value.ValueKind}.");
            }

            var values = new List<string>();
            foreach (JsonElement item in property.Value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw Invalid($"The container config's '{property.Name}' must contain only strings, but has a {item.ValueKind}.");
                }

                values.Add(item.GetString() ?? string.Empty);
            }

            return values.ToArray();
        }

        private static string[] ReadEmptyObjectMap(JsonProperty property)
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"The container config's '{property.Name}' must be an object whose values are {{}}, not {property.Value.ValueKind}.");
            }

            var keys = new List<string>();
            foreach (JsonProperty entry in property.Value.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Object || entry.Value.EnumerateObject().Any())
                {
                    throw Invalid($"The container config's '{property.Name}' entry '{entry.Name}' must be {{}}, which is the only value ya-runtime-vm accepts.");
                }

                keys.Add(entry.Name);
            }

            return keys.ToArray();
        }

        private static IDictionary<string, string> ReadLabels(JsonProperty property)
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"The container config's 'Labels' must be an object of strings, not {property.Value.ValueKind}.");
            }

            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in property.Value.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw Invalid($"The container config's label '{entry.Name}' must be a string, not {entry.Value.ValueKind}.");
                }

                labels[entry.Name] = entry.Value.GetString() ?? string.Empty;
            }

            return labels;
        }

        private static GolemImageException Invalid(string message, Exception? inner = null)
        {
            return new GolemImageException(ErrorIds.InvalidContainerConfig, GolemErrorCategory.InvalidData, message, null, inner);
        }
    }
}
