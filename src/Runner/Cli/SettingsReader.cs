using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Momentum.Runner.Cli;

/// <summary>
/// Reads one verb's option values, from the command line, environment variables (<c>MOMENTUM_&lt;VERB&gt;__&lt;OPTION&gt;</c>)
/// and appsettings.json (in that order of precedence) or else the option's default, and parses them with one set of rules
/// so every bad value is refused the same way: <c>--lr abc: must be a number</c>. Nothing is written before all of a
/// verb's values have been read.
/// </summary>
internal sealed class SettingsReader
{
    private readonly IConfiguration section;
    private readonly Dictionary<string, OptionSpec> specs;
    private readonly IReadOnlySet<string>? given;

    /// <param name="section">The verb's configuration section.</param>
    /// <param name="specs">The verb's options.</param>
    /// <param name="given">The keys set on this invocation (its command line or run-config entry), as opposed to
    /// appsettings.json or the environment; null: treat every set key as given.</param>
    public SettingsReader(IConfiguration section, IEnumerable<OptionSpec> specs, IReadOnlySet<string>? given = null)
    {
        this.section = section;
        this.specs = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        this.given = given;
    }

    /// <summary>The running verb's cancellation, for the rare value that takes long to read (a data set downloaded by name).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Whether the verb has the option <paramref name="name"/>.</summary>
    public bool Has(string name) => specs.ContainsKey(name);

    /// <summary>Whether the user set the option (anywhere), rather than leaving its default.</summary>
    public bool IsSet(string name) => Lookup(Spec(name)) is not null;

    /// <summary>Whether the option was given on this invocation itself (not by appsettings.json or the environment).</summary>
    public bool IsGiven(string name) => given is null ? IsSet(name) : given.Contains(Spec(name).Key);

    /// <summary>The option's text as given, or its default.</summary>
    public string? Raw(string name)
    {
        var spec = Spec(name);
        return Lookup(spec) ?? spec.Default;
    }

    public string Text(string name) =>
        Raw(name) is { Length: > 0 } text ? text : throw Fail(name, "", "needs a value");

    public string? OptionalText(string name) => Raw(name) is { Length: > 0 } text ? text : null;

    public double Double(string name, Func<double, string?> rule) => ParseDouble(name, Text(name), rule);

    public long Long(string name, Func<long, string?> rule)
    {
        var text = Text(name);
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (!System.Numerics.BigInteger.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
                throw Fail(name, text, "must be an integer");
            // An integer past ±9.2e18: judged by the rule at the nearest end, so the message says what is allowed.
            var nearest = big.Sign > 0 ? long.MaxValue : long.MinValue;
            throw Fail(name, text, "is out of range" + (rule(nearest) is { } allowed ? $" ({allowed})" : " (integers here are at most 9223372036854775807 in size)"));
        }
        return rule(value) is { } problem ? throw Fail(name, text, problem) : value;
    }

    public int Int(string name, Func<long, string?> rule)
    {
        var value = Long(name, rule);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw Fail(name, Text(name), $"must be an integer in [{int.MinValue}, {int.MaxValue}]");
    }

    public bool Flag(string name)
    {
        var text = Text(name);
        return bool.TryParse(text.Trim(), out var value) ? value : throw Fail(name, text, "must be true or false");
    }

    public string Choice(string name, params string[] allowed)
    {
        var text = Text(name).Trim();
        return allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase))
            ?? throw Fail(name, text, $"must be one of {string.Join(", ", allowed)}");
    }

    /// <summary>A comma-separated list of numbers, each checked by <paramref name="rule"/>.</summary>
    public double[] Doubles(string name, Func<double, string?> rule, int? count = null, int minimum = 1)
    {
        var text = Text(name);
        var items = text.Split(',');
        var values = new double[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i].Trim();
            if (!TryParseDouble(item, out values[i]))
                throw Fail(name, text, items.Length == 1 ? NotANumber(item) : $"item {i + 1} \"{Shown(item)}\" {(IsOutOfRange(item) ? OutOfRange : "is not a number")}");
            if (rule(values[i]) is { } problem)
                throw Fail(name, text, items.Length == 1 ? problem : $"item {i + 1} ({item}) {problem}");
        }
        if (count is { } n && values.Length != n)
            throw Fail(name, text, $"needs exactly {n} comma-separated numbers, found {values.Length}");
        if (values.Length < minimum)
            throw Fail(name, text, $"needs at least {minimum} numbers");
        return values;
    }

    /// <summary>Every option's effective text (set or default), keyed by its name without dashes, for summaries.</summary>
    public SortedDictionary<string, string> Effective()
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs.Values)
        {
            var value = spec.IsList ? string.Join(",", Items(spec)) : Raw(spec.Name);
            if (!string.IsNullOrEmpty(value)) values[spec.Key] = value;
        }
        return values;
    }

    /// <summary>A list given as separate values (a command line's positional arguments, a JSON array), or as one comma-separated text.</summary>
    public IReadOnlyList<string> List(string name) => Items(Spec(name));

    private string[] Items(OptionSpec spec)
    {
        var children = section.GetSection(spec.Key).GetChildren().Select(c => c.Value).OfType<string>().ToArray();
        if (children.Length > 0) return children;
        return Raw(spec.Name) is { Length: > 0 } text ? text.Split(',', StringSplitOptions.TrimEntries) : [];
    }

    /// <summary>A usage error for this option: <c>--name value: problem</c>, on one line.</summary>
    public static UsageException Fail(string name, string value, string problem) =>
        new(value.Length == 0 ? $"{name}: {problem}" : $"{name} {Shown(value)}: {problem}");

    public static bool TryParseDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>What is wrong with a value that <see cref="TryParseDouble"/> refused.</summary>
    public static string NotANumber(string text) => IsOutOfRange(text) ? OutOfRange : "must be a number";

    private const string OutOfRange = "is out of range (a number must lie within ±1.7976931348623157e308)";

    // A number too large for a double (1e999) reads as infinity; "Infinity" itself, and NaN, are not numbers here.
    private static bool IsOutOfRange(string text)
    {
        var digits = text.Trim().TrimStart('+', '-');
        return digits.Length > 0 && (char.IsAsciiDigit(digits[0]) || digits[0] == '.')
            && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsInfinity(value);
    }

    /// <summary>A value as a message shows it: on one line, control characters escaped, a long value cut.</summary>
    public static string Shown(string value)
    {
        var text = value.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\0", "\\0");
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    private static double ParseDouble(string name, string text, Func<double, string?> rule)
    {
        if (!TryParseDouble(text.Trim(), out var value)) throw Fail(name, text, NotANumber(text));
        return rule(value) is { } problem ? throw Fail(name, text, problem) : value;
    }

    private OptionSpec Spec(string name) =>
        specs.TryGetValue(name, out var spec) ? spec : throw new InvalidOperationException($"The verb has no option {name}.");

    // Keys are case-insensitive; "batch-size" is also found as "batchsize" or "batch_size" (environment variables cannot hold '-').
    // A list (a JSON array, MOMENTUM_SWEEP__LR__0, …__1) reads as the command line's comma list; anything deeper, an
    // object, is refused rather than ignored.
    private string? Lookup(OptionSpec spec)
    {
        foreach (var key in new[] { spec.Key, spec.Key.Replace("-", ""), spec.Key.Replace('-', '_') })
        {
            if (section[key] is { } value)
                return value;
            var children = section.GetSection(key).GetChildren().ToList();
            if (children.Count == 0) continue;
            var indices = Enumerable.Range(0, children.Count).Select(i => i.ToString(CultureInfo.InvariantCulture));
            if (children.All(c => c.Value is not null && !c.GetChildren().Any()) && children.Select(c => c.Key).ToHashSet(StringComparer.Ordinal).SetEquals(indices))
                return string.Join(",", children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(c => c.Value));
            throw Fail(spec.Name, "", $"is set to an object ({string.Join(", ", children.Select(c => key + ":" + c.Key))}) in the settings or environment; give it one value");
        }
        return null;
    }
}
