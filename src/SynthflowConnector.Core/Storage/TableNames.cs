namespace SynthflowConnector.Storage;

/// <summary>Azure Table naming rules, checked at start-up so a bad setting fails early with its name.</summary>
public static class TableNames
{
    public static bool IsValid(string? name) =>
        name is { Length: >= 3 and <= 63 }
        && char.IsAsciiLetter(name[0])
        && name.All(char.IsAsciiLetterOrDigit)
        && !name.Equals("tables", StringComparison.OrdinalIgnoreCase);
}
