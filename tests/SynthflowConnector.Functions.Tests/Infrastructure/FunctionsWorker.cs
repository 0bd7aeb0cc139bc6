extern alias functions;

using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Hosting;

namespace SynthflowConnector.Functions.Tests.Infrastructure;

/// <summary>
/// The Functions worker's real composition: <c>functions/Program.cs</c> run up to <c>builder.Build()</c>, its
/// <see cref="IHost"/> taken at the "HostBuilt" diagnostic event and the entry point stopped there (the
/// WebApplicationFactory technique), so no Functions host or gRPC channel is needed.
/// </summary>
public static class FunctionsWorker
{
    /// <summary>The built worker assembly (SynthflowConnector.Functions.dll).</summary>
    public static Assembly Assembly { get; } = typeof(functions::SynthflowConnector.Functions.AgentFunctions).Assembly;

    /// <summary>
    /// Runs the worker's entry point with <paramref name="settings"/> as command-line configuration
    /// (<c>FunctionsApplication.CreateBuilder(args)</c> reads them like app settings) and returns the built host, not
    /// started: starting it (or resolving its hosted services) needs <c>Functions:Worker:HostEndpoint</c>.
    /// </summary>
    public static IHost Build(IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string[] args = [.. settings.Select(pair => $"--{pair.Key}={pair.Value}")];
        return HostCapture.Run(Assembly.EntryPoint ?? throw new InvalidOperationException($"{Assembly.GetName().Name} has no entry point."), args);
    }

    /// <summary>Listens for the host the entry point builds on this async flow only (other tests build hosts in parallel).</summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private static readonly AsyncLocal<HostCapture?> Current = new();
        private readonly List<IDisposable> _subscriptions = [];
        private IHost? _host;

        public static IHost Run(MethodInfo entryPoint, string[] args)
        {
            var capture = new HostCapture();
            using var all = DiagnosticListener.AllListeners.Subscribe(capture);
            Current.Value = capture;
            try
            {
                entryPoint.Invoke(null, [args]);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is HostAbortedException && capture._host is not null)
            {
                return capture._host;
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            }
            finally
            {
                Current.Value = null;
                capture._subscriptions.ForEach(subscription => subscription.Dispose());
            }

            throw new InvalidOperationException("The entry point returned without building a host.");
        }

        public void OnNext(DiagnosticListener value)
        {
            // Hosting creates one listener per Build(); it is announced synchronously on the building thread.
            if (Current.Value == this && value.Name == "Microsoft.Extensions.Hosting")
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (Current.Value == this && value.Key == "HostBuilt" && value.Value is IHost host)
            {
                _host = host;

                // Unwinds Build() and the entry point before Run(); the same exception WebApplicationFactory uses.
                throw new HostAbortedException();
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
