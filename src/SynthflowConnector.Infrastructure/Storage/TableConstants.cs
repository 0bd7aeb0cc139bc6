namespace SynthflowConnector.Storage;

/// <summary>Wire-level names of the Table service REST protocol (OData v3 JSON).</summary>
internal static class TableConstants
{
    /// <summary>2019-02-02 is the first version that accepts Microsoft Entra (bearer) tokens for tables.</summary>
    public const string ServiceVersion = "2019-02-02";

    public const string StorageScope = "https://storage.azure.com/.default";

    public const string NoMetadata = "application/json;odata=nometadata";

    /// <summary>Returns <c>odata.etag</c> and <c>@odata.type</c> annotations, which reads need.</summary>
    public const string MinimalMetadata = "application/json;odata=minimalmetadata";

    public const string JsonContentType = "application/json";

    public const string ReturnNoContent = "return-no-content";

    public static class Headers
    {
        public const string Version = "x-ms-version";
        public const string Date = "x-ms-date";
        public const string DataServiceVersion = "DataServiceVersion";
        public const string Prefer = "Prefer";
        public const string ErrorCode = "x-ms-error-code";
        public const string NextPartitionKey = "x-ms-continuation-NextPartitionKey";
        public const string NextRowKey = "x-ms-continuation-NextRowKey";
    }

    public static class Properties
    {
        public const string PartitionKey = "PartitionKey";
        public const string RowKey = "RowKey";
        public const string Timestamp = "Timestamp";
        public const string ETag = "odata.etag";
        public const string TypeSuffix = "@odata.type";
        public const string ODataPrefix = "odata.";
    }

    public static class EdmTypes
    {
        public const string Int64 = "Edm.Int64";
        public const string Int32 = "Edm.Int32";
        public const string Double = "Edm.Double";
        public const string DateTime = "Edm.DateTime";
        public const string Guid = "Edm.Guid";
        public const string Binary = "Edm.Binary";
        public const string Boolean = "Edm.Boolean";
        public const string String = "Edm.String";
    }

    public static class ErrorCodes
    {
        public const string TableAlreadyExists = "TableAlreadyExists";
        public const string EntityAlreadyExists = "EntityAlreadyExists";
    }
}
