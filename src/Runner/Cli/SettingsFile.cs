using System.Text.Json;

namespace Momentum.Runner.Cli;

/// <summary>
/// appsettings.json beside the program: a section per verb (<c>{ "trace": { "lr": 0.6 } }</c>, keys without dashes) and
/// <c>Logging</c>. It is read once, up to <see cref="Limits.ConfigBytes"/>, and checked before any verb runs: JSON that
/// does not parse is refused with its line and column, and so are keys that are neither a verb nor an option of it,
/// keys given twice, and values that are not a number, text, true/false or a list of those (an object would otherwise be
/// ignored without a word). The bytes checked are the bytes the configuration reads.
/// </summary>
internal static class SettingsFile
{
    /// <summary>The file beside the program.</summary>
    public static string Default => Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>The JSON form the configuration's JSON provider reads: comments and trailing commas allowed.</summary>
    public static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and checks <paramref name="path"/>; null when there is no such file.</summary>
    public static byte[]? Load(string path, IReadOnlyList<Verb> verbs)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return null;
        var bytes = InputFile.Read(path, Limits.ConfigBytes, "a settings file");
        using var document = Parse(path, bytes);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new UsageException($"{path}: must be a JSON object with a section per verb, e.g. {{\"trace\": {{\"lr\": 0.6}}}}");
        foreach (var section in Unique(path, "", root))
        {
            if (string.Equals(section.Name, "Logging", StringComparison.OrdinalIgnoreCase))
            {
                if (section.Value.ValueKind != JsonValueKind.Object)
                    throw new UsageException($"{path}: Logging: must be an object, e.g. {{\"LogLevel\": {{\"Default\": \"Warning\"}}}}");
                continue;
            }
            var verb = verbs.FirstOrDefault(v => string.Equals(v.Name, section.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"{path}: \"{section.Name}\" is not a verb (nor Logging); the verbs are {string.Join(", ", verbs.Select(v => v.Name))}");
            if (section.Value.ValueKind != JsonValueKind.Object)
                throw new UsageException($"{path}: {section.Name}: must be an object of options, e.g. {{\"lr\": 0.6}}");
            var specs = App.WithOut(verb).ToList();
            foreach (var option in Unique(path, section.Name + ".", section.Value))
            {
                var where = $"{path}: {section.Name}.{option.Name}";
                if (!specs.Any(s => Normalize(s.Key) == Normalize(option.Name)))
                    throw new UsageException($"{where}: not an option of {verb.Name}; see 'momentum {verb.Name} --help'");
                if (Problem(option.Value) is { } problem) throw new UsageException($"{where}: {problem}");
            }
        }
        return bytes;
    }

    /// <summary>Parses JSON, refusing what does not parse with <c>file:line:column</c>.</summary>
    public static JsonDocument Parse(string path, byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            // The parser's reason, on one line and short: it may quote a long stretch of the file.
            var reason = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].ReplaceLineEndings(" ");
            if (reason.Length > 160) reason = reason[..157] + "...";
            throw new UsageException($"{path}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: not valid JSON ({reason})");
        }
    }

    /// <summary>
    /// What is wrong with an option's value, or null: a number, text, true/false, or a list of those (a list option, or
    /// a comma list such as a sweep's learning rates).
    /// </summary>
    public static string? Problem(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => null,
        JsonValueKind.Null => "is null; give it a value or leave it out",
        JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) => null,
        JsonValueKind.Array => "must be a list of numbers or texts, not a list holding lists, objects or nulls",
        _ => "must be a value (a number, text, true/false or a list), not an object",
    };

    /// <summary>The properties of <paramref name="element"/>, refusing a key given twice (keys are case-insensitive).</summary>
    public static IEnumerable<JsonProperty> Unique(string path, string prefix, JsonElement element)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(Normalize(property.Name)))
                throw new UsageException($"{path}: {prefix}{property.Name}: given twice");
            yield return property;
        }
    }

    /// <summary>An option's key as the configuration finds it: case-insensitive, and "batch-size" also as "batchsize" or "batch_size".</summary>
    public static string Normalize(string key) => key.TrimStart('-').Replace("-", "").Replace("_", "").ToLowerInvariant();
}
