using System.Text.Json;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Synthflow;

namespace SynthflowConnector.Tests.Contract;

/// <summary>Every request body the typed client sends validates against Synthflow's own OpenAPI subset.</summary>
public sealed class ClientContractTests
{
    private static readonly OpenApiContract Contract = OpenApiContract.Load();

    [Fact]
    public async Task Every_body_the_client_sends_matches_the_request_schema()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(SynthflowClientTests.Workspace());

        await harness.Client.AttachPhoneNumbersAsync(SynthflowClientTests.Outbound, AttachPhoneNumbers.ByNumbers([SynthflowClientTests.Chicago]));
        await harness.Client.AttachPhoneNumbersAsync(SynthflowClientTests.Outbound, AttachPhoneNumbers.BySlugs(["447700900123"]));
        await harness.Client.PlaceCallAsync(new PlaceCallRequest
        {
            ModelId = SynthflowClientTests.Outbound,
            Phone = SynthflowClientTests.Lead,
            Name = "Ada Lovelace",
            FromPhoneNumber = SynthflowClientTests.SanFrancisco,
            CustomVariables = [new CustomVariable { Key = "order", Value = "A-17" }],
            LeadEmail = "ada@example.com",
            LeadTimezone = "America/New_York",
            Prompt = "Be brief.",
            Greeting = "Hello Ada",
        });
        await harness.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = SynthflowClientTests.Outbound, Phone = SynthflowClientTests.Lead, Name = "Ada" });

        var sent = harness.Sandbox.Requests.Where(r => r.Body is not null).ToList();
        Assert.Equal(4, sent.Count);
        foreach (var request in sent)
        {
            var specPath = request.Method == "PUT" ? "/assistants/{model_id}/phone_numbers" : "/calls";
            using var body = JsonDocument.Parse(request.Body!);
            var errors = Contract.ValidateRequestBody(specPath, request.Method, body.RootElement);
            Assert.True(errors.Count == 0, $"{request.Method} {request.Path}: {string.Join("; ", errors)}");
        }

        // Optional fields left out are omitted, never sent as null.
        Assert.DoesNotContain("null", sent[^1].Body!, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_with_both_numbers_and_slugs_would_fail_the_schema()
    {
        // The client cannot build this body (AttachPhoneNumbers has two exclusive subtypes); the schema agrees it is invalid.
        using var both = JsonDocument.Parse("""{"phone_numbers":["+13125550103"],"phone_number_slugs":["13125550103"]}""");

        var errors = Contract.ValidateRequestBody("/assistants/{model_id}/phone_numbers", "PUT", both.RootElement);

        Assert.NotEmpty(errors);
    }
}
