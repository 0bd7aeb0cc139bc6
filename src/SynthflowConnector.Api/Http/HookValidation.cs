using SynthflowConnector.Hooks;

namespace SynthflowConnector.Http;

/// <summary>Checks of the trigger's inputs shared by the subscription API and make-a-call's <c>webhookUrl</c>.</summary>
public static class HookValidation
{
    public const int MaxUrlLength = 2048;

    /// <summary>
    /// An absolute URL the connector may POST to (<see cref="CallbackUrlPolicy"/>: https only in live mode, no private,
    /// loopback, link-local or metadata address; sandbox mode also allows http to loopback).
    /// </summary>
    public static Uri? CallbackUrl(FieldErrors errors, string field, string? value, bool sandbox, bool required)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(field, $"'{field}' is required: an absolute https URL.");
            }

            return null;
        }

        if (value.Length > MaxUrlLength || !Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            errors.Add(field, $"'{field}' must be an absolute https URL of at most {MaxUrlLength} characters.");
            return null;
        }

        if (CallbackUrlPolicy.Check(url, sandbox) is { } why)
        {
            errors.Add(field, $"'{field}' is not allowed: {why}");
            return null;
        }

        return url;
    }
}
