using Microsoft.Extensions.Configuration;

namespace Momentum.Runner.Cli;

/// <summary>
/// One run of a verb with some options set, into a sub-folder: the unit of the chapter's report and of
/// <c>momentum run --config</c>. Option names are the command line's without the dashes.
/// </summary>
/// <param name="Verb">The verb, e.g. <c>trace</c>.</param>
/// <param name="Folder">The sub-folder of the run's output folder.</param>
/// <param name="Title">A heading for the report.</param>
/// <param name="Options">Option values, e.g. <c>lr → 0.6</c>; unset options keep their defaults.</param>
/// <param name="Book">What the book prints for this experiment, when it prints something.</param>
internal sealed record Experiment(string Verb, string Folder, string Title, IReadOnlyDictionary<string, string> Options, string? Book = null)
{
    /// <summary>The equivalent command line.</summary>
    public string CommandLine(string outFolder) =>
        string.Join(" ", new[] { "momentum", Verb }
            .Concat(Options.SelectMany(o => new[] { "--" + o.Key, Quote(o.Value) }))
            .Concat(["--out", Quote(Path.Combine(outFolder, Folder))]));

    /// <summary>The options as a configuration section, as the verb reads them.</summary>
    public IConfiguration Section(string outFolder) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(Options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value))
                .Append(new("out", Path.Combine(outFolder, Folder))))
            .Build();

    private static string Quote(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '&' or ';') ? $"'{value.Replace("'", "'\\''")}'" : value;
}
