using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SynthflowConnector.Storage;

/// <summary>
/// A client for one table, speaking the Table service REST protocol over an Azure.Core pipeline
/// (retries, transport, logging and tracing are Azure.Core's). Its public shape follows
/// <c>Azure.Data.Tables.TableClient</c>, which our feed does not carry, so switching to the SDK later is a
/// local change. Members are virtual so callers' tests can mock it, as with the SDK.
/// </summary>
public class TableClient
{
    private const string DataServiceVersion = "3.0";

    private const string SelectNameJustification = "Parameter name matches Azure.Data.Tables so named arguments keep compiling after a switch to the SDK.";

    private static readonly RequestMethod Merge = new("MERGE");

    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _serviceEndpoint = null!;

    /// <summary>The SAS query from a connection string, appended to every request; null otherwise.</summary>
    private readonly string? _sas;

    /// <summary>
    /// Creates a client from a storage connection string (account key, SAS, explicit <c>TableEndpoint</c>,
    /// or <c>UseDevelopmentStorage=true</c>).
    /// </summary>
    /// <exception cref="FormatException">The connection string is malformed or lacks a required setting.</exception>
    public TableClient(string connectionString, string tableName, TableClientOptions? options = null)
        : this(TableConnectionString.Parse(connectionString), tableName, options)
    {
    }

    /// <summary>Creates a client that signs requests with the account key (Shared Key Lite).</summary>
    public TableClient(Uri endpoint, string tableName, TableSharedKeyCredential credential, TableClientOptions? options = null)
        : this(endpoint, tableName, credential?.AccountName, new TableSharedKeyPipelinePolicy(credential!), sas: null, options)
    {
    }

    /// <summary>
    /// Creates a client authenticated with Microsoft Entra ID (e.g. managed identity). The identity needs a
    /// data role such as "Storage Table Data Contributor"; Azure.Core refuses to send bearer tokens over http.
    /// </summary>
    public TableClient(Uri endpoint, string tableName, TokenCredential credential, TableClientOptions? options = null)
        : this(
            endpoint,
            tableName,
            accountName: null,
            new BearerTokenAuthenticationPolicy(credential ?? throw new ArgumentNullException(nameof(credential)), TableConstants.StorageScope),
            sas: null,
            options)
    {
    }

    /// <summary>For mocking only.</summary>
    protected TableClient()
    {
        Name = string.Empty;
        AccountName = string.Empty;
        Uri = new Uri("https://localhost/");
    }

    private TableClient(TableConnectionString connection, string tableName, TableClientOptions? options)
        : this(
            connection.TableEndpoint,
            tableName,
            connection.AccountName,
            connection.SharedKeyCredential is { } key ? new TableSharedKeyPipelinePolicy(key) : null,
            connection.SharedAccessSignature,
            options)
    {
    }

    private TableClient(Uri endpoint, string tableName, string? accountName, HttpPipelinePolicy? authPolicy, string? sas, TableClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ValidateTableName(tableName);
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException("The table service endpoint must be an absolute URI.", nameof(endpoint));
        }

        // A trailing slash would give "//table" paths (RequestUriBuilder.AppendPath does not collapse it), which
        // route and sign differently. Any query is dropped: a SAS only comes in through the connection string.
        _serviceEndpoint = new Uri(endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        _sas = string.IsNullOrEmpty(sas) ? null : sas;
        Name = tableName;
        AccountName = accountName ?? TableConnectionString.AccountNameFromEndpoint(_serviceEndpoint) ?? _serviceEndpoint.Host;
        Uri = new Uri(_serviceEndpoint.AbsoluteUri.TrimEnd('/') + "/" + tableName);

        // Auth is per retry so that every attempt carries a fresh x-ms-date / token.
        HttpPipelinePolicy[] perRetry = authPolicy is null ? [] : [authPolicy];
        _pipeline = HttpPipelineBuilder.Build(options ?? new TableClientOptions(), [], perRetry, new ResponseClassifier());
    }

    /// <summary>The table name.</summary>
    public virtual string Name { get; }

    /// <summary>The storage account name.</summary>
    public virtual string AccountName { get; }

    /// <summary>The table's URI (without any SAS).</summary>
    public virtual Uri Uri { get; }

    /// <summary>
    /// Builds an OData filter from an interpolated string, turning each value into a correctly escaped literal:
    /// <c>CreateQueryFilter($"PartitionKey eq {pk} and Count gt {n}")</c>.
    /// </summary>
    public static string CreateQueryFilter(FormattableString filter) => TableQueryFilter.Create(filter);

    /// <summary>Creates the table; an existing table counts as success.</summary>
    public virtual async Task<Response> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using HttpMessage message = CreateMessage(RequestMethod.Post, "/Tables");
        message.Request.Headers.SetValue(TableConstants.Headers.Prefer, TableConstants.ReturnNoContent);
        SetJsonContent(message.Request, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name }));
        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);

        bool alreadyExists = response.Status == 409
            && TableErrorParser.Instance.TryParse(response, out ResponseError? error, out _)
            && error?.Code == TableConstants.ErrorCodes.TableAlreadyExists;
        return response.Status is 201 or 204 || alreadyExists ? response : throw Failure(response);
    }

    /// <summary>Deletes the table; a missing table counts as success.</summary>
    public virtual async Task<Response> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using HttpMessage message = CreateMessage(RequestMethod.Delete, $"/Tables('{Name}')");
        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 204 or 404 ? response : throw Failure(response);
    }

    /// <summary>Reads one entity.</summary>
    /// <exception cref="RequestFailedException">With <see cref="RequestFailedException.Status"/> 404 when it does not exist.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = SelectNameJustification)]
    public virtual async Task<Response<T>> GetEntityAsync<T>(
        string partitionKey,
        string rowKey,
        IEnumerable<string>? select = null,
        CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
    {
        NullableResponse<T> response = await GetEntityCoreAsync<T>(partitionKey, rowKey, select, throwIfMissing: true, cancellationToken)
            .ConfigureAwait(false);
        return Response.FromValue(response.Value!, response.GetRawResponse());
    }

    /// <summary>Reads one entity; <see cref="NullableResponse{T}.HasValue"/> is false when it does not exist.</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = SelectNameJustification)]
    public virtual Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(
        string partitionKey,
        string rowKey,
        IEnumerable<string>? select = null,
        CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new() =>
        GetEntityCoreAsync<T>(partitionKey, rowKey, select, throwIfMissing: false, cancellationToken);

    /// <summary>
    /// Queries entities. Nothing is sent until the result is enumerated; pages (at most
    /// <paramref name="maxPerPage"/> entities, the service caps a page at 1,000) are fetched as enumeration reaches them.
    /// </summary>
    /// <param name="filter">An OData filter; build it with <see cref="CreateQueryFilter"/> when it contains values.</param>
    /// <param name="maxPerPage">Page size; null lets the service choose (1,000).</param>
    /// <param name="select">Properties to return; null returns all.</param>
    /// <param name="cancellationToken">Cancels the page requests.</param>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = SelectNameJustification)]
    public virtual AsyncPageable<T> QueryAsync<T>(
        string? filter = null,
        int? maxPerPage = null,
        IEnumerable<string>? select = null,
        CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
    {
        if (maxPerPage is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerPage), "maxPerPage must be positive.");
        }

        string? selectList = JoinSelect(select);
        return new TableQueryPageable<T>(
            (token, pageSizeHint, ct) => FetchPageAsync<T>(filter, pageSizeHint ?? maxPerPage, selectList, token, ct),
            cancellationToken);
    }

    /// <summary>Inserts a new entity.</summary>
    /// <exception cref="TableConcurrencyException">Status 409 (<c>EntityAlreadyExists</c>) when it already exists.</exception>
    public virtual async Task<Response> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        ValidateEntity(entity);
        using HttpMessage message = CreateMessage(RequestMethod.Post, "/" + Name);
        message.Request.Headers.SetValue(TableConstants.Headers.Prefer, TableConstants.ReturnNoContent);
        SetJsonContent(message.Request, TableEntityMapper.Serialize(entity));
        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 201 or 204 ? response : throw Failure(response, conflictIsConcurrency: true);
    }

    /// <summary>Inserts or updates an entity regardless of its current version.</summary>
    public virtual Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : ITableEntity =>
        WriteEntityAsync(entity, mode, ifMatch: null, cancellationToken);

    /// <summary>
    /// Updates an existing entity if its version still matches <paramref name="ifMatch"/>
    /// (<see cref="ETag.All"/> for any version).
    /// </summary>
    /// <exception cref="TableConcurrencyException">Status 412 when the entity changed since <paramref name="ifMatch"/> was read.</exception>
    public virtual Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("An ETag is required; pass ETag.All to update unconditionally.", nameof(ifMatch));
        }

        return WriteEntityAsync(entity, mode, ifMatch, cancellationToken);
    }

    /// <summary>
    /// Deletes an entity; <paramref name="ifMatch"/> defaults to any version. A missing entity counts as success.
    /// </summary>
    /// <exception cref="TableConcurrencyException">Status 412 when the entity changed since <paramref name="ifMatch"/> was read.</exception>
    public virtual async Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        TableKeys.Validate(partitionKey, nameof(partitionKey));
        TableKeys.Validate(rowKey, nameof(rowKey));
        using HttpMessage message = CreateMessage(RequestMethod.Delete, EntityPath(partitionKey, rowKey));
        message.Request.Headers.SetValue(HttpHeader.Names.IfMatch, ifMatch == default ? ETag.All.ToString() : ifMatch.ToString());
        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is 204 or 404 ? response : throw Failure(response);
    }

    private async Task<NullableResponse<T>> GetEntityCoreAsync<T>(
        string partitionKey,
        string rowKey,
        IEnumerable<string>? select,
        bool throwIfMissing,
        CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        TableKeys.Validate(partitionKey, nameof(partitionKey));
        TableKeys.Validate(rowKey, nameof(rowKey));
        using HttpMessage message = CreateMessage(RequestMethod.Get, EntityPath(partitionKey, rowKey), TableConstants.MinimalMetadata);
        if (JoinSelect(select) is { } selectList)
        {
            message.Request.Uri.AppendQuery("$select", selectList);
        }

        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404 && !throwIfMissing)
        {
            return new TableNullableResponse<T>(null, response);
        }

        if (response.Status != 200)
        {
            throw Failure(response);
        }

        using JsonDocument document = JsonDocument.Parse(response.Content);
        T entity = TableEntityMapper.Deserialize<T>(document.RootElement);
        if (entity.ETag == default && response.Headers.ETag is { } etag)
        {
            entity.ETag = etag;
        }

        return new TableNullableResponse<T>(entity, response);
    }

    private async Task<Page<T>> FetchPageAsync<T>(string? filter, int? top, string? select, string? continuationToken, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        using HttpMessage message = CreateMessage(RequestMethod.Get, $"/{Name}()", TableConstants.MinimalMetadata);
        RequestUriBuilder uri = message.Request.Uri;
        if (!string.IsNullOrEmpty(filter))
        {
            uri.AppendQuery("$filter", filter);
        }

        if (top is { } pageSize)
        {
            uri.AppendQuery("$top", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (select is not null)
        {
            uri.AppendQuery("$select", select);
        }

        if (continuationToken is not null)
        {
            (string nextPartitionKey, string? nextRowKey) = TableQueryPageable<T>.FromContinuationToken(continuationToken);
            uri.AppendQuery("NextPartitionKey", nextPartitionKey);
            if (nextRowKey is not null)
            {
                uri.AppendQuery("NextRowKey", nextRowKey);
            }
        }

        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw Failure(response);
        }

        var entities = new List<T>();
        using (JsonDocument document = JsonDocument.Parse(response.Content))
        {
            if (document.RootElement.TryGetProperty("value", out JsonElement values))
            {
                foreach (JsonElement item in values.EnumerateArray())
                {
                    entities.Add(TableEntityMapper.Deserialize<T>(item));
                }
            }
        }

        response.Headers.TryGetValue(TableConstants.Headers.NextPartitionKey, out string? nextPk);
        response.Headers.TryGetValue(TableConstants.Headers.NextRowKey, out string? nextRk);
        return Page<T>.FromValues(entities, TableQueryPageable<T>.ToContinuationToken(nextPk, nextRk), response);
    }

    private async Task<Response> WriteEntityAsync<T>(T entity, TableUpdateMode mode, ETag? ifMatch, CancellationToken cancellationToken)
        where T : ITableEntity
    {
        ValidateEntity(entity);
        RequestMethod method = mode switch
        {
            TableUpdateMode.Merge => Merge,
            TableUpdateMode.Replace => RequestMethod.Put,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };

        using HttpMessage message = CreateMessage(method, EntityPath(entity.PartitionKey, entity.RowKey));
        if (ifMatch is { } etag)
        {
            // Without If-Match, PUT/MERGE are upserts; with it, they only update the matching version.
            message.Request.Headers.SetValue(HttpHeader.Names.IfMatch, etag.ToString());
        }

        SetJsonContent(message.Request, TableEntityMapper.Serialize(entity));
        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status == 204 ? response : throw Failure(response);
    }

    private HttpMessage CreateMessage(RequestMethod method, string path, string accept = TableConstants.NoMetadata)
    {
        HttpMessage message = _pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = method;
        request.Uri.Reset(_serviceEndpoint);
        request.Uri.AppendPath(path, escape: false);
        if (_sas is not null)
        {
            AppendSas(request.Uri, _sas);
        }

        request.Headers.SetValue(TableConstants.Headers.Version, TableConstants.ServiceVersion);
        request.Headers.SetValue(TableConstants.Headers.DataServiceVersion, DataServiceVersion);
        request.Headers.SetValue(HttpHeader.Names.Accept, accept);
        return message;
    }

    private async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    private string EntityPath(string partitionKey, string rowKey) => "/" + Name + TableKeys.EntityPathSegment(partitionKey, rowKey);

    private static void SetJsonContent(Request request, byte[] body)
    {
        request.Headers.SetValue(HttpHeader.Names.ContentType, TableConstants.JsonContentType);
        request.Content = RequestContent.Create(body);
    }

    /// <summary>The SAS is already URL-encoded as issued; re-encoding it would break the signature.</summary>
    private static void AppendSas(RequestUriBuilder uri, string sas)
    {
        foreach (string pair in sas.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            uri.AppendQuery(equals < 0 ? pair : pair[..equals], equals < 0 ? string.Empty : pair[(equals + 1)..], escapeValue: false);
        }
    }

    private static string? JoinSelect(IEnumerable<string>? select) =>
        select is null ? null : string.Join(",", select) is { Length: > 0 } joined ? joined : null;

    private static void ValidateEntity(ITableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        TableKeys.Validate(entity.PartitionKey, "PartitionKey");
        TableKeys.Validate(entity.RowKey, "RowKey");
    }

    /// <summary>Table names: alphanumeric, starting with a letter, 3–63 characters (service rule, checked early).</summary>
    private static void ValidateTableName(string tableName)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        if (tableName.Length is < 3 or > 63 || !char.IsAsciiLetter(tableName[0]) || !tableName.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException(
                $"'{tableName}' is not a valid table name: use 3-63 letters and digits, starting with a letter.", nameof(tableName));
        }
    }

    /// <summary>
    /// Stale ETags (412) and, for adds, existing entities (409) become <see cref="TableConcurrencyException"/>
    /// so callers can handle them apart from real failures. The message is built from the response only,
    /// never from the request, so it cannot carry the Authorization header.
    /// </summary>
    private static RequestFailedException Failure(Response response, bool conflictIsConcurrency = false) =>
        response.Status == 412 || (conflictIsConcurrency && response.Status == 409)
            ? new TableConcurrencyException(response)
            : new RequestFailedException(response, innerException: null, TableErrorParser.Instance);
}
