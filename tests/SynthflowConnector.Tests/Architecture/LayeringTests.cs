using System.Reflection;

namespace SynthflowConnector.Tests.Architecture;

/// <summary>
/// The layering, read from the built assemblies' references (followed through our own assemblies): the domain uses
/// no ASP.NET Core and no Azure SDK, the adapters no ASP.NET Core, and neither depends on the outer layers. Each
/// check is also run where the reference does exist, so a check that can never fail would be noticed.
/// </summary>
public sealed class LayeringTests
{
    private const string Core = "SynthflowConnector.Core";
    private const string Infrastructure = "SynthflowConnector.Infrastructure";
    private const string Api = "SynthflowConnector.Api";
    private const string Host = "SynthflowConnector.Host";

    private static readonly string[] OuterLayers = [Api, "SynthflowConnector.Sandbox", Host];

    [Fact]
    public void Core_references_no_AspNetCore_and_no_Azure_assembly()
    {
        var references = ReferencesOf(Core);

        Assert.DoesNotContain(references, IsAspNetCore);
        Assert.DoesNotContain(references, IsAzure);
    }

    [Fact]
    public void Infrastructure_references_no_AspNetCore_assembly()
    {
        Assert.DoesNotContain(ReferencesOf(Infrastructure), IsAspNetCore);
    }

    [Theory]
    [InlineData(Core)]
    [InlineData(Infrastructure)]
    public void An_inner_layer_references_neither_Api_nor_Sandbox_nor_Host(string inner)
    {
        Assert.DoesNotContain(ReferencesOf(inner), IsOuterLayer);
    }

    [Fact]
    public void The_checks_find_each_forbidden_reference_where_it_is_allowed()
    {
        Assert.Contains(ReferencesOf(Api), IsAspNetCore);
        Assert.Contains(ReferencesOf(Infrastructure), IsAzure);
        Assert.Contains(ReferencesOf(Host), IsOuterLayer); // The Host references the Api.
    }

    [Fact]
    public void What_our_referenced_assemblies_reference_counts_too()
    {
        var infrastructure = ReferencesOf(Infrastructure);

        Assert.Contains(Core, infrastructure);
        Assert.Superset(ReferencesOf(Core), infrastructure);
    }

    private static bool IsAspNetCore(string name) =>
        name.Equals("Microsoft.AspNetCore", StringComparison.Ordinal) || name.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal);

    private static bool IsAzure(string name) =>
        name.Equals("Azure", StringComparison.Ordinal) || name.StartsWith("Azure.", StringComparison.Ordinal);

    private static bool IsOuterLayer(string name) => OuterLayers.Contains(name, StringComparer.Ordinal);

    private static bool IsOurs(string name) => name.StartsWith("SynthflowConnector.", StringComparison.Ordinal);

    /// <summary>The names <paramref name="root"/> references, directly or through our own assemblies it references.</summary>
    private static SortedSet<string> ReferencesOf(string root)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal) { root };
        var pending = new Queue<Assembly>([Assembly.Load(new AssemblyName(root))]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                var name = reference.Name!;
                names.Add(name);
                if (IsOurs(name) && visited.Add(name))
                {
                    pending.Enqueue(Assembly.Load(reference));
                }
            }
        }

        return names;
    }
}
