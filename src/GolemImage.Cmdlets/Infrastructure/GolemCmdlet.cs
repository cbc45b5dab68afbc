using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using GolemImage.Reporting;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>
    /// Base of every GolemImage cmdlet: runs engine work on a background task while pumping its
    /// progress, verbose and warning messages on the pipeline thread (the only thread PowerShell
    /// lets us write from), and turns Ctrl+C into cancellation of that work.
    /// </summary>
    public abstract class GolemCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private bool disposed;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken CancellationToken => stopping.Token;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                stopping.Dispose();
            }
        }

        protected override void StopProcessing()
        {
            try
            {
                stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>
        /// Runs <paramref name="work"/> on the thread pool and services its reporter on this thread
        /// until it finishes. Exceptions come back unwrapped; cancellation becomes PipelineStoppedException.
        /// </summary>
        protected T RunEngine<T>(Func<IEngineReporter, CancellationToken, Task<T>> work)
        {
            using (var messages = new BlockingCollection<Action>())
            {
                var reporter = new PipelineReporter(this, messages);
                CancellationToken token = CancellationToken;
                Task<T> task = Task.Run(() => work(reporter, token), token);
                task.ContinueWith(_ => messages.CompleteAdding(), TaskScheduler.Default);
                foreach (Action message in messages.GetConsumingEnumerable())
                {
                    message();
                }

                reporter.CompleteAll();
                try
                {
                    return task.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
            }
        }

        protected void RunEngine(Func<IEngineReporter, CancellationToken, Task> work)
        {
            RunEngine<bool>(async (reporter, token) =>
            {
                await work(reporter, token).ConfigureAwait(false);
                return true;
            });
        }

        /// <summary>Writes a non-terminating error for <paramref name="exception"/> about <paramref name="target"/>.</summary>
        protected void WriteEngineError(Exception exception, object? target)
        {
            WriteError(ErrorRecordFactory.FromException(exception, target));
        }

        /// <summary>
        /// Resolves -Path (wildcards, any provider path) or -LiteralPath to file-system paths the way
        /// Get-FileHash does: a path that resolves to nothing is a non-terminating PathNotFound error.
        /// </summary>
        protected IEnumerable<string> ResolveFileSystemPaths(IEnumerable<string> paths, bool literal)
        {
            foreach (string path in paths)
            {
                var resolved = new List<string>();
                try
                {
                    if (literal)
                    {
                        string providerPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                        if (!System.IO.File.Exists(providerPath) && !System.IO.Directory.Exists(providerPath))
                        {
                            throw new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.");
                        }

                        resolved.Add(providerPath);
                    }
                    else
                    {
                        resolved.AddRange(GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider));
                        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                        {
                            WriteError(new ErrorRecord(
                                new ArgumentException($"The path '{path}' is not a file-system path."),
                                ErrorIds.NotFileSystemPath,
                                ErrorCategory.InvalidArgument,
                                path));
                            continue;
                        }
                    }
                }
                catch (Exception ex) when (ex is ItemNotFoundException || ex is DriveNotFoundException || ex is ProviderNotFoundException)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
                    continue;
                }

                foreach (string item in resolved)
                {
                    yield return item;
                }
            }
        }
    }
}
