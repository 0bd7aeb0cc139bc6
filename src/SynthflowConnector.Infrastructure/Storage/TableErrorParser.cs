using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;

namespace SynthflowConnector.Storage;

/// <summary>
/// Reads the Table service's error shapes into Azure.Core's <see cref="ResponseError"/>, so
/// <see cref="RequestFailedException.ErrorCode"/> is e.g. <c>UpdateConditionNotSatisfied</c>.
/// JSON bodies look like <c>{"odata.error":{"code":"…","message":{"lang":"en-US","value":"…"}}}</c>;
/// some front-end failures (authentication) come back as XML <c>&lt;Error&gt;&lt;Code&gt;</c>; HEAD
/// responses only have the <c>x-ms-error-code</c> header.
/// </summary>
internal sealed class TableErrorParser : RequestFailedDetailsParser
{
    public static TableErrorParser Instance { get; } = new();

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        ArgumentNullException.ThrowIfNull(response);
        data = null;
        string? code = response.Headers.TryGetValue(TableConstants.Headers.ErrorCode, out string? header) ? header : null;
        string? message = null;

        BinaryData? content = TryGetContent(response);
        if (content is not null && !content.IsEmpty)
        {
            (string? bodyCode, message) = ReadJson(content) ?? ReadXml(content) ?? (null, null);
            code ??= bodyCode;
        }

        error = code is null && message is null ? null : new ResponseError(code, message);
        return error is not null;
    }

    private static BinaryData? TryGetContent(Response response)
    {
        try
        {
            return response.Content;
        }
        catch (InvalidOperationException)
        {
            // Unbuffered (streamed) content cannot be read here; the status and header still explain the failure.
            return null;
        }
    }

    private static (string? Code, string? Message)? ReadJson(BinaryData content)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(content);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("odata.error", out JsonElement error))
            {
                return null;
            }

            string? code = error.TryGetProperty("code", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            string? message = null;
            if (error.TryGetProperty("message", out JsonElement m))
            {
                message = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out JsonElement v) ? v.GetString()
                    : m.ValueKind == JsonValueKind.String ? m.GetString()
                    : null;
            }

            return (code, message);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (string? Code, string? Message)? ReadXml(BinaryData content)
    {
        try
        {
            XElement root = XElement.Parse(content.ToString());
            string? code = root.Elements().FirstOrDefault(e => e.Name.LocalName is "Code" or "code")?.Value;
            string? message = root.Elements().FirstOrDefault(e => e.Name.LocalName is "Message" or "message")?.Value;
            return code is null && message is null ? null : (code, message);
        }
        catch (XmlException)
        {
            return null;
        }
    }
}
