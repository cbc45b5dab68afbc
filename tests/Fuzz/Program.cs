using System;
using System.IO;
using System.Linq;
using SharpFuzz;

namespace GolemImage.Fuzz
{
    /// <summary>
    /// GolemImage.Fuzz list | seeds TARGET DIR | afl TARGET | replay TARGET PATH...
    /// <c>afl</c> runs under afl-fuzz (SharpFuzz's fork server; the engine assembly must be instrumented first with
    /// the sharpfuzz tool); <c>replay</c> runs inputs directly and prints any finding (for reproducing a crash).
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length == 0 || args[0] == "list")
            {
                foreach (FuzzTarget target in FuzzTargets.All)
                {
                    Console.WriteLine($"{target.Name,-16} {target.Description}");
                }

                return 0;
            }

            FuzzTarget? chosen = args.Length > 1 ? FuzzTargets.Find(args[1]) : null;
            if (chosen == null)
            {
                Console.Error.WriteLine($"Unknown or missing target; one of: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}.");
                return 2;
            }

            switch (args[0])
            {
                case "seeds":
                {
                    string directory = args.Length > 2 ? args[2] : throw new ArgumentException("seeds TARGET DIRECTORY");
                    Directory.CreateDirectory(directory);
                    int index = 0;
                    foreach (byte[] seed in chosen.Seeds())
                    {
                        File.WriteAllBytes(Path.Combine(directory, $"seed-{index++:D3}"), seed);
                    }

                    Console.WriteLine($"{index} seeds for {chosen.Name} in {directory}");
                    return 0;
                }

                case "afl":
                    FuzzTargets.PrepareProcess();
                    Fuzzer.OutOfProcess.Run(stream =>
                    {
                        using var copy = new MemoryStream();
                        stream.CopyTo(copy);
                        chosen.Run(copy.ToArray());
                    });
                    return 0;

                case "replay":
                {
                    FuzzTargets.PrepareProcess();
                    int findings = 0;
                    foreach (string path in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : new[] { p }).OrderBy(p => p, StringComparer.Ordinal))
                    {
                        try
                        {
                            chosen.Run(File.ReadAllBytes(path));
                        }
                        catch (Exception ex)
                        {
                            findings++;
                            Console.WriteLine($"{path}: {ex.GetType().FullName}: {ex.Message}");
                            Console.WriteLine(ex.StackTrace);
                        }
                    }

                    return findings == 0 ? 0 : 1;
                }

                default:
                    Console.Error.WriteLine("Usage: GolemImage.Fuzz list | seeds TARGET DIR | afl TARGET | replay TARGET PATH...");
                    return 2;
            }
        }
    }
}
