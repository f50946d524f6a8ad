using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// A batch of experiments from a JSON file, each a verb and its options (the command line's names without dashes), run
/// in order into sub-folders of <c>--out</c>. Every experiment's options are checked before the first one runs.
/// </summary>
/// <remarks>
/// <code>
/// { "experiments": [
///     { "name": "lr-0.02", "verb": "train", "options": { "lr": 0.02, "momentum": 0.5 } },
///     { "verb": "sweep", "options": { "lr": "0.01,0.02", "momentum": [0, 0.9] } } ] }
/// </code>
/// </remarks>
internal sealed class RunVerb(Func<IReadOnlyList<Verb>> verbs) : Verb<RunVerb.Settings>
{
    public sealed record Settings(string Config, IReadOnlyList<(Experiment Experiment, Verb Verb)> Experiments);

    public override string Name => "run";
    public override string Description => "Run a list of experiments from a JSON file (each a verb and its options) in order, into sub-folders of --out.";
    public override string Example => "momentum run --config experiments.json --out out/batch";
    public override bool ShowsProgress => true;
    public override IReadOnlyList<OptionSpec> Options { get; } =
        [new("--config", "A JSON file: {\"experiments\": [{\"name\": …, \"verb\": …, \"options\": {…}}, …]}.", null)];

    protected override Settings Read(SettingsReader r)
    {
        var path = r.Text("--config");
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file");
        JsonElement list;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            list = (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("experiments", out var e) ? e : root).Clone();
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}:{e.LineNumber + 1}: not valid JSON ({e.Message.Split(" Path:")[0]})");
        }
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw new UsageException($"{path}: expected a non-empty list of experiments, {{\"experiments\": [{{\"verb\": …, \"options\": {{…}}}}]}}");

        var experiments = new List<(Experiment, Verb)>();
        var folders = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var k = 0;
        foreach (var item in list.EnumerateArray())
        {
            k++;
            var where = $"{path}: experiment {k}";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("verb", out var verbName) || verbName.ValueKind != JsonValueKind.String)
                throw new UsageException($"{where}: needs \"verb\", e.g. {{\"verb\": \"train\", \"options\": {{\"lr\": 0.01}}}}");
            var verb = verbs().FirstOrDefault(v => v.Name == verbName.GetString() && v.Name != Name)
                ?? throw new UsageException($"{where}: \"{verbName.GetString()}\" is not a verb that run can run ({string.Join(", ", verbs().Select(v => v.Name).Where(n => n != Name))})");
            var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (item.TryGetProperty("options", out var given))
            {
                if (given.ValueKind != JsonValueKind.Object) throw new UsageException($"{where}: \"options\" must be an object");
                foreach (var option in given.EnumerateObject())
                {
                    var key = option.Name.TrimStart('-');
                    if (key == "out") throw new UsageException($"{where}: \"out\" is set by run (each experiment writes into its own sub-folder of --out)");
                    if (key == "resume") throw new UsageException($"{where}: \"resume\" is not for batch runs; resume a run with momentum {verb.Name} --resume DIR");
                    if (!verb.Options.Any(o => o.Key == key))
                        throw new UsageException($"{where} ({verb.Name}): \"{option.Name}\" is not an option of {verb.Name}; see 'momentum {verb.Name} --help'");
                    options[key] = Text(option.Value);
                }
            }
            var name = item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : $"{k:00}-{verb.Name}";
            if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or ".." || !folders.Add(name))
                throw new UsageException($"{where}: \"{name}\" cannot be a folder name here (it must be unique and a plain file name)");
            var experiment = new Experiment(verb.Name, name, name, options);
            try
            {
                verb.Bind(new SettingsReader(experiment.Section("."), App.WithOut(verb)));
            }
            catch (UsageException e)
            {
                throw new UsageException($"{where} ({verb.Name}): {e.Message}");
            }
            experiments.Add((experiment, verb));
        }
        return new(path, experiments);
    }

    // JSON values as the command line would write them: numbers in full, lists comma-separated.
    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array => string.Join(",", value.EnumerateArray().Select(Text)),
        _ => throw new UsageException($"option value {value.GetRawText()}: must be a string, number, boolean or list"),
    };

    protected override async Task<int> RunAsync(Settings s, VerbContext context)
    {
        var worst = App.Success;
        var progress = context.Progress.Start("run", s.Experiments.Count);
        for (var i = 0; i < s.Experiments.Count; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var (experiment, verb) = s.Experiments[i];
            context.Print($"[{i + 1}/{s.Experiments.Count}] {experiment.CommandLine(context.Output.Path)}");
            var code = await App.ExecuteAsync(verb, experiment.Section(context.Output.Path), context.Out, context.Error, context.Logger, context.Progress, context.Cancellation);
            progress.Report(i + 1);
            if (code == App.Interrupted) return code;
            worst = Math.Max(worst, code);
        }
        context.Print(string.Create(CultureInfo.InvariantCulture, $"ran {s.Experiments.Count} experiments from {s.Config} into {context.Output.Path}"));
        return worst;
    }
}
