using System;
using System.IO;
using System.Management.Automation;

namespace GolemImage.Cmdlets.Infrastructure
{
    /// <summary>Turns engine exceptions into ErrorRecords with a specific ErrorId and category.</summary>
    internal static class ErrorRecordFactory
    {
        public static ErrorRecord FromException(Exception exception, object? target)
        {
            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
            {
                exception = aggregate.InnerExceptions[0];
            }

            switch (exception)
            {
                case GolemImageException golem:
                    return new ErrorRecord(golem, golem.ErrorId, Map(golem.Category), golem.Target ?? target);
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return new ErrorRecord(exception, ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, target);
                case UnauthorizedAccessException _:
                    return new ErrorRecord(exception, ErrorIds.AccessDenied, ErrorCategory.PermissionDenied, target);
                case IOException _:
                    return new ErrorRecord(exception, ErrorIds.IOError, ErrorCategory.ReadError, target);
                case OperationCanceledException _:
                    return new ErrorRecord(exception, ErrorIds.OperationStopped, ErrorCategory.OperationStopped, target);
                default:
                    return new ErrorRecord(exception, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target);
            }
        }

        public static ErrorCategory Map(GolemErrorCategory category)
        {
            switch (category)
            {
                case GolemErrorCategory.InvalidData: return ErrorCategory.InvalidData;
                case GolemErrorCategory.InvalidArgument: return ErrorCategory.InvalidArgument;
                case GolemErrorCategory.ObjectNotFound: return ErrorCategory.ObjectNotFound;
                case GolemErrorCategory.ConnectionError: return ErrorCategory.ConnectionError;
                case GolemErrorCategory.AuthenticationError: return ErrorCategory.AuthenticationError;
                case GolemErrorCategory.PermissionDenied: return ErrorCategory.PermissionDenied;
                case GolemErrorCategory.ResourceExists: return ErrorCategory.ResourceExists;
                case GolemErrorCategory.ResourceUnavailable: return ErrorCategory.ResourceUnavailable;
                case GolemErrorCategory.NotImplemented: return ErrorCategory.NotImplemented;
                case GolemErrorCategory.OperationStopped: return ErrorCategory.OperationStopped;
                case GolemErrorCategory.ReadError: return ErrorCategory.ReadError;
                case GolemErrorCategory.WriteError: return ErrorCategory.WriteError;
                case GolemErrorCategory.ProtocolError: return ErrorCategory.ProtocolError;
                default: return ErrorCategory.NotSpecified;
            }
        }
    }
}
