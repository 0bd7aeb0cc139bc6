using Microsoft.AspNetCore.Connections;

namespace SynthflowConnector.Hosting;

/// <summary>
/// Turns "address already in use" at start into one line naming the address and how to choose another, and exit
/// code 1, instead of two stack traces (the hosting log's "Hosting failed to start" and the unhandled exception).
/// </summary>
internal sealed class AddressInUseReporter
{
    public const int ExitCode = 1;
    private const string HostingCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private volatile bool _starting = true;

    /// <summary>Registers the log filter; call before <c>Build</c>.</summary>
    public AddressInUseReporter(ILoggingBuilder logging) =>
        // Only errors, only while starting: every start failure is rethrown to Run, which reports it (or lets it surface).
        logging.AddFilter(HostingCategory, level => level >= LogLevel.Information && !(_starting && level == LogLevel.Error));

    /// <summary>Runs the app; answers its exit code.</summary>
    public int Run(WebApplication app, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(error);
        app.Lifetime.ApplicationStarted.Register(() => _starting = false);
        try
        {
            app.Run();
            return 0;
        }
        catch (IOException exception) when (exception.InnerException is AddressInUseException)
        {
            // Kestrel's message names the address: "Failed to bind to address http://…: address already in use."
            error.WriteLine($"{exception.Message} Choose another address with --urls (e.g. ./build.sh run --urls http://localhost:7080) or ASPNETCORE_URLS.");
            return ExitCode;
        }
    }
}
