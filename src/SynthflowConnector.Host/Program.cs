using SynthflowConnector;
using SynthflowConnector.Hooks;
using SynthflowConnector.Hosting;
using SynthflowConnector.Http;

var builder = WebApplication.CreateBuilder(args);

// Same address as `func start`, unless --urls or ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://localhost:7071");
}

builder.Services.AddSynthflowConnector(builder.Configuration);
var addressInUse = new AddressInUseReporter(builder.Logging);

// The Functions app reconciles on its timer trigger; the Host runs the same schedule as a hosted service.
builder.Services.AddReconcileScheduler();
builder.Services.AddCampaignDispatchScheduler();

// The Functions app sweeps for ended calls on its SweepEndedCalls timer; the Host on the same schedule.
builder.Services.AddCallEndSweepScheduler();

// The Functions app drains the trigger's queues with QueueTriggers; the Host with hosted processors on the same queues.
builder.Services.AddHookQueueProcessors();
builder.Services.AddSingleton<ConnectorApiKey>();

var app = builder.Build();

// Resolve the key now: a missing Connector__ApiKey in live mode stops the Host at start, not at the first request.
app.Services.GetRequiredService<ConnectorApiKey>();
app.MapConnectorEndpoints();
return addressInUse.Run(app, Console.Error);

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
