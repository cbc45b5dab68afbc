using System;

namespace GolemImage.Fuzz
{
    /// <summary>
    /// One parser of untrusted bytes under fuzzing: <see cref="Run"/> feeds it one input. A refusal the user would see
    /// as the module's own ErrorRecord (a <see cref="GolemImageException"/>, or for the squashfs block decoders the
    /// <see cref="System.IO.InvalidDataException"/> their contract names) is a pass; any other exception is a finding,
    /// and so is a run that does not end (AFL++'s timeout).
    /// </summary>
    internal sealed class FuzzTarget
    {
        public FuzzTarget(string name, string description, Action<byte[]> run, Func<System.Collections.Generic.IEnumerable<byte[]>> seeds, Func<Exception, bool>? alsoExpected = null)
        {
            Name = name;
            Description = description;
            RunUnchecked = run;
            Seeds = seeds;
            AlsoExpected = alsoExpected;
        }

        public string Name { get; }

        public string Description { get; }

        public Action<byte[]> RunUnchecked { get; }

        public Func<System.Collections.Generic.IEnumerable<byte[]>> Seeds { get; }

        public Func<Exception, bool>? AlsoExpected { get; }

        /// <summary>Runs one input; returns normally on success or an expected refusal, throws on a finding.</summary>
        public void Run(byte[] input)
        {
            try
            {
                RunUnchecked(input);
            }
            catch (Exception ex) when (IsExpected(ex))
            {
            }
        }

        public bool IsExpected(Exception ex)
        {
            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
            {
                ex = aggregate.InnerExceptions[0];
            }

            return ex is GolemImageException || (AlsoExpected?.Invoke(ex) ?? false);
        }
    }
}
