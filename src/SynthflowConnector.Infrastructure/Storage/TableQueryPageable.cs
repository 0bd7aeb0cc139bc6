using System.Runtime.CompilerServices;
using Azure;

namespace SynthflowConnector.Storage;

/// <summary>
/// Query results, fetched one page at a time and only when enumeration reaches the page: breaking out of an
/// <c>await foreach</c> early stops the requests. The continuation token is the service's
/// <c>NextPartitionKey</c> and <c>NextRowKey</c>, joined by a space (neither contains one: they are opaque
/// base64-like tokens), which is also how Azure.Data.Tables encodes it.
/// </summary>
internal sealed class TableQueryPageable<T> : AsyncPageable<T>
    where T : notnull
{
    /// <summary>Fetches one page: (continuation token or null, page size hint, cancellation) → page.</summary>
    private readonly Func<string?, int?, CancellationToken, Task<Page<T>>> _fetchPage;

    public TableQueryPageable(Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        _fetchPage = fetchPage;
    }

    public override IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null) =>
        EnumeratePages(continuationToken, pageSizeHint, CancellationToken);

    private async IAsyncEnumerable<Page<T>> EnumeratePages(
        string? continuationToken,
        int? pageSizeHint,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        do
        {
            Page<T> page = await _fetchPage(continuationToken, pageSizeHint, cancellationToken).ConfigureAwait(false);
            yield return page;
            continuationToken = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuationToken));
    }

    internal static string? ToContinuationToken(string? nextPartitionKey, string? nextRowKey) =>
        string.IsNullOrEmpty(nextPartitionKey) ? null : $"{nextPartitionKey} {nextRowKey}";

    internal static (string PartitionKey, string? RowKey) FromContinuationToken(string token)
    {
        int space = token.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (token, null) : (token[..space], space + 1 < token.Length ? token[(space + 1)..] : null);
    }
}
