using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// Evaluates the few ARM template functions the Logic Apps template uses in strings (<c>concat</c>, <c>format</c>,
/// <c>parameters</c>, <c>variables</c> and property access), so tests can check what a deployment would produce.
/// Anything else is refused: the template must stay simple enough to check.
/// </summary>
public static class ArmExpressions
{
    /// <summary>
    /// The string <paramref name="text"/> evaluates to, or null when it is not a string expression this evaluator
    /// knows. A parameter without a default value takes <paramref name="parameterSample"/>.
    /// </summary>
    public static string? EvaluateString(string text, JsonElement template, string parameterSample)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith('[') || text.StartsWith("[[", StringComparison.Ordinal))
        {
            return text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text;
        }

        if (!text.EndsWith(']'))
        {
            return null;
        }

        try
        {
            var parser = new Parser(text[1..^1], template, parameterSample);
            var value = parser.ParseExpression();
            parser.ExpectEnd();
            return value is string s ? s : value is JsonElement { ValueKind: JsonValueKind.String } e ? e.GetString() : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed class Parser(string text, JsonElement template, string parameterSample)
    {
        private int _at;

        public void ExpectEnd()
        {
            SkipSpace();
            if (_at != text.Length)
            {
                throw new FormatException($"unexpected '{text[_at..]}'");
            }
        }

        public object ParseExpression()
        {
            SkipSpace();
            var value = text[_at] == '\'' ? ParseString() : ParseCall();
            while (_at < text.Length && text[_at] == '.')
            {
                _at++;
                var name = ParseName();
                value = value is JsonElement { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var property)
                    ? property
                    : throw new FormatException($"no property '{name}'");
            }

            return value;
        }

        private object ParseCall()
        {
            var name = ParseName();
            SkipSpace();
            Expect('(');
            var arguments = new List<object>();
            SkipSpace();
            while (text[_at] != ')')
            {
                arguments.Add(ParseExpression());
                SkipSpace();
                if (text[_at] == ',')
                {
                    _at++;
                }
            }

            _at++;
            return name switch
            {
                "concat" => string.Concat(arguments.Select(AsString)),
                "format" => string.Format(CultureInfo.InvariantCulture, AsString(arguments[0]), [.. arguments.Skip(1).Select(AsString)]),
                "parameters" => Parameter(AsString(arguments[0])),
                "variables" => template.GetProperty("variables").GetProperty(AsString(arguments[0])),
                _ => throw new FormatException($"function '{name}' is not supported"),
            };
        }

        private string Parameter(string name)
        {
            var declared = template.GetProperty("parameters").GetProperty(name);
            return declared.TryGetProperty("defaultValue", out var fallback) && fallback.ValueKind == JsonValueKind.String && fallback.GetString()!.Length > 0
                ? fallback.GetString()!
                : parameterSample;
        }

        private static string AsString(object value) => value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
            _ => throw new FormatException("expected a string"),
        };

        private string ParseString()
        {
            var result = new StringBuilder();
            _at++;
            while (true)
            {
                if (_at >= text.Length)
                {
                    throw new FormatException("unterminated string");
                }

                if (text[_at] == '\'')
                {
                    if (_at + 1 < text.Length && text[_at + 1] == '\'')
                    {
                        result.Append('\'');
                        _at += 2;
                        continue;
                    }

                    _at++;
                    return result.ToString();
                }

                result.Append(text[_at++]);
            }
        }

        private string ParseName()
        {
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_'))
            {
                _at++;
            }

            return _at > start ? text[start.._at] : throw new FormatException("expected a name");
        }

        private void Expect(char expected)
        {
            if (_at >= text.Length || text[_at] != expected)
            {
                throw new FormatException($"expected '{expected}'");
            }

            _at++;
        }

        private void SkipSpace()
        {
            while (_at < text.Length && text[_at] == ' ')
            {
                _at++;
            }
        }
    }
}
