using Azure;

namespace SynthflowConnector.Storage;

/// <summary>Turns the storage SDK's failures into the core's store exceptions at the adapter boundary.</summary>
internal static class StorageFaults
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (RequestFailedException exception)
        {
            throw Translate(exception);
        }
    }

    public static StoreUnavailableException Translate(RequestFailedException exception) =>
        new(
            exception.Status == 0 ? "Table storage could not be reached." : $"Table storage answered {exception.Status} ({exception.ErrorCode}).",
            exception.Status == 0 ? null : exception.Status,
            exception);
}
