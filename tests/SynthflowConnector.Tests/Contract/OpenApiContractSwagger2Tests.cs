using System.Text.Json;

namespace SynthflowConnector.Tests.Contract;

/// <summary>The validator on a Swagger 2.0 document: <c>#/definitions</c>, body parameters, x-nullable, vendor extensions, strict mode.</summary>
public sealed class OpenApiContractSwagger2Tests
{
    private const string Document = """
        {
          "swagger": "2.0",
          "paths": {
            "/things": {
              "post": {
                "parameters": [ { "name": "body", "in": "body", "schema": { "$ref": "#/definitions/Thing" } } ],
                "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/Thing" } }, "default": { "description": "problem" } }
              }
            }
          },
          "definitions": {
            "Thing": {
              "type": "object",
              "required": ["id"],
              "properties": {
                "id": { "type": "string", "x-ms-summary": "ID", "description": "The id." },
                "note": { "type": "string", "x-nullable": true, "x-ms-visibility": "advanced" },
                "open": { "type": "object", "additionalProperties": { "type": "string" } }
              }
            }
          }
        }
        """;

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Responses_and_body_parameters_validate_with_vendor_extensions_ignored_and_x_nullable_honoured()
    {
        var contract = OpenApiContract.Parse(Document);

        Assert.True(contract.DeclaresResponse("/things", "POST", 200));
        Assert.False(contract.DeclaresResponse("/things", "POST", 400));
        Assert.Empty(contract.ValidateResponse("/things", "POST", 200, Parse("""{"id":"a","note":null,"open":{"k":"v"},"extra":1}""")));
        Assert.Empty(contract.ValidateRequestBody("/things", "POST", Parse("""{"id":"a"}""")));
        Assert.Equal(["#/id: expected string, found null"], contract.ValidateResponse("/things", "POST", 200, Parse("""{"id":null}""")));
    }

    [Fact]
    public void Strict_mode_reports_undeclared_properties_but_not_where_additionalProperties_allows_them()
    {
        var contract = OpenApiContract.Parse(Document, undeclaredPropertiesAreErrors: true);

        Assert.Equal(
            ["#/extra: the property is not declared"],
            contract.ValidateResponse("/things", "POST", 200, Parse("""{"id":"a","open":{"any":"thing"},"extra":1}""")));
    }
}
