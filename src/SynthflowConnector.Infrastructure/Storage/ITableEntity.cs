using Azure;

namespace SynthflowConnector.Storage;

/// <summary>
/// The system properties every Table Storage entity has. Same shape as <c>Azure.Data.Tables.ITableEntity</c>
/// so entity classes survive a later switch to the SDK unchanged.
/// </summary>
public interface ITableEntity
{
    /// <summary>The partition key; entities with the same partition key can be queried (and updated) together cheaply.</summary>
    string PartitionKey { get; set; }

    /// <summary>The row key, unique within the partition.</summary>
    string RowKey { get; set; }

    /// <summary>Set by the service on every write; ignored when sending.</summary>
    DateTimeOffset? Timestamp { get; set; }

    /// <summary>The entity version, for optimistic concurrency (<c>If-Match</c>). Never sent as a property.</summary>
    ETag ETag { get; set; }
}
