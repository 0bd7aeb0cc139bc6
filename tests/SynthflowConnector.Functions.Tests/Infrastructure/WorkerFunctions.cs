extern alias functions;

using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace SynthflowConnector.Functions.Tests.Infrastructure;

/// <summary>One function as the SDK described it to the Functions host (its trigger binding).</summary>
/// <param name="Name">The function name (<c>[Function]</c>).</param>
/// <param name="EntryPoint">Type and method, e.g. <c>SynthflowConnector.Functions.AgentFunctions.ListAgents</c>.</param>
/// <param name="Trigger">The trigger binding type: <c>httpTrigger</c> or <c>timerTrigger</c>.</param>
/// <param name="AuthLevel">The HTTP auth level (<c>Function</c>, <c>Anonymous</c>), null for other triggers.</param>
/// <param name="Methods">HTTP verbs, upper case.</param>
/// <param name="Route">The route template without the host's prefix, null for other triggers.</param>
/// <param name="Schedule">The timer schedule (or <c>%Setting%</c>), null for other triggers.</param>
/// <param name="QueueName">The queue a queue trigger drains, null for other triggers.</param>
/// <param name="Connection">The storage connection setting of a queue trigger, null for other triggers.</param>
public sealed record WorkerFunction(string Name, string EntryPoint, string Trigger, string? AuthLevel, IReadOnlyList<string> Methods, string? Route, string? Schedule, string? QueueName = null, string? Connection = null)
{
    public bool IsHttp => Trigger == "httpTrigger";

    /// <summary>The method the worker invokes, resolved in the built assembly from the entry point.</summary>
    public MethodInfo Method
    {
        get
        {
            var split = EntryPoint.LastIndexOf('.');
            var type = FunctionsWorker.Assembly.GetType(EntryPoint[..split], throwOnError: true)!;
            return type.GetMethod(EntryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance)
                ?? throw new InvalidOperationException($"{Name}: {EntryPoint} is not a public instance method.");
        }
    }

    /// <summary>The route template the Functions host matches requests against (its prefix stripped first).</summary>
    public TemplateMatcher Matcher() => new(TemplateParser.Parse(Route ?? throw new InvalidOperationException($"{Name} is not an HTTP function.")), new RouteValueDictionary());

    /// <summary>Reads a function's trigger from its raw binding JSON (the form both functions.metadata and the generated provider use).</summary>
    public static WorkerFunction FromBindings(string name, string entryPoint, IEnumerable<JsonElement> bindings)
    {
        var trigger = bindings.Single(binding => binding.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
        string? Text(string property) => trigger.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var methods = trigger.TryGetProperty("methods", out var verbs)
            ? verbs.EnumerateArray().Select(verb => verb.GetString()!.ToUpperInvariant()).ToList()
            : [];
        return new WorkerFunction(name, entryPoint, trigger.GetProperty("type").GetString()!, Text("authLevel"), methods, Text("route"), Text("schedule"), Text("queueName"), Text("connection"));
    }
}

/// <summary>The functions of the built worker, as the Functions SDK generated their metadata.</summary>
public static class WorkerFunctions
{
    private static readonly Lazy<IReadOnlyList<WorkerFunction>> Built = new(ReadMetadataFile);

    /// <summary>The worker's build output folder (recorded at build time by the test project).</summary>
    public static string OutputDirectory { get; } =
        typeof(WorkerFunctions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "FunctionsOutputDirectory")?.Value is { Length: > 0 } directory
            ? directory
            : throw new InvalidOperationException("The test assembly does not record FunctionsOutputDirectory: see the test project's RecordFunctionsOutputDirectory target.");

    /// <summary>From <c>functions.metadata</c> in the worker's build output: what the Functions host indexes.</summary>
    public static IReadOnlyList<WorkerFunction> All => Built.Value;

    public static IEnumerable<WorkerFunction> Http => All.Where(function => function.IsHttp);

    /// <summary>The route prefix the Functions host puts before every HTTP route (<c>extensions.http.routePrefix</c>).</summary>
    public static string RoutePrefix { get; } = ReadRoutePrefix();

    /// <summary>From the SDK-generated <c>GeneratedFunctionMetadataProvider</c> compiled into the worker.</summary>
    public static async Task<IReadOnlyList<WorkerFunction>> FromGeneratedProviderAsync()
    {
        var metadata = await new functions::SynthflowConnector.Functions.GeneratedFunctionMetadataProvider().GetFunctionMetadataAsync(OutputDirectory);
        return [.. metadata.Select(function => WorkerFunction.FromBindings(
            function.Name!,
            function.EntryPoint!,
            function.RawBindings!.Select(raw => JsonDocument.Parse(raw).RootElement)))];
    }

    /// <summary>The HTTP function the Functions host would route <paramref name="method"/> <paramref name="path"/> to, with its route values.</summary>
    public static (WorkerFunction Function, RouteValueDictionary Values) Route(string method, string path)
    {
        var prefix = "/" + RoutePrefix;
        if (!path.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{path} is not under {prefix}.");
        }

        var relative = new PathString(path[prefix.Length..]);
        var matches = new List<(WorkerFunction, RouteValueDictionary)>();
        foreach (var function in Http.Where(f => f.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)))
        {
            var values = new RouteValueDictionary();
            if (function.Matcher().TryMatch(relative, values))
            {
                matches.Add((function, values));
            }
        }

        return matches.Count == 1
            ? matches[0]
            : throw new InvalidOperationException($"{method} {path} matches {matches.Count} functions ({string.Join(", ", matches.Select(m => m.Item1.Name))}); expected one.");
    }

    private static List<WorkerFunction> ReadMetadataFile()
    {
        var path = Path.Combine(OutputDirectory, "functions.metadata");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} does not exist: the Functions SDK did not generate the worker's metadata.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(function => WorkerFunction.FromBindings(
            function.GetProperty("name").GetString()!,
            function.GetProperty("entryPoint").GetString()!,
            [.. function.GetProperty("bindings").EnumerateArray().Select(binding => binding.Clone())]))];
    }

    private static string ReadRoutePrefix()
    {
        // The host.json the worker ships with (the build copies the repository root's next to functions.metadata).
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "host.json")));
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()!
            : "api"; // the Functions host's default
    }
}
