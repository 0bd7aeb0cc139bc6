using System.Text;
using System.Text.RegularExpressions;

namespace SynthflowConnector.Tests.Readme;

/// <summary>A fenced shell block of README.md: where it starts (1-based line of the fence) and its text.</summary>
public sealed record ShellBlock(int Line, string Text)
{
    /// <summary>Its commands as bash separates them: comments dropped, continuations joined, split at newlines, ;, &amp;&amp;, || and |.</summary>
    public IReadOnlyList<string> Commands { get; } = ReadmeShellExamples.SplitCommands(Text);
}

/// <summary>
/// The runnable examples of README.md: its fenced <c>bash</c>/<c>sh</c> blocks that call <c>curl</c>, in document
/// order, which a reader runs one after the other in one terminal.
/// </summary>
public static partial class ReadmeShellExamples
{
    private static readonly string[] ShellLanguages = ["bash", "sh", "shell"];

    public static IReadOnlyList<ShellBlock> CurlBlocks(string markdown) =>
        [.. ShellBlocks(markdown).Where(block => block.Commands.Any(command => CountCurls(command) > 0))];

    public static IEnumerable<ShellBlock> ShellBlocks(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = Fence().Match(lines[i]);
            if (!fence.Success)
            {
                continue;
            }

            var start = i;
            var body = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Append(lines[i]).Append('\n');
            }

            if (ShellLanguages.Contains(fence.Groups["language"].Value, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ShellBlock(start + 1, body.ToString());
            }
        }
    }

    /// <summary>How many times <paramref name="command"/> runs curl (also inside <c>$(…)</c>).</summary>
    public static int CountCurls(string command) => CurlWord().Count(command);

    /// <summary>
    /// Splits shell text into commands as bash reads them, closely enough for README examples: quotes (single,
    /// double), backslash escapes and line continuations, comments at a word start, and the separators above.
    /// </summary>
    public static IReadOnlyList<string> SplitCommands(string text)
    {
        var commands = new List<string>();
        var current = new StringBuilder();
        var quote = '\0';
        void EndCommand()
        {
            var command = current.ToString().Trim();
            if (command.Length > 0)
            {
                commands.Add(command);
            }

            current.Clear();
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (quote == '\'')
            {
                current.Append(c);
                quote = c == '\'' ? '\0' : quote;
            }
            else if (quote == '"')
            {
                current.Append(c);
                if (c == '\\' && next != '\0')
                {
                    current.Append(next);
                    i++;
                }
                else if (c == '"')
                {
                    quote = '\0';
                }
            }
            else if (c == '\\' && next == '\n')
            {
                current.Append(' ');
                i++;
            }
            else if (c == '\\' && next != '\0')
            {
                current.Append(c).Append(next);
                i++;
            }
            else if (c is '\'' or '"')
            {
                current.Append(c);
                quote = c;
            }
            else if (c == '#' && (current.Length == 0 || char.IsWhiteSpace(current[^1])))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n')
                {
                    i++;
                }
            }
            else if (c is '\n' or ';' or '|' or '&')
            {
                EndCommand();
                if (c is '|' or '&' && next == c)
                {
                    i++;
                }
            }
            else
            {
                current.Append(c);
            }
        }

        EndCommand();
        return commands;
    }

    [GeneratedRegex(@"^\s*```(?<language>[A-Za-z]*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"(?:^|[\s(])curl\s")]
    private static partial Regex CurlWord();
}
