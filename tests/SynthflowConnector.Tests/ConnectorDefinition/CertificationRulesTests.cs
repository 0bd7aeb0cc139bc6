using System.Text.Json.Nodes;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// Every rule of the connector-rules page (and of the issue) holds for <c>connector-definition/</c>: one test case per
/// rule, failing with the rule and each operation that breaks it. Each rule is also shown to catch a copy of the
/// definition broken on purpose, so none of them passes vacuously.
/// </summary>
public sealed class CertificationRulesTests
{
    private static readonly ConnectorDefinitionFolder Definition = ConnectorDefinitionFolder.Load();

    public static TheoryData<string> Rules => [.. CertificationRules.All.Select(rule => rule.Name)];

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_connector_definition_follows_the_rule(string rule)
    {
        var violations = CertificationRules.Named(rule).Check(Definition).ToList();

        Assert.True(violations.Count == 0, $"Rule \"{rule}\" is broken by:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", violations)}");
    }

    /// <summary>For each rule: a definition that breaks it, and what the violation must name.</summary>
    private static readonly Dictionary<string, (Func<ConnectorDefinitionFolder, ConnectorDefinitionFolder> Break, string Names)> Broken = new(StringComparer.Ordinal)
    {
        ["Swagger 2.0 only"] = (d => d.WithSwagger(s => s["swagger"] = "3.0"), "apiDefinition.swagger.json"),
        ["Host has no scheme, path or braces"] = (d => d.WithSwagger(s => s["host"] = "https://{app}.azurewebsites.net/api"), "host"),
        ["basePath starts with / and is the Functions prefix"] = (d => d.WithSwagger(s => s["basePath"] = "api"), "basePath"),
        ["Schemes is https only"] = (d => d.WithSwagger(s => s["schemes"] = new JsonArray("http", "https")), "schemes"),
        ["info.contact is given"] = (d => d.WithSwagger(s => s["info"]!.AsObject().Remove("contact")), "info.contact"),
        ["x-ms-connector-metadata has Website, Privacy policy and Categories"] = (d => d.WithSwagger(s => s["x-ms-connector-metadata"]!.AsArray().RemoveAt(1)), "Privacy policy"),
        ["Definition is under 1 MB"] = (d => d with { SwaggerBytes = 2 * 1024 * 1024 }, "1 MB"),
        ["apiProperties has iconBrandColor and the expected keys but no stackOwner"] = (d => d.WithApiProperties(p => p["properties"]!["stackOwner"] = "Someone"), "stackOwner"),
        ["settings.json names every file paconn needs"] = (d => d.WithSettings(s => s.Remove("icon")), "'icon'"),
        ["icon.png is square, 100-230 px, on the brand colour"] = (d => d.WithApiProperties(p => p["properties"]!["iconBrandColor"] = "#000000"), "brand colour"),
        ["README has the certified-connector sections"] = (d => d with { Readme = d.Readme.Replace("## Known Issues and Limitations", "## Caveats", StringComparison.Ordinal) }, "Known Issues and Limitations"),
        ["No script.csx"] = (d => d with { Files = [.. d.Files, "script.csx"] }, "script.csx"),
        ["Function key in the x-functions-key header, api_key a securestring"] = (d => d.WithSwagger(s => s["securityDefinitions"]!["function_key"]!["name"] = "code"), "x-functions-key"),
        ["The key is never injected by a setheader policy"] = (d => d.WithApiProperties(p => p["properties"]!["policyTemplateInstances"]!.AsArray().Add(JsonNode.Parse("""
            {"templateId": "setheader", "title": "Key", "parameters": {"x-ms-apimTemplateParameter.name": "x-functions-key", "x-ms-apimTemplateParameter.value": "@connectionParameters('api_key')", "x-ms-apimTemplateParameter.existsAction": "override", "x-ms-apimTemplate-policySection": "Request"}}
            """))), "setheader"),
        ["Host chosen at connection time with dynamichosturl"] = (d => d.WithApiProperties(p => p["properties"]!["policyTemplateInstances"]![0]!["parameters"]!["x-ms-apimTemplateParameter.urlTemplate"] = "https://@connectionParameters('hostName')"), "basePath"),
        ["Logic Apps customApis: same swagger, serviceUrl ends with basePath"] = (d => d.WithLogicAppsTemplate(t => t["resources"]![0]!["properties"]!["backendService"]!["serviceUrl"] = "[concat('https://', parameters('functionAppHostName'))]"), "serviceUrl"),
        ["Title at most 30 characters without API, Connector or product names"] = (d => d.WithSwagger(s => s["info"]!["title"] = "Synthflow API"), "title"),
        ["Connector description 30-500 characters"] = (d => d.WithSwagger(s => s["info"]!["description"] = "Voice pools."), "info.description"),
        ["operationId unique PascalCase alphanumeric"] = (d => d.WithSwagger(s => Operation(s, "GetCall")["operationId"] = "get_call"), "get_call"),
        ["Summary in sentence case, at most 80 characters, no slash, ending in a letter or digit"] = (d => d.WithSwagger(s => Operation(s, "GetCall")["summary"] = "Get A Call."), "GetCall"),
        ["Operation description is a full sentence ending with a period"] = (d => d.WithSwagger(s => Operation(s, "GetCall")["description"] = "Gets a call"), "GetCall"),
        ["x-ms-visibility on every operation"] = (d => d.WithSwagger(s => Operation(s, "GetCall").Remove("x-ms-visibility")), "GetCall"),
        ["Actions read as their verb, triggers read When"] = (d => d.WithSwagger(s => Operation(s, "ListPhoneNumbers")["summary"] = "Workspace phone numbers"), "ListPhoneNumbers"),
        ["Every parameter and response property has a Title Case x-ms-summary and a description"] = (d => d.WithSwagger(s => BodyProperty(Operation(s, "MakeCall"), "phone")["x-ms-summary"] = "phone number"), "MakeCall: body property 'phone'"),
        ["Path parameters are required and single URL-encoded"] = (d => d.WithSwagger(s => Parameter(Operation(s, "GetCall"), "callId").Remove("x-ms-url-encoding")), "GetCall"),
        ["GET has no body; an operation with a body declares consumes"] = (d => d.WithSwagger(s => Operation(s, "MakeCall").Remove("consumes")), "MakeCall"),
        ["One success response with a schema; default has a description and no schema; no empty schemas"] = (d => d.WithSwagger(s => Operation(s, "GetCall")["responses"]!["default"]!["schema"] = new JsonObject { ["type"] = "object" }), "GetCall"),
        ["Dropdowns use complete x-ms-dynamic-values backed by internal list operations"] = (d => d.WithSwagger(s => Operation(s, "ListAgents")["x-ms-visibility"] = "advanced"), "MakeCall"),
        ["Paging uses x-ms-pageable with nextLink"] = (d => d.WithSwagger(s => Operation(s, "ListPhoneNumbers")["x-ms-pageable"] = new JsonObject { ["nextLinkName"] = "next" }), "ListPhoneNumbers"),
        ["Every action's agent is a dropdown of the outbound agents"] = (d => d.WithSwagger(s => Parameter(Operation(s, "AttachPhoneNumbers"), "modelId").Remove("x-ms-dynamic-values")), "AttachPhoneNumbers"),
        ["Caller ID and detached number are dropdowns of the agent's attached numbers"] = (d => d.WithSwagger(s => Parameter(Operation(s, "DetachPhoneNumber"), "slug").Remove("x-ms-dynamic-values")), "DetachPhoneNumber"),
        ["Input enums have x-ms-enum-values display names"] = (d => d.WithSwagger(s => BodyProperty(Operation(s, "MakeCall"), "callerIdStrategy").Remove("x-ms-enum-values")), "MakeCall"),
        ["Idempotency-Key is an advanced header that says what to pass"] = (d => d.WithSwagger(s => Parameter(Operation(s, "MakeCall"), "Idempotency-Key")["x-ms-visibility"] = "important"), "MakeCall"),
        [CertificationRules.WebhookTriggerRule] = (d => d.WithSwagger(s => BodyProperty(Operation(s, "WhenCallEnds"), "callbackUrl").Remove("x-ms-notification-url")), "WhenCallEnds"),
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_rule_catches_a_definition_that_breaks_it(string rule)
    {
        Assert.True(Broken.TryGetValue(rule, out var broken), $"Rule \"{rule}\" has no broken definition to prove it works: add one to {nameof(Broken)}.");

        var violations = CertificationRules.Named(rule).Check(broken.Break(Definition)).ToList();

        Assert.True(violations.Count > 0, $"Rule \"{rule}\" did not notice the broken definition.");
        Assert.True(violations.Any(v => v.Contains(broken.Names, StringComparison.Ordinal)), $"Rule \"{rule}\" should name '{broken.Names}', said:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", violations)}");
    }

    [Fact]
    public void Every_broken_definition_belongs_to_a_rule() =>
        Assert.Empty(Broken.Keys.Except(CertificationRules.All.Select(rule => rule.Name)));

    [Theory]
    [InlineData("Agent ID", true)]
    [InlineData("Phone Number To Call", true)]
    [InlineData("Seconds until Start", false)]
    [InlineData("Number of Calls", true)]
    [InlineData("agent", false)]
    [InlineData("Agent ", false)]
    public void Title_case_allows_acronyms_and_minor_words_inside(string text, bool expected) =>
        Assert.Equal(expected, CertificationRules.IsTitleCase(text));

    [Theory]
    [InlineData("List the workspace's phone numbers", true)]
    [InlineData("Get a call by ID", true)]
    [InlineData("List Synthflow's agents", true)]
    [InlineData("List Phone Numbers", false)]
    [InlineData("make a call", false)]
    public void Sentence_case_allows_acronyms_and_names_only(string text, bool expected) =>
        Assert.Equal(expected, CertificationRules.IsSentenceCase(text));

    private static JsonObject Operation(JsonObject swagger, string operationId) =>
        swagger["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(method => method.Value is JsonObject))
            .Select(method => method.Value!.AsObject())
            .Single(operation => operation["operationId"]?.GetValue<string>() == operationId);

    private static JsonObject Parameter(JsonObject operation, string name) =>
        operation["parameters"]!.AsArray().Select(p => p!.AsObject()).Single(p => p["name"]!.GetValue<string>() == name);

    private static JsonObject BodyProperty(JsonObject operation, string name) =>
        Parameter(operation, "body")["schema"]!["properties"]![name]!.AsObject();
}
