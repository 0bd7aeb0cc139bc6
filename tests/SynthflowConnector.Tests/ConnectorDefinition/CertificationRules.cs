using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SynthflowConnector.Calls;
using SynthflowConnector.Agents;
using SynthflowConnector.Http;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>One rule of <c>shared/docs/connector-rules.md</c> (or of the issue), and how to find what breaks it.</summary>
/// <param name="Name">How test output names the rule.</param>
/// <param name="Check">
/// The violations, each naming the operation (its operationId) or the file that breaks the rule; none when it holds.
/// </param>
public sealed record DefinitionRule(string Name, Func<ConnectorDefinitionFolder, IEnumerable<string>> Check)
{
    public override string ToString() => Name;
}

/// <summary>
/// The certification rules of the connector-rules page, one check each, plus the issue's own requirements on
/// dropdowns, enums and the idempotency header. Pure functions of the folder's files.
/// </summary>
public static partial class CertificationRules
{
    /// <summary>Minor words Title Case leaves in lower case (never first or last).</summary>
    private static readonly HashSet<string> MinorWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "per", "the", "to", "with",
    };

    /// <summary>Capitalised words a sentence-case summary may contain: names, not Title Case.</summary>
    private static readonly HashSet<string> ProperNouns = new(StringComparer.Ordinal) { "Synthflow" };

    /// <summary>Power Platform product names, and the service we do not own: neither may name the connector.</summary>
    private static readonly string[] ProductNames =
        ["Power Automate", "Power Apps", "Power Platform", "Logic Apps", "Copilot Studio", "Microsoft", "Flow", "Azure", "Synthflow"];

    /// <summary>The categories Power Platform accepts in <c>x-ms-connector-metadata</c>.</summary>
    private static readonly HashSet<string> Categories = new(StringComparer.Ordinal)
    {
        "AI", "Business Management", "Business Intelligence", "Collaboration", "Commerce", "Communication",
        "Content and Files", "Data", "Finance", "Human Resources", "Internet of Things", "IT Operations",
        "Lifestyle and Entertainment", "Marketing", "Productivity", "Sales and CRM", "Security", "Social Media", "Website",
    };

    private static readonly string[] ReadmeSections =
        ["Publisher", "Prerequisites", "Supported Operations", "Obtaining Credentials", "Getting Started", "Known Issues and Limitations", "Deployment Instructions"];

    private static readonly string[] Visibilities = ["important", "advanced", "internal"];

    private static readonly string[] DynamicValuesKeys = ["operationId", "value-collection", "value-path", "value-title", "parameters"];

    private const string Swagger = ConnectorDefinitionFolder.SwaggerFile;
    private const string ApiProperties = ConnectorDefinitionFolder.ApiPropertiesFile;

    public static IReadOnlyList<DefinitionRule> All { get; } =
    [
        // Files
        new("Swagger 2.0 only", SwaggerTwoOnly),
        new("Host has no scheme, path or braces", HostIsBare),
        new("basePath starts with / and is the Functions prefix", BasePathIsPrefix),
        new("Schemes is https only", HttpsOnly),
        new("info.contact is given", ContactGiven),
        new("x-ms-connector-metadata has Website, Privacy policy and Categories", ConnectorMetadata),
        new("Definition is under 1 MB", UnderOneMegabyte),
        new("apiProperties has iconBrandColor and the expected keys but no stackOwner", ApiPropertiesShape),
        new("settings.json names every file paconn needs", PaconnSettings),
        new("icon.png is square, 100-230 px, on the brand colour", IconOnBrandColour),
        new("README has the certified-connector sections", ReadmeShape),
        new("No script.csx", NoScript),

        // Auth against Azure Functions
        new("Function key in the x-functions-key header, api_key a securestring", FunctionKeyAuth),
        new("The key is never injected by a setheader policy", NoSetHeaderForKey),
        new("Host chosen at connection time with dynamichosturl", HostChosenAtConnection),
        new("Logic Apps customApis: same swagger, serviceUrl ends with basePath", LogicAppsCustomApi),

        // Certification
        new("Title at most 30 characters without API, Connector or product names", TitleRule),
        new("Connector description 30-500 characters", DescriptionLength),
        new("operationId unique PascalCase alphanumeric", OperationIds),
        new("Summary in sentence case, at most 80 characters, no slash, ending in a letter or digit", Summaries),
        new("Operation description is a full sentence ending with a period", OperationDescriptions),
        new("x-ms-visibility on every operation", VisibilityOnEveryOperation),
        new("Actions read as their verb, triggers read When", ActionWording),
        new("Every parameter and response property has a Title Case x-ms-summary and a description", SummariesAndDescriptions),
        new("Path parameters are required and single URL-encoded", PathParameters),
        new("GET has no body; an operation with a body declares consumes", BodiesAndConsumes),
        new("One success response with a schema; default has a description and no schema; no empty schemas", Responses),
        new("Dropdowns use complete x-ms-dynamic-values backed by internal list operations", Dropdowns),
        new("Paging uses x-ms-pageable with nextLink", Paging),

        // The issue's own requirements
        new("Every action's agent is a dropdown of the outbound agents", AgentDropdowns),
        new("Caller ID and detached number are dropdowns of the agent's attached numbers", AttachedNumberDropdowns),
        new("Input enums have x-ms-enum-values display names", EnumDisplayNames),
        new("Idempotency-Key is an advanced header that says what to pass", IdempotencyKeyHeader),
        new(WebhookTriggerRule, WebhookTriggers),
    ];

    public static DefinitionRule Named(string name) => All.Single(rule => rule.Name == name);

    // ---- Files ----

    private static IEnumerable<string> SwaggerTwoOnly(ConnectorDefinitionFolder d)
    {
        if (ConnectorDefinitionFolder.Text(d.Swagger, "swagger") != "2.0")
        {
            yield return $"{Swagger}: 'swagger' must be \"2.0\"";
        }

        if (d.Swagger.TryGetProperty("openapi", out _))
        {
            yield return $"{Swagger}: 'openapi' (OpenAPI 3) is not accepted by Power Platform";
        }
    }

    private static IEnumerable<string> HostIsBare(ConnectorDefinitionFolder d)
    {
        var host = ConnectorDefinitionFolder.Text(d.Swagger, "host");
        if (host is null || !HostPattern().IsMatch(host))
        {
            yield return $"{Swagger}: host '{host}' must be a bare host name (and port): no scheme, path or braces";
        }
    }

    private static IEnumerable<string> BasePathIsPrefix(ConnectorDefinitionFolder d)
    {
        if (!d.BasePath.StartsWith('/'))
        {
            yield return $"{Swagger}: basePath '{d.BasePath}' must start with /";
        }

        if (d.BasePath != "/" + ConnectorRoutes.Prefix)
        {
            yield return $"{Swagger}: basePath '{d.BasePath}' must be the hosts' route prefix /{ConnectorRoutes.Prefix}";
        }
    }

    private static IEnumerable<string> HttpsOnly(ConnectorDefinitionFolder d)
    {
        var schemes = d.Swagger.TryGetProperty("schemes", out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(s => s.GetString()).ToList()
            : [];
        if (schemes is not ["https"])
        {
            yield return $"{Swagger}: schemes must be [\"https\"], found [{string.Join(", ", schemes)}]";
        }
    }

    private static IEnumerable<string> ContactGiven(ConnectorDefinitionFolder d)
    {
        if (!d.Swagger.TryGetProperty("info", out var info) || !info.TryGetProperty("contact", out var contact)
            || ConnectorDefinitionFolder.Text(contact, "name") is not { Length: > 0 }
            || (ConnectorDefinitionFolder.Text(contact, "url") is null && ConnectorDefinitionFolder.Text(contact, "email") is null))
        {
            yield return $"{Swagger}: info.contact needs a name and a url or email";
        }
        else if (ConnectorDefinitionFolder.Text(contact, "url") is { } url && !IsHttpsUrl(url))
        {
            yield return $"{Swagger}: info.contact.url '{url}' must be an absolute https URL";
        }
    }

    private static IEnumerable<string> ConnectorMetadata(ConnectorDefinitionFolder d)
    {
        var entries = d.Swagger.TryGetProperty("x-ms-connector-metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Array
            ? metadata.EnumerateArray().ToDictionary(
                entry => ConnectorDefinitionFolder.Text(entry, "propertyName") ?? string.Empty,
                entry => ConnectorDefinitionFolder.Text(entry, "propertyValue") ?? string.Empty,
                StringComparer.Ordinal)
            : [];
        foreach (var name in new[] { "Website", "Privacy policy" })
        {
            if (!entries.TryGetValue(name, out var url) || !IsHttpsUrl(url))
            {
                yield return $"{Swagger}: x-ms-connector-metadata needs '{name}' with an absolute https URL";
            }
        }

        if (!entries.TryGetValue("Categories", out var categories) || categories.Length == 0)
        {
            yield return $"{Swagger}: x-ms-connector-metadata needs 'Categories'";
        }
        else
        {
            foreach (var category in categories.Split(';').Where(c => !Categories.Contains(c)))
            {
                yield return $"{Swagger}: category '{category}' is not one Power Platform knows";
            }
        }
    }

    private static IEnumerable<string> UnderOneMegabyte(ConnectorDefinitionFolder d)
    {
        if (d.SwaggerBytes >= 1024 * 1024)
        {
            yield return $"{Swagger}: {d.SwaggerBytes} bytes; the limit is 1 MB";
        }
    }

    private static IEnumerable<string> ApiPropertiesShape(ConnectorDefinitionFolder d)
    {
        if (!d.ApiProperties.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            yield return $"{ApiProperties}: the root must be {{\"properties\": {{…}}}}";
            yield break;
        }

        var colour = ConnectorDefinitionFolder.Text(properties, "iconBrandColor");
        if (colour is null || !BrandColourPattern().IsMatch(colour) || colour.Equals("#ffffff", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{ApiProperties}: iconBrandColor '{colour}' must be a #rrggbb colour other than white";
        }

        foreach (var (key, kind) in new[] { ("connectionParameters", JsonValueKind.Object), ("capabilities", JsonValueKind.Array), ("policyTemplateInstances", JsonValueKind.Array), ("publisher", JsonValueKind.String) })
        {
            if (!properties.TryGetProperty(key, out var value) || value.ValueKind != kind || (kind == JsonValueKind.String && value.GetString()!.Length == 0))
            {
                yield return $"{ApiProperties}: properties.{key} must be a {kind.ToString().ToLowerInvariant()}";
            }
        }

        if (properties.TryGetProperty("stackOwner", out _))
        {
            yield return $"{ApiProperties}: properties.stackOwner must not be set (it blocks updates)";
        }
    }

    private static IEnumerable<string> PaconnSettings(ConnectorDefinitionFolder d)
    {
        foreach (var key in new[] { "connectorId", "apiProperties", "apiDefinition", "icon", "powerAppsUrl", "powerAppsApiVersion" })
        {
            if (!d.Settings.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.String)
            {
                yield return $"{ConnectorDefinitionFolder.SettingsFile}: '{key}' is missing";
            }
        }

        foreach (var (key, expected) in new[] { ("apiProperties", ConnectorDefinitionFolder.ApiPropertiesFile), ("apiDefinition", ConnectorDefinitionFolder.SwaggerFile), ("icon", ConnectorDefinitionFolder.IconFile) })
        {
            var file = ConnectorDefinitionFolder.Text(d.Settings, key);
            if (file is not null && (file != expected || !d.Files.Contains(file)))
            {
                yield return $"{ConnectorDefinitionFolder.SettingsFile}: '{key}' must name {expected}, next to it";
            }
        }

        if (ConnectorDefinitionFolder.Text(d.Settings, "powerAppsUrl") is { } url && !IsHttpsUrl(url))
        {
            yield return $"{ConnectorDefinitionFolder.SettingsFile}: powerAppsUrl must be an https URL";
        }
    }

    private static IEnumerable<string> IconOnBrandColour(ConnectorDefinitionFolder d)
    {
        PngImage icon;
        string? error = null;
        try
        {
            icon = PngImage.Decode(d.Icon);
        }
        catch (InvalidDataException exception)
        {
            icon = null!;
            error = exception.Message;
        }

        if (error is not null)
        {
            yield return $"{ConnectorDefinitionFolder.IconFile}: {error}";
            yield break;
        }

        if (icon.Width != icon.Height || icon.Width is < 100 or > 230)
        {
            yield return $"{ConnectorDefinitionFolder.IconFile}: {icon.Width}x{icon.Height}; it must be square, 100 to 230 px";
        }

        var colour = d.ApiProperties.TryGetProperty("properties", out var properties) ? ConnectorDefinitionFolder.Text(properties, "iconBrandColor") : null;
        if (colour is null || !BrandColourPattern().IsMatch(colour))
        {
            yield return $"{ConnectorDefinitionFolder.IconFile}: no iconBrandColor to compare the background with";
            yield break;
        }

        var brand = (byte.Parse(colour[1..3], NumberStyles.HexNumber, CultureInfo.InvariantCulture), byte.Parse(colour[3..5], NumberStyles.HexNumber, CultureInfo.InvariantCulture), byte.Parse(colour[5..7], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        foreach (var (x, y) in new[] { (0, 0), (icon.Width - 1, 0), (0, icon.Height - 1), (icon.Width - 1, icon.Height - 1) })
        {
            if (icon.Pixel(x, y) != brand)
            {
                yield return $"{ConnectorDefinitionFolder.IconFile}: pixel ({x}, {y}) is {icon.Pixel(x, y)}, not the brand colour {colour}";
            }
        }
    }

    private static IEnumerable<string> ReadmeShape(ConnectorDefinitionFolder d)
    {
        var lines = d.Readme.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var title = lines.FindIndex(line => line.StartsWith("# ", StringComparison.Ordinal));
        var firstSection = lines.FindIndex(line => line.StartsWith("## ", StringComparison.Ordinal));
        var description = title >= 0 && firstSection > title ? string.Join(" ", lines.Skip(title + 1).Take(firstSection - title - 1)).Trim() : string.Empty;
        if (description.Length < 30)
        {
            yield return $"{ConnectorDefinitionFolder.ReadmeFile}: needs a title and a description before the first section";
        }

        var headings = lines.Where(line => line.StartsWith("## ", StringComparison.Ordinal)).Select(line => line[3..].Trim()).ToList();
        foreach (var section in ReadmeSections)
        {
            if (!headings.Any(heading => heading.StartsWith(section, StringComparison.OrdinalIgnoreCase)))
            {
                yield return $"{ConnectorDefinitionFolder.ReadmeFile}: section '## {section}' is missing";
            }
        }

        foreach (var operation in d.Operations.Where(o => o.Visibility != "internal" && o.Summary is not null))
        {
            if (!lines.Any(line => line.StartsWith("### ", StringComparison.Ordinal) && line[4..].Trim() == operation.Summary))
            {
                yield return $"{operation.Name}: README lists no '### {operation.Summary}' under Supported Operations";
            }
        }
    }

    private static IEnumerable<string> NoScript(ConnectorDefinitionFolder d)
    {
        if (d.Files.Contains("script.csx", StringComparer.OrdinalIgnoreCase))
        {
            yield return "script.csx: custom code is unsupported in some Logic Apps paths; nothing needs it";
        }
    }

    // ---- Auth ----

    private static IEnumerable<string> FunctionKeyAuth(ConnectorDefinitionFolder d)
    {
        var definitions = d.Swagger.TryGetProperty("securityDefinitions", out var value) && value.ValueKind == JsonValueKind.Object
            ? value.EnumerateObject().ToList()
            : [];
        if (definitions is not [var only] || ConnectorDefinitionFolder.Text(only.Value, "type") != "apiKey"
            || ConnectorDefinitionFolder.Text(only.Value, "in") != "header" || ConnectorDefinitionFolder.Text(only.Value, "name") != ConnectorApiKey.HeaderName)
        {
            yield return $"{Swagger}: securityDefinitions must be one apiKey in the '{ConnectorApiKey.HeaderName}' header";
            yield break;
        }

        var security = d.Swagger.TryGetProperty("security", out var value2) ? value2 : default;
        var requirements = security.ValueKind == JsonValueKind.Array ? security.EnumerateArray().ToList() : [];
        if (requirements is not [var requirement] || requirement.ValueKind != JsonValueKind.Object
            || requirement.EnumerateObject().ToList() is not [var scheme] || scheme.Name != only.Name
            || scheme.Value.ValueKind != JsonValueKind.Array || scheme.Value.GetArrayLength() != 0)
        {
            yield return $"{Swagger}: security must be [{{\"{only.Name}\": []}}], found {(security.ValueKind == JsonValueKind.Undefined ? "none" : security.GetRawText())}";
        }

        foreach (var operation in d.Operations.Where(o => o.Element.TryGetProperty("security", out _)))
        {
            yield return $"{operation.Name}: overrides security; every action needs the function key";
        }

        var apiKey = d.ApiProperties.TryGetProperty("properties", out var properties)
            && properties.TryGetProperty("connectionParameters", out var parameters)
            && parameters.TryGetProperty("api_key", out var key) ? key : default;
        if (ConnectorDefinitionFolder.Text(apiKey, "type") != "securestring")
        {
            yield return $"{ApiProperties}: connectionParameters.api_key must be of type securestring";
        }
    }

    private static IEnumerable<string> NoSetHeaderForKey(ConnectorDefinitionFolder d)
    {
        foreach (var policy in Policies(d).Where(p => ConnectorDefinitionFolder.Text(p, "templateId") == "setheader"))
        {
            var name = policy.TryGetProperty("parameters", out var parameters) ? ConnectorDefinitionFolder.Text(parameters, "x-ms-apimTemplateParameter.name") : null;
            if (string.Equals(name, ConnectorApiKey.HeaderName, StringComparison.OrdinalIgnoreCase))
            {
                yield return $"{ApiProperties}: a setheader policy sets {name}: the header would be doubled and the host answers 401";
            }
        }

        foreach (var operation in d.Operations)
        {
            foreach (var parameter in d.Parameters(operation).Where(p => string.Equals(ConnectorDefinitionFolder.Name(p), ConnectorApiKey.HeaderName, StringComparison.OrdinalIgnoreCase)))
            {
                yield return $"{operation.Name}: declares {ConnectorDefinitionFolder.Name(parameter)} as a parameter; the connection sends it";
            }
        }
    }

    private static IEnumerable<string> HostChosenAtConnection(ConnectorDefinitionFolder d)
    {
        var templates = Policies(d).Where(p => ConnectorDefinitionFolder.Text(p, "templateId") == "dynamichosturl").ToList();
        if (templates is not [var policy])
        {
            yield return $"{ApiProperties}: needs one dynamichosturl policy so each connection names its Function App";
            yield break;
        }

        if (policy.TryGetProperty("parameters", out var p) && p.TryGetProperty("x-ms-apimTemplate-operationName", out _))
        {
            yield return $"{ApiProperties}: the dynamichosturl policy must apply to every operation";
        }

        var template = policy.TryGetProperty("parameters", out var parameters) ? ConnectorDefinitionFolder.Text(parameters, "x-ms-apimTemplateParameter.urlTemplate") : null;
        if (template is null || !template.StartsWith("https://", StringComparison.Ordinal))
        {
            yield return $"{ApiProperties}: the urlTemplate '{template}' must start with https://";
            yield break;
        }

        // The policy replaces the base path too, so the template must end with it.
        if (!template.EndsWith(d.BasePath, StringComparison.Ordinal))
        {
            yield return $"{ApiProperties}: the urlTemplate '{template}' must end with the basePath {d.BasePath} (dynamichosturl replaces it)";
        }

        var connectionParameters = d.ApiProperties.GetProperty("properties").TryGetProperty("connectionParameters", out var cp) ? cp : default;
        var used = ConnectionParameterReference().Matches(template).Select(m => m.Groups[1].Value).ToList();
        if (used.Count == 0)
        {
            yield return $"{ApiProperties}: the urlTemplate must use @connectionParameters('…')";
        }

        foreach (var name in used)
        {
            var parameter = connectionParameters.ValueKind == JsonValueKind.Object && connectionParameters.TryGetProperty(name, out var found) ? found : default;
            if (ConnectorDefinitionFolder.Text(parameter, "type") != "string"
                || !parameter.TryGetProperty("uiDefinition", out var ui) || ConnectorDefinitionFolder.Text(ui, "description") is null
                || !ui.TryGetProperty("constraints", out var constraints) || ConnectorDefinitionFolder.Text(constraints, "required") != "true")
            {
                yield return $"{ApiProperties}: connection parameter '{name}' must be a required, described string";
            }
        }
    }

    private static IEnumerable<string> LogicAppsCustomApi(ConnectorDefinitionFolder d)
    {
        const string file = ConnectorDefinitionFolder.LogicAppsTemplateFile;
        var template = d.LogicAppsTemplate;
        var customApis = template.TryGetProperty("resources", out var resources)
            ? resources.EnumerateArray().Where(r => ConnectorDefinitionFolder.Text(r, "type") == "Microsoft.Web/customApis").ToList()
            : [];
        if (customApis is not [var customApi] || !customApi.TryGetProperty("properties", out var properties))
        {
            yield return $"{file}: needs one Microsoft.Web/customApis resource";
            yield break;
        }

        var serviceUrl = properties.TryGetProperty("backendService", out var backend) ? ConnectorDefinitionFolder.Text(backend, "serviceUrl") : null;
        var evaluated = serviceUrl is null ? null : ArmExpressions.EvaluateString(serviceUrl, template, "func-example.azurewebsites.net");
        if (evaluated is null || !Uri.TryCreate(evaluated, UriKind.Absolute, out var uri) || uri.Scheme != "https" || uri.AbsolutePath != d.BasePath)
        {
            yield return $"{file}: backendService.serviceUrl '{serviceUrl}' must be https://<host>{d.BasePath} (it must end with the basePath)";
        }

        var definition = template.TryGetProperty("variables", out var variables) && variables.TryGetProperty("definition", out var embedded) ? embedded : default;
        if (definition.ValueKind != JsonValueKind.Object || !JsonElement.DeepEquals(definition, d.Swagger))
        {
            yield return $"{file}: variables.definition must be exactly {Swagger}";
        }

        var swagger = ConnectorDefinitionFolder.Text(properties, "swagger");
        if (swagger is null || !swagger.Contains("variables('definition')", StringComparison.Ordinal))
        {
            yield return $"{file}: properties.swagger must be built from variables('definition')";
        }

        foreach (var text in Strings(d.Swagger).Where(s => s.StartsWith('[')))
        {
            yield return $"{Swagger}: the text '{text}' starts with '[', which ARM would evaluate as an expression in {file}";
        }

        var apiKey = properties.TryGetProperty("connectionParameters", out var cp) && cp.TryGetProperty("api_key", out var key) ? key : default;
        if (ConnectorDefinitionFolder.Text(apiKey, "type") != "securestring")
        {
            yield return $"{file}: connectionParameters.api_key must be a securestring";
        }

        var brand = ConnectorDefinitionFolder.Text(d.ApiProperties.GetProperty("properties"), "iconBrandColor");
        if (!string.Equals(ConnectorDefinitionFolder.Text(properties, "brandColor"), brand, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{file}: brandColor must be the iconBrandColor {brand}";
        }
    }

    // ---- Certification ----

    private static IEnumerable<string> TitleRule(ConnectorDefinitionFolder d)
    {
        var title = d.Swagger.TryGetProperty("info", out var info) ? ConnectorDefinitionFolder.Text(info, "title") ?? string.Empty : string.Empty;
        if (title.Length is 0 or > 30)
        {
            yield return $"{Swagger}: title '{title}' must be 1 to 30 characters";
        }

        if (ApiWord().IsMatch(title) || title.Contains("connector", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{Swagger}: title '{title}' must not contain 'API' or 'Connector'";
        }

        foreach (var product in ProductNames.Where(p => Regex.IsMatch(title, $@"\b{Regex.Escape(p)}\b", RegexOptions.IgnoreCase)))
        {
            yield return $"{Swagger}: title '{title}' must not name the product '{product}'";
        }
    }

    private static IEnumerable<string> DescriptionLength(ConnectorDefinitionFolder d)
    {
        var description = d.Swagger.TryGetProperty("info", out var info) ? ConnectorDefinitionFolder.Text(info, "description") ?? string.Empty : string.Empty;
        if (description.Length is < 30 or > 500)
        {
            yield return $"{Swagger}: info.description has {description.Length} characters; it needs 30 to 500";
        }

        if (ApiWord().IsMatch(description))
        {
            yield return $"{Swagger}: info.description must not contain the word 'API'";
        }
    }

    private static IEnumerable<string> OperationIds(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            if (operation.OperationId is not { } id || !PascalCase().IsMatch(id))
            {
                yield return $"{operation.Name}: operationId '{operation.OperationId}' must be PascalCase letters and digits";
            }
        }

        foreach (var duplicate in d.Operations.GroupBy(o => o.OperationId, StringComparer.Ordinal).Where(g => g.Key is not null && g.Count() > 1))
        {
            yield return $"{duplicate.Key}: operationId used {duplicate.Count()} times";
        }
    }

    private static IEnumerable<string> Summaries(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            var summary = operation.Summary;
            if (string.IsNullOrWhiteSpace(summary))
            {
                yield return $"{operation.Name}: no summary";
                continue;
            }

            if (summary.Length > 80)
            {
                yield return $"{operation.Name}: summary has {summary.Length} characters; at most 80";
            }

            if (summary.Contains('/', StringComparison.Ordinal))
            {
                yield return $"{operation.Name}: summary '{summary}' contains '/'";
            }

            if (!char.IsLetterOrDigit(summary[^1]))
            {
                yield return $"{operation.Name}: summary '{summary}' must end with a letter or digit";
            }

            if (!IsSentenceCase(summary))
            {
                yield return $"{operation.Name}: summary '{summary}' is not in sentence case";
            }
        }
    }

    private static IEnumerable<string> OperationDescriptions(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            var description = operation.Description;
            if (description is null || !IsFullSentence(description))
            {
                yield return $"{operation.Name}: description '{description}' must be a full sentence starting with a capital and ending with a period";
            }
            else if (description.TrimEnd('.') == operation.Summary)
            {
                yield return $"{operation.Name}: description only repeats the summary";
            }
        }
    }

    private static IEnumerable<string> VisibilityOnEveryOperation(ConnectorDefinitionFolder d) =>
        d.Operations.Where(o => !Visibilities.Contains(o.Visibility))
            .Select(o => $"{o.Name}: x-ms-visibility '{o.Visibility}' must be important, advanced or internal");

    private static IEnumerable<string> ActionWording(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations.Where(o => o.Summary is { Length: > 0 } && o.OperationId is { Length: > 0 }))
        {
            var summary = operation.Summary!;
            if (operation.Element.TryGetProperty("x-ms-trigger", out _))
            {
                if (!summary.StartsWith("When ", StringComparison.Ordinal))
                {
                    yield return $"{operation.Name}: a trigger's summary reads 'When …', found '{summary}'";
                }

                continue;
            }

            var verb = PascalWords().Match(operation.OperationId!).Value;
            if (!summary.StartsWith(verb + " ", StringComparison.Ordinal))
            {
                yield return $"{operation.Name}: an action's summary starts with its verb ('{verb} …'), found '{summary}'";
            }

            if (operation.OperationId == "MakeCall" && summary != "Make a call")
            {
                yield return $"{operation.Name}: reads 'Make a call', found '{summary}'";
            }
        }
    }

    private static IEnumerable<string> SummariesAndDescriptions(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            foreach (var parameter in d.Parameters(operation))
            {
                var name = ConnectorDefinitionFolder.Name(parameter);
                foreach (var problem in LabelProblems(parameter))
                {
                    yield return $"{operation.Name}: parameter '{name}' {problem}";
                }

                if (ConnectorDefinitionFolder.In(parameter) == "body" && parameter.TryGetProperty("schema", out var schema))
                {
                    foreach (var (location, property) in d.NestedProperties(schema))
                    {
                        foreach (var problem in LabelProblems(property))
                        {
                            yield return $"{operation.Name}: body property '{location}' {problem}";
                        }
                    }
                }
            }

            foreach (var (status, element) in operation.Responses().Where(r => r.Element.TryGetProperty("schema", out _)))
            {
                foreach (var (location, property) in d.NestedProperties(element.GetProperty("schema")))
                {
                    foreach (var problem in LabelProblems(property))
                    {
                        yield return $"{operation.Name}: response {status} property '{location}' {problem}";
                    }
                }
            }
        }
    }

    private static IEnumerable<string> PathParameters(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            var declared = d.Parameters(operation).Where(p => ConnectorDefinitionFolder.In(p) == "path").ToList();
            foreach (var parameter in declared)
            {
                var name = ConnectorDefinitionFolder.Name(parameter);
                if (!parameter.TryGetProperty("required", out var required) || required.ValueKind != JsonValueKind.True)
                {
                    yield return $"{operation.Name}: path parameter '{name}' must be required: true";
                }

                if (ConnectorDefinitionFolder.Text(parameter, "x-ms-url-encoding") != "single")
                {
                    yield return $"{operation.Name}: path parameter '{name}' needs x-ms-url-encoding: \"single\"";
                }
            }

            foreach (Match placeholder in PathPlaceholder().Matches(operation.Path))
            {
                if (!declared.Any(p => ConnectorDefinitionFolder.Name(p) == placeholder.Groups[1].Value))
                {
                    yield return $"{operation.Name}: {{{placeholder.Groups[1].Value}}} has no path parameter";
                }
            }
        }
    }

    private static IEnumerable<string> BodiesAndConsumes(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            var hasBody = d.Parameters(operation).Any(p => ConnectorDefinitionFolder.In(p) is "body" or "formData");
            if (hasBody && operation.Method == "get")
            {
                yield return $"{operation.Name}: a GET must not have a body";
            }

            var consumes = operation.Element.TryGetProperty("consumes", out var value) && value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Select(c => c.GetString()).ToList()
                : [];
            if (hasBody && !consumes.Contains("application/json"))
            {
                yield return $"{operation.Name}: has a body, so it declares consumes [\"application/json\"]";
            }
        }
    }

    private static IEnumerable<string> Responses(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            var responses = operation.Responses().ToList();
            var withSchema = responses.Where(r => r.Element.TryGetProperty("schema", out _)).Select(r => r.Status).ToList();
            if (withSchema is not [("200" or "201" or "202")])
            {
                yield return $"{operation.Name}: exactly one success response (200, 201 or 202) carries a schema, found [{string.Join(", ", withSchema)}]";
            }

            var fallback = responses.Where(r => r.Status == "default").Select(r => r.Element).FirstOrDefault();
            if (fallback.ValueKind != JsonValueKind.Object || ConnectorDefinitionFolder.Text(fallback, "description") is not { Length: > 0 })
            {
                yield return $"{operation.Name}: needs a default response with a description";
            }

            foreach (var (status, element) in responses.Where(r => ConnectorDefinitionFolder.Text(r.Element, "description") is not { Length: > 0 }))
            {
                yield return $"{operation.Name}: response {status} has no description";
            }
        }

        foreach (var (where, schema) in AllSchemas(d))
        {
            if (IsEmptySchema(schema))
            {
                yield return $"{where}: empty schema";
            }
        }
    }

    private static IEnumerable<string> Dropdowns(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            foreach (var (input, dynamic) in DynamicInputs(d, operation))
            {
                var missing = DynamicValuesKeys.Where(key => !dynamic.TryGetProperty(key, out _)).ToList();
                if (missing.Count > 0)
                {
                    yield return $"{operation.Name}: '{input}' x-ms-dynamic-values lacks {string.Join(", ", missing)}";
                    continue;
                }

                var sourceId = ConnectorDefinitionFolder.Text(dynamic, "operationId");
                var source = d.Operations.FirstOrDefault(o => o.OperationId == sourceId);
                if (source is null)
                {
                    yield return $"{operation.Name}: '{input}' lists values from '{sourceId}', which does not exist";
                    continue;
                }

                if (source.Visibility != "internal")
                {
                    yield return $"{operation.Name}: '{input}' lists values from '{sourceId}', which must be internal";
                }

                foreach (var problem in DynamicValuesProblems(d, operation, source, dynamic))
                {
                    yield return $"{operation.Name}: '{input}' {problem}";
                }
            }
        }
    }

    private static IEnumerable<string> Paging(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            var hasNextLink = d.SuccessSchema(operation) is { } success
                && success.Schema.TryGetProperty("properties", out var properties) && properties.TryGetProperty("nextLink", out _);
            if (operation.Element.TryGetProperty("x-ms-pageable", out var pageable))
            {
                if (ConnectorDefinitionFolder.Text(pageable, "nextLinkName") != "nextLink" || !hasNextLink)
                {
                    yield return $"{operation.Name}: x-ms-pageable must be {{\"nextLinkName\": \"nextLink\"}} over a response with nextLink";
                }
            }
            else if (hasNextLink)
            {
                yield return $"{operation.Name}: answers a nextLink but has no x-ms-pageable";
            }
        }
    }

    // ---- The issue's own requirements ----

    private static IEnumerable<string> AgentDropdowns(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations.Where(o => o.OperationId != "ListAgents"))
        {
            foreach (var (input, _, schema) in Inputs(d, operation).Where(i => i.Name == "modelId"))
            {
                var dynamic = schema.TryGetProperty("x-ms-dynamic-values", out var value) ? value : default;
                var type = dynamic.ValueKind == JsonValueKind.Object && dynamic.TryGetProperty("parameters", out var p) && p.TryGetProperty("type", out var t) ? ConnectorDefinitionFolder.Text(t, "value") : null;
                if (ConnectorDefinitionFolder.Text(dynamic, "operationId") != "ListAgents" || type != "outbound"
                    || ConnectorDefinitionFolder.Text(dynamic, "value-path") != "modelId" || ConnectorDefinitionFolder.Text(dynamic, "value-title") != "name")
                {
                    yield return $"{operation.Name}: '{input}' must list the outbound agents (ListAgents with type outbound, modelId by name)";
                }
            }
        }
    }

    private static IEnumerable<string> AttachedNumberDropdowns(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            foreach (var (input, _, schema) in Inputs(d, operation).Where(i => i.Name is "fromPhoneNumber" || (i.Name == "slug" && i.In == "path")))
            {
                var dynamic = schema.TryGetProperty("x-ms-dynamic-values", out var value) ? value : default;
                var agent = dynamic.ValueKind == JsonValueKind.Object && dynamic.TryGetProperty("parameters", out var p) && p.TryGetProperty("modelId", out var m) ? ConnectorDefinitionFolder.Text(m, "parameter") : null;
                var path = input.EndsWith("slug", StringComparison.Ordinal) ? "slug" : "number";
                if (ConnectorDefinitionFolder.Text(dynamic, "operationId") != "ListAgentPhoneNumbers" || agent != "modelId"
                    || ConnectorDefinitionFolder.Text(dynamic, "value-collection") != "phoneNumbers" || ConnectorDefinitionFolder.Text(dynamic, "value-path") != path)
                {
                    yield return $"{operation.Name}: '{input}' must list the agent's attached numbers (ListAgentPhoneNumbers of the chosen modelId, by {path})";
                }
            }
        }
    }

    private static IEnumerable<string> EnumDisplayNames(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            foreach (var (input, _, schema) in Inputs(d, operation).Where(i => i.Schema.TryGetProperty("enum", out _)))
            {
                var values = schema.GetProperty("enum").EnumerateArray().Select(v => v.GetRawText()).ToList();
                var named = schema.TryGetProperty("x-ms-enum-values", out var display) && display.ValueKind == JsonValueKind.Array
                    ? display.EnumerateArray().ToList()
                    : [];
                if (named.Count != values.Count
                    || !named.Select(n => n.TryGetProperty("value", out var v) ? v.GetRawText() : null).SequenceEqual(values)
                    || named.Any(n => ConnectorDefinitionFolder.Text(n, "displayName") is not { Length: > 0 }))
                {
                    yield return $"{operation.Name}: enum '{input}' needs x-ms-enum-values with a displayName for each value, in order";
                }
            }
        }
    }

    private static IEnumerable<string> IdempotencyKeyHeader(ConnectorDefinitionFolder d)
    {
        var found = false;
        foreach (var operation in d.Operations)
        {
            foreach (var parameter in d.Parameters(operation).Where(p => ConnectorDefinitionFolder.Name(p) == ConnectorEndpoints.IdempotencyKeyHeader))
            {
                found = true;
                var description = ConnectorDefinitionFolder.Text(parameter, "description") ?? string.Empty;
                if (ConnectorDefinitionFolder.In(parameter) != "header" || ConnectorDefinitionFolder.Text(parameter, "x-ms-visibility") != "advanced"
                    || (parameter.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True))
                {
                    yield return $"{operation.Name}: {ConnectorEndpoints.IdempotencyKeyHeader} must be an optional header with x-ms-visibility advanced";
                }

                if (!description.Contains("run's ID", StringComparison.Ordinal) || !description.Contains("workflow()", StringComparison.Ordinal))
                {
                    yield return $"{operation.Name}: the {ConnectorEndpoints.IdempotencyKeyHeader} description must tell flow authors to pass the run's ID (workflow()…)";
                }
            }
        }

        if (!found)
        {
            yield return $"MakeCall: has no {ConnectorEndpoints.IdempotencyKeyHeader} header parameter";
        }
    }

    // ---- Helpers ----

    private static List<JsonElement> Policies(ConnectorDefinitionFolder d) =>
        d.ApiProperties.TryGetProperty("properties", out var properties) && properties.TryGetProperty("policyTemplateInstances", out var policies) && policies.ValueKind == JsonValueKind.Array
            ? [.. policies.EnumerateArray()]
            : [];

    /// <summary>An operation's inputs: non-body parameters, and the top-level properties of its body.</summary>
    internal static IEnumerable<(string Name, string In, JsonElement Schema)> Inputs(ConnectorDefinitionFolder d, SwaggerOperation operation)
    {
        foreach (var parameter in d.Parameters(operation))
        {
            if (ConnectorDefinitionFolder.In(parameter) != "body")
            {
                yield return (ConnectorDefinitionFolder.Name(parameter), ConnectorDefinitionFolder.In(parameter), parameter);
            }
            else if (parameter.TryGetProperty("schema", out var schema) && d.Resolve(schema).TryGetProperty("properties", out var properties))
            {
                foreach (var property in properties.EnumerateObject())
                {
                    yield return (property.Name, "body", d.Resolve(property.Value));
                }
            }
        }
    }

    private static IEnumerable<(string Input, JsonElement Dynamic)> DynamicInputs(ConnectorDefinitionFolder d, SwaggerOperation operation)
    {
        foreach (var parameter in d.Parameters(operation))
        {
            if (parameter.TryGetProperty("x-ms-dynamic-values", out var dynamic))
            {
                yield return (ConnectorDefinitionFolder.Name(parameter), dynamic);
            }

            if (ConnectorDefinitionFolder.In(parameter) == "body" && parameter.TryGetProperty("schema", out var schema))
            {
                foreach (var (location, property) in d.NestedProperties(schema).Where(p => p.Schema.TryGetProperty("x-ms-dynamic-values", out _)))
                {
                    yield return (location, property.GetProperty("x-ms-dynamic-values"));
                }
            }
        }
    }

    private static IEnumerable<string> DynamicValuesProblems(ConnectorDefinitionFolder d, SwaggerOperation operation, SwaggerOperation source, JsonElement dynamic)
    {
        var collection = ConnectorDefinitionFolder.Text(dynamic, "value-collection") ?? string.Empty;
        var items = d.SuccessSchema(source) is { } success ? ArrayItems(d, success.Schema, collection) : null;
        if (items is null)
        {
            yield return $"value-collection '{collection}' is not an array in {source.Name}'s answer";
        }
        else
        {
            foreach (var key in new[] { "value-path", "value-title" })
            {
                var property = ConnectorDefinitionFolder.Text(dynamic, key) ?? string.Empty;
                if (!items.Value.TryGetProperty("properties", out var properties) || !properties.TryGetProperty(property, out _))
                {
                    yield return $"{key} '{property}' is not a property of {source.Name}'s {collection} items";
                }
            }
        }

        var sourceInputs = Inputs(d, source).Where(i => i.In != "body").ToList();
        var ownInputs = Inputs(d, operation).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var given = dynamic.GetProperty("parameters");
        foreach (var argument in given.EnumerateObject())
        {
            if (!sourceInputs.Any(i => i.Name == argument.Name))
            {
                yield return $"passes '{argument.Name}', which {source.Name} does not take";
            }

            if (argument.Value.TryGetProperty("parameter", out var reference) && !ownInputs.Contains(reference.GetString()!))
            {
                yield return $"passes {argument.Name} from '{reference.GetString()}', which is not an input of {operation.Name}";
            }
            else if (!argument.Value.TryGetProperty("parameter", out _) && !argument.Value.TryGetProperty("value", out _))
            {
                yield return $"passes '{argument.Name}' with neither a value nor a parameter";
            }
        }

        foreach (var required in sourceInputs.Where(i => i.Schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True))
        {
            if (!given.TryGetProperty(required.Name, out _))
            {
                yield return $"does not pass {source.Name}'s required '{required.Name}'";
            }
        }
    }

    private static JsonElement? ArrayItems(ConnectorDefinitionFolder d, JsonElement schema, string collection)
    {
        var current = schema;
        foreach (var step in collection.Split('/'))
        {
            current = d.Resolve(current);
            if (!current.TryGetProperty("properties", out var properties) || !properties.TryGetProperty(step, out current))
            {
                return null;
            }
        }

        current = d.Resolve(current);
        return ConnectorDefinitionFolder.Text(current, "type") == "array" && current.TryGetProperty("items", out var items) ? d.Resolve(items) : null;
    }

    private static IEnumerable<string> LabelProblems(JsonElement schema)
    {
        var summary = ConnectorDefinitionFolder.Text(schema, "x-ms-summary");
        if (summary is null)
        {
            yield return "has no x-ms-summary";
        }
        else if (!IsTitleCase(summary))
        {
            yield return $"x-ms-summary '{summary}' is not in Title Case";
        }

        if (ConnectorDefinitionFolder.Text(schema, "description") is not { Length: > 0 })
        {
            yield return "has no description";
        }
    }

    private static IEnumerable<(string Where, JsonElement Schema)> AllSchemas(ConnectorDefinitionFolder d)
    {
        foreach (var operation in d.Operations)
        {
            foreach (var parameter in d.Parameters(operation).Where(p => p.TryGetProperty("schema", out _)))
            {
                var schema = parameter.GetProperty("schema");
                yield return ($"{operation.Name}: parameter '{ConnectorDefinitionFolder.Name(parameter)}'", schema);
                foreach (var (location, property) in d.NestedProperties(schema))
                {
                    yield return ($"{operation.Name}: body property '{location}'", property);
                }
            }

            foreach (var (status, element) in operation.Responses().Where(r => r.Element.TryGetProperty("schema", out _)))
            {
                yield return ($"{operation.Name}: response {status}", element.GetProperty("schema"));
            }
        }

        if (d.Swagger.TryGetProperty("definitions", out var definitions) && definitions.ValueKind == JsonValueKind.Object)
        {
            foreach (var definition in definitions.EnumerateObject())
            {
                yield return ($"{Swagger}: definition '{definition.Name}'", definition.Value);
                foreach (var (location, property) in d.NestedProperties(definition.Value))
                {
                    yield return ($"{Swagger}: definition '{definition.Name}' property '{location}'", property);
                }
            }
        }
    }

    private static bool IsEmptySchema(JsonElement schema) =>
        schema.ValueKind != JsonValueKind.Object
        || !new[] { "type", "$ref", "properties", "items", "allOf", "enum", "additionalProperties" }.Any(key => schema.TryGetProperty(key, out _))
        || (ConnectorDefinitionFolder.Text(schema, "type") == "object"
            && !schema.TryGetProperty("properties", out _) && !schema.TryGetProperty("additionalProperties", out _));

    private static IEnumerable<string> Strings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Object:
                foreach (var text in element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)))
                {
                    yield return text;
                }

                break;
            case JsonValueKind.Array:
                foreach (var text in element.EnumerateArray().SelectMany(Strings))
                {
                    yield return text;
                }

                break;
        }
    }

    internal static bool IsTitleCase(string text)
    {
        if (text.Length == 0 || text != text.Trim() || text.Contains("  ", StringComparison.Ordinal))
        {
            return false;
        }

        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var first = words[i].FirstOrDefault(char.IsLetter);
            var minor = i > 0 && i < words.Length - 1 && MinorWords.Contains(words[i]);
            if (first != default && !char.IsUpper(first) && !minor)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsSentenceCase(string text)
    {
        var words = text.Split(' ');
        if (words.Length == 0 || words[0].Length == 0 || !char.IsUpper(words[0][0]))
        {
            return false;
        }

        // After the first word, a capital starts only an acronym (ID, URL) or a name.
        return words.Skip(1).All(word =>
            word.Length == 0 || !char.IsUpper(word[0]) || ProperNouns.Contains(word.TrimEnd('\'', 's'))
            || word.Where(char.IsLetter).All(char.IsUpper));
    }

    private static bool IsFullSentence(string text) =>
        text.Length > 0 && char.IsUpper(text[0]) && text.EndsWith('.') && text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 4;

    private static bool IsHttpsUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;

    [GeneratedRegex(@"^[^{}/ :\\]+(?::\d+)?$")]
    private static partial Regex HostPattern();

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex BrandColourPattern();

    [GeneratedRegex(@"@connectionParameters\('([^']+)'\)")]
    private static partial Regex ConnectionParameterReference();

    [GeneratedRegex(@"\bAPI\b", RegexOptions.IgnoreCase)]
    private static partial Regex ApiWord();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex PascalCase();

    [GeneratedRegex("^[A-Z][a-z0-9]*")]
    private static partial Regex PascalWords();

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathPlaceholder();
}
