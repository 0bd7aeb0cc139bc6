using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables.Models;
using Azure.Identity;

namespace SynthflowConnector.Storage;

/// <summary>
/// Turns the storage SDK's failures into the core's store exceptions at the adapter boundary: what storage could not do
/// becomes <see cref="StoreUnavailableException"/>, a conflict nobody handled <see cref="StoreContentionException"/>.
/// A refusal of the request's own input (<see cref="StoreRejectedException"/>) is the store's to raise: only it knows
/// which field a value came from.
/// </summary>
internal static class StorageFaults
{
    /// <summary>How messages name the table service (the default).</summary>
    public const string TableService = "Table storage";

    /// <summary>How messages name the queue service.</summary>
    public const string QueueService = "Queue storage";

    /// <param name="service">How the message names the service (<see cref="TableService"/> or <see cref="QueueService"/>).</param>
    public static async Task<T> RunAsync<T>(Func<Task<T>> operation, string service = TableService)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (RequestFailedException exception)
        {
            throw Translate(exception, service);
        }
        catch (AuthenticationFailedException exception)
        {
            throw Unauthenticated(exception, service);
        }
        catch (AggregateException exception) when (IsUnanswered(exception))
        {
            throw Unanswered(exception, service);
        }
    }

    /// <summary>
    /// The SDK's retries all ended without an answer (each try's network timeout, or a refused or reset connection): it
    /// throws them together. The caller's own cancellation is never in one (the SDK rethrows that as it is).
    /// </summary>
    internal static bool IsUnanswered(AggregateException exception) =>
        exception.InnerExceptions.Count > 0
        && exception.InnerExceptions.All(inner => inner is OperationCanceledException or IOException or HttpRequestException or RequestFailedException { Status: 0 });

    private static StoreUnavailableException Unanswered(AggregateException exception, string service) =>
        new($"{service} did not answer ({exception.InnerExceptions.Count} tries).", null, exception);

    public static Task RunAsync(Func<Task> operation, string service = TableService)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return RunAsync(
            async () =>
            {
                await operation().ConfigureAwait(false);
                return true;
            },
            service);
    }

    /// <summary>The same translation for a lazily paged read: a page can fail long after the first one came back.</summary>
    public static async IAsyncEnumerable<T> RunAsync<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var items = source.GetAsyncEnumerator(cancellationToken);
        await using (items.ConfigureAwait(false))
        {
            while (true)
            {
                // No yield inside a try with a catch (C# forbids it): step in the try, yield outside it.
                bool more;
                try
                {
                    more = await items.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RequestFailedException exception)
                {
                    throw Translate(exception);
                }
                catch (AuthenticationFailedException exception)
                {
                    throw Unauthenticated(exception);
                }
                catch (AggregateException exception) when (IsUnanswered(exception))
                {
                    throw Unanswered(exception, TableService);
                }

                if (!more)
                {
                    yield break;
                }

                yield return items.Current;
            }
        }
    }

    public static Exception Translate(RequestFailedException exception, string service = TableService)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Status is 409 or 412)
        {
            // The stores handle the conflicts they expect; one that got here is another writer's, and a retry should pass.
            return new StoreContentionException($"{service} answered {exception.Status} ({exception.ErrorCode}): another writer changed the data.", exception);
        }

        return new StoreUnavailableException(
            exception.Status == 0 ? $"{service} could not be reached." : $"{service} answered {exception.Status} ({exception.ErrorCode}).",
            exception.Status == 0 ? null : exception.Status,
            exception);
    }

    /// <summary>An insert found the row already there.</summary>
    public static bool IsAlreadyExists(this RequestFailedException exception) =>
        exception.Status == 409 && string.Equals(exception.ErrorCode, TableErrorCode.EntityAlreadyExists.ToString(), StringComparison.Ordinal);

    /// <summary>An ETag-guarded update or delete found another version.</summary>
    public static bool IsStale(this RequestFailedException exception) => exception.Status == 412;

    /// <summary>The row is not there (an update of a row deleted meanwhile).</summary>
    public static bool IsNotFound(this RequestFailedException exception) => exception.Status == 404;

    /// <summary>The service refused a value of the request (400): a malformed ETag, an out-of-range property.</summary>
    public static bool IsBadInput(this RequestFailedException exception) => exception.Status == 400;

    private static StoreUnavailableException Unauthenticated(AuthenticationFailedException exception, string service = TableService) =>
        new($"{service} could not be reached: no token for its identity-based connection (check the identity settings).", null, exception);
}
