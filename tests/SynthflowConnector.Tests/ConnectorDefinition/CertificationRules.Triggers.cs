using System.Text.Json;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>The webhook-trigger rules (Power Platform's webhook triggers: subscribe, notify, delete).</summary>
public static partial class CertificationRules
{
    public const string WebhookTriggerRule = "Webhook triggers: internal notification URL, 201 with Location, an internal delete at that Location, labelled notification content";

    private static IEnumerable<string> WebhookTriggers(ConnectorDefinitionFolder d)
    {
        foreach (var trigger in d.Operations.Where(o => o.Element.TryGetProperty("x-ms-trigger", out _)))
        {
            if (ConnectorDefinitionFolder.Text(trigger.Element, "x-ms-trigger") is not ("single" or "batch"))
            {
                yield return $"{trigger.Name}: x-ms-trigger must be single or batch";
            }

            var body = d.BodySchema(trigger);
            var notificationUrls = body is { } schema && schema.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Where(p => p.Value.TryGetProperty("x-ms-notification-url", out var flag) && flag.ValueKind == JsonValueKind.True).ToList()
                : [];
            if (notificationUrls is not [var url])
            {
                yield return $"{trigger.Name}: exactly one body property carries x-ms-notification-url: true, found {notificationUrls.Count}";
            }
            else
            {
                if (ConnectorDefinitionFolder.Text(url.Value, "x-ms-visibility") != "internal")
                {
                    yield return $"{trigger.Name}: '{url.Name}' (the notification URL) must be x-ms-visibility internal";
                }

                var required = body!.Value.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()).ToList() : [];
                if (!required.Contains(url.Name))
                {
                    yield return $"{trigger.Name}: '{url.Name}' (the notification URL) must be required";
                }
            }

            var created = trigger.Responses().Where(x => x.Status == "201").Select(x => x.Element).FirstOrDefault();
            if (created.ValueKind != JsonValueKind.Object || !created.TryGetProperty("headers", out var headers) || !headers.TryGetProperty("Location", out _))
            {
                yield return $"{trigger.Name}: must answer 201 with a Location header (where the platform deletes the subscription)";
            }

            var delete = d.Operations.FirstOrDefault(o => o.Method == "delete" && o.Path.StartsWith(trigger.Path + "/{", StringComparison.Ordinal) && o.Path.Count(c => c == '/') == trigger.Path.Count(c => c == '/') + 1);
            if (delete is null)
            {
                yield return $"{trigger.Name}: needs a delete operation at {trigger.Path}/{{id}} (the Location it answers)";
            }
            else if (delete.Visibility != "internal")
            {
                yield return $"{trigger.Name}: its delete operation {delete.Name} must be internal";
            }

            if (!trigger.PathItem.TryGetProperty("x-ms-notification-content", out var content) || !content.TryGetProperty("schema", out var notification))
            {
                yield return $"{trigger.Name}: its path needs x-ms-notification-content with a schema (the flow's dynamic content)";
                continue;
            }

            if (ConnectorDefinitionFolder.Text(content, "description") is not { Length: > 0 })
            {
                yield return $"{trigger.Name}: x-ms-notification-content needs a description";
            }

            var nested = d.NestedProperties(notification).ToList();
            if (nested.Count == 0)
            {
                yield return $"{trigger.Name}: the notification schema declares no properties";
            }

            foreach (var (location, property) in nested)
            {
                foreach (var problem in LabelProblems(property))
                {
                    yield return $"{trigger.Name}: notification property '{location}' {problem}";
                }

                if (IsEmptySchema(property))
                {
                    yield return $"{trigger.Name}: notification property '{location}' has an empty schema";
                }
            }
        }
    }
}
