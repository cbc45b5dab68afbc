using System;
using System.Collections.Generic;

namespace GolemImage.RegistryServer
{
    /// <summary>
    /// Command line: --storage DIR (required) --user NAME --token PAT [--repositories a/b,a/c] [--delay-ms N]
    /// [--fault KIND:CHUNK[:MS]]... plus ASP.NET's own --urls http://127.0.0.1:PORT.
    /// </summary>
    internal sealed class ServerOptions
    {
        public string Storage { get; private set; } = string.Empty;

        public string User { get; private set; } = "tester";

        public string Token { get; private set; } = "test-token";

        /// <summary>Repositories that exist; null: every repository of the logged-in user exists.</summary>
        public HashSet<string>? Repositories { get; private set; }

        public int DelayMilliseconds { get; private set; }

        public List<string> Faults { get; } = new List<string>();

        public static ServerOptions Parse(string[] args)
        {
            var options = new ServerOptions();
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--storage": options.Storage = Next(); break;
                    case "--user": options.User = Next(); break;
                    case "--token": options.Token = Next(); break;
                    case "--repositories": options.Repositories = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal); break;
                    case "--delay-ms": options.DelayMilliseconds = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--fault": options.Faults.Add(Next()); break;
                    case "--urls": Next(); break;
                    default: break;
                }
            }

            if (options.Storage.Length == 0)
            {
                throw new ArgumentException("--storage DIR is required.");
            }

            return options;
        }
    }
}
