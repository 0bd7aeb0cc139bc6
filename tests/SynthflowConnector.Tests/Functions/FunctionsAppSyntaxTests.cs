using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Functions;

/// <summary>
/// functions/ cannot be compiled on our machines (the worker's packages are not on the feed), so its source is
/// checked here at syntax level: it parses, every function is attribute + one call, and routes come from
/// <see cref="ConnectorRoutes"/>.
/// </summary>
public sealed class FunctionsAppSyntaxTests
{
    private static readonly IReadOnlyList<(string Path, SyntaxTree Tree)> Files = Directory
        .GetFiles(Path.Combine(RepositoryRoot.Path, "functions"), "*.cs", SearchOption.AllDirectories)
        .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .Select(path => (path, CSharpSyntaxTree.ParseText(File.ReadAllText(path), new CSharpParseOptions(LanguageVersion.Preview), path)))
        .ToList();

    private static IEnumerable<MethodDeclarationSyntax> Functions => Files
        .SelectMany(file => file.Tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
        .Where(method => method.AttributeLists.SelectMany(list => list.Attributes).Any(attribute => attribute.Name.ToString() == "Function"));

    [Fact]
    public void Every_file_parses_without_errors()
    {
        Assert.NotEmpty(Files);
        foreach (var (path, tree) in Files)
        {
            var errors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{path}: {string.Join("; ", errors)}");
        }
    }

    [Fact]
    public void Program_registers_the_shared_services_through_the_ASP_NET_Core_integration()
    {
        var program = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "functions", "Program.cs"));

        Assert.Contains("FunctionsApplication.CreateBuilder(args)", program, StringComparison.Ordinal);
        Assert.Contains("ConfigureFunctionsWebApplication()", program, StringComparison.Ordinal);
        Assert.Contains("AddSynthflowConnector(builder.Configuration)", program, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_function_body_is_a_single_call()
    {
        Assert.NotEmpty(Functions);
        foreach (var method in Functions)
        {
            var expression = method.ExpressionBody?.Expression
                ?? (method.Body?.Statements is [ReturnStatementSyntax { Expression: { } returned }] ? returned : null)
                ?? (method.Body?.Statements is [ExpressionStatementSyntax { Expression: { } statement }] ? statement : null);
            if (expression is AwaitExpressionSyntax awaited)
            {
                expression = awaited.Expression;
            }

            Assert.True(expression is InvocationExpressionSyntax invocation
                    && invocation.ArgumentList.Arguments.All(argument => argument.Expression is IdentifierNameSyntax or LiteralExpressionSyntax or MemberAccessExpressionSyntax),
                $"{method.Identifier}: a function must be one call with plain arguments, found: {method.Body?.ToString() ?? method.ExpressionBody?.ToString()}");
        }
    }

    [Fact]
    public void Http_routes_are_ConnectorRoutes_constants_that_exist()
    {
        var routeConstants = typeof(ConnectorRoutes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => field.Name)
            .ToHashSet(StringComparer.Ordinal);
        var triggers = Functions
            .SelectMany(method => method.ParameterList.Parameters)
            .SelectMany(parameter => parameter.AttributeLists.SelectMany(list => list.Attributes))
            .Where(attribute => attribute.Name.ToString() == "HttpTrigger")
            .ToList();

        Assert.NotEmpty(triggers);
        foreach (var trigger in triggers)
        {
            var route = trigger.ArgumentList!.Arguments.SingleOrDefault(argument => argument.NameEquals?.Name.Identifier.Text == "Route");
            Assert.True(route is not null, $"{trigger}: every HTTP function names its Route");
            Assert.True(
                route!.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "ConnectorRoutes" }, Name: var name }
                    && routeConstants.Contains(name.Identifier.Text),
                $"{trigger}: Route must be a ConnectorRoutes constant");
        }
    }

    [Fact]
    public void The_health_function_is_anonymous_and_every_other_requires_a_function_key()
    {
        foreach (var method in Functions)
        {
            var trigger = method.ParameterList.Parameters
                .SelectMany(parameter => parameter.AttributeLists.SelectMany(list => list.Attributes))
                .SingleOrDefault(attribute => attribute.Name.ToString() == "HttpTrigger");
            if (trigger is null)
            {
                continue;
            }

            var level = trigger.ArgumentList!.Arguments[0].Expression.ToString();
            var isHealth = trigger.ToString().Contains("ConnectorRoutes.Health", StringComparison.Ordinal);
            Assert.Equal(isHealth ? "AuthorizationLevel.Anonymous" : "AuthorizationLevel.Function", level);
        }
    }

    [Fact]
    public void Each_route_and_method_of_the_Host_has_exactly_one_function_of_the_same_name()
    {
        var routeValues = typeof(ConnectorRoutes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .ToDictionary(field => field.Name, field => (string)field.GetRawConstantValue()!, StringComparer.Ordinal);
        var functions = Functions
            .Select(method =>
            {
                var name = method.AttributeLists.SelectMany(list => list.Attributes).Single(a => a.Name.ToString() == "Function")
                    .ArgumentList!.Arguments[0].Expression.ToString().Trim('"');
                var trigger = method.ParameterList.Parameters
                    .SelectMany(parameter => parameter.AttributeLists.SelectMany(list => list.Attributes))
                    .SingleOrDefault(attribute => attribute.Name.ToString() == "HttpTrigger");
                if (trigger is null)
                {
                    return null;
                }

                var verb = trigger.ArgumentList!.Arguments[1].Expression.ToString().Trim('"').ToUpperInvariant();
                var routeName = ((MemberAccessExpressionSyntax)trigger.ArgumentList.Arguments.Single(a => a.NameEquals?.Name.Identifier.Text == "Route").Expression).Name.Identifier.Text;
                return $"{name} {verb} /{ConnectorRoutes.Prefix}/{routeValues[routeName]}";
            })
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Synthflow:ApiKey"] = "k", ["Connector:ApiKey"] = "0123456789abcdef" });
        builder.Services.AddSynthflowConnector(builder.Configuration);
        using var app = builder.Build();
        app.MapConnectorEndpoints();
        var hostRoutes = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => $"{endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName} {endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Single()} {endpoint.RoutePattern.RawText}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(hostRoutes, functions);
        Assert.Equal(functions.Count, functions.Distinct().Count());
    }

    [Fact]
    public void The_reconcile_timer_reads_the_documented_schedule_setting_and_calls_the_reconciler()
    {
        var timers = Functions
            .Where(method => method.ParameterList.Parameters
                .SelectMany(parameter => parameter.AttributeLists.SelectMany(list => list.Attributes))
                .Any(attribute => attribute.Name.ToString() == "TimerTrigger"))
            .ToList();

        var timer = Assert.Single(timers);
        var name = timer.AttributeLists.SelectMany(list => list.Attributes).Single(a => a.Name.ToString() == "Function").ArgumentList!.Arguments[0].Expression.ToString();
        Assert.Equal("\"ReconcilePools\"", name);
        var trigger = timer.ParameterList.Parameters
            .SelectMany(parameter => parameter.AttributeLists.SelectMany(list => list.Attributes))
            .Single(attribute => attribute.Name.ToString() == "TimerTrigger");
        Assert.Equal("\"%Reconcile__Schedule%\"", trigger.ArgumentList!.Arguments[0].Expression.ToString());
        Assert.Contains(timer.ParameterList.Parameters, parameter => parameter.Type?.ToString() == "TimerInfo");
        Assert.Contains(timer.ParameterList.Parameters, parameter => parameter.Type?.ToString() == "CancellationToken");

        // The timer honours Reconcile__Enabled like the Host's scheduler: it calls the scheduled entry point.
        var call = (InvocationExpressionSyntax)timer.ExpressionBody!.Expression;
        Assert.Equal("reconciler.RunScheduledAsync", call.Expression.ToString());
        Assert.Equal("Task", timer.ReturnType.ToString());

        // The setting the timer resolves is the one the options bind and validate.
        Assert.Equal("Reconcile", SynthflowConnector.Pools.ReconcileOptions.SectionName);
        Assert.Equal("Schedule", nameof(SynthflowConnector.Pools.ReconcileOptions.Schedule));
        var example = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.example.json"));
        Assert.Contains("\"Reconcile__Schedule\": \"0 */5 * * * *\"", example, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Functions_app_does_not_register_the_Host_scheduler()
    {
        var program = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "functions", "Program.cs"));

        Assert.DoesNotContain("AddReconcileScheduler", program, StringComparison.Ordinal);
    }
}
