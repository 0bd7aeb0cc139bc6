using SynthflowConnector;
using SynthflowConnector.Http;

var builder = WebApplication.CreateBuilder(args);

// Same address as `func start`, unless --urls or ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://localhost:7071");
}

builder.Services.AddSynthflowConnector(builder.Configuration);

var app = builder.Build();
app.MapConnectorEndpoints();
app.Run();

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
