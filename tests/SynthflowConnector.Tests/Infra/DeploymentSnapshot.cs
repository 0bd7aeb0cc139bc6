using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// The resources one deployment of infra/ would create, as <c>bicep snapshot</c> predicts them for a parameter set:
/// parameters, names and conditions evaluated; values known only at deployment time left as ARM expressions.
/// </summary>
public sealed class DeploymentSnapshot(JsonObject snapshot)
{
    public IReadOnlyList<JsonObject> Resources { get; } = snapshot["predictedResources"]!.AsArray().Select(node => node!.AsObject()).ToList();

    public JsonObject Outputs { get; } = snapshot["outputs"]!.AsObject();

    // ARM expressions are compared as written: quotes unescaped.
    public static readonly JsonSerializerOptions Verbatim = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Only(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"expected one {type}, found {matches.Count}");
        return matches[0];
    }

    public JsonObject Site => Only("Microsoft.Web/sites");

    /// <summary>The Function App's application settings, name to value (the sites/config 'appsettings' resource).</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        Only("Microsoft.Web/sites/config")["properties"]!.AsObject()
            .ToDictionary(setting => setting.Key, setting => setting.Value!.GetValue<string>(), StringComparer.Ordinal);

    public string NameOf(string type) => (string)Only(type)["name"]!;

    /// <summary>Every role assignment as (role definition GUID, the id of the resource it is scoped to, principal id expression).</summary>
    public IReadOnlyList<(string Role, string Scope, string Principal, string PrincipalType)> RoleAssignments =>
        OfType("Microsoft.Authorization/roleAssignments")
            .Select(assignment =>
            {
                var id = (string)assignment["id"]!;
                var properties = assignment["properties"]!;
                return (
                    Role: ((string)properties["roleDefinitionId"]!).Split('/')[^1],
                    Scope: id[..id.IndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal)],
                    Principal: (string)properties["principalId"]!,
                    PrincipalType: (string)properties["principalType"]!);
            })
            .ToList();
}
