using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// A batch of experiments from a JSON file, each a verb and its options (the command line's names without dashes), run
/// in order into sub-folders of <c>--out</c>. The file is checked whole before the first experiment runs: its size
/// (<see cref="Limits.ConfigBytes"/>), its JSON, its keys (only <c>experiments</c>, and <c>name</c>, <c>verb</c> and
/// <c>options</c> in each; none twice), names (unique plain file names) and every experiment's options. A path option
/// (<c>data</c>, <c>matrix</c>, merge's <c>folders</c>) whose first part is the name of an earlier experiment means that
/// experiment's folder under <c>--out</c>, so a config can shard a sweep and merge it; an experiment that reads what an
/// earlier one writes is checked up front as far as it can be, and in full when its turn comes.
/// </summary>
/// <remarks>
/// <code>
/// { "experiments": [
///     { "name": "lr-0.02", "verb": "train", "options": { "lr": 0.02, "momentum": 0.5 } },
///     { "name": "half-1", "verb": "sweep", "options": { "lr": "0.01,0.02", "shard": "1/2" } },
///     { "name": "half-2", "verb": "sweep", "options": { "lr": "0.01,0.02", "shard": "2/2" } },
///     { "verb": "merge", "options": { "folders": ["half-1", "half-2"] } },
///     { "name": "clipped-qhm", "verb": "train", "options": { "optimizer": { "kind": "chain", "links": [
///         { "kind": "clip_by_global_norm", "max_norm": 1 }, { "kind": "qhm", "learning_rate": 0.01, "momentum": 0.9, "nu": 0.7 } ] } } } ] }
/// </code>
/// </remarks>
internal sealed class RunVerb(Func<IReadOnlyList<Verb>> verbs) : Verb<RunVerb.Settings>
{
    public sealed record Settings(string Config, IReadOnlyList<(Experiment Experiment, Verb Verb)> Experiments);

    /// <summary>The options that name files or folders: those may name an earlier experiment's folder.</summary>
    private static readonly string[] PathOptions = ["data", "matrix", "folders"];

    public override string Name => "run";
    public override string Description => "Run a list of experiments from a JSON file (each a verb and its options) in order, into sub-folders of --out.";
    public override string Example => "momentum run --config experiments.json --out out/batch";
    public override bool ShowsProgress => true;
    public override IReadOnlyList<OptionSpec> Options { get; } =
        [new("--config", "A JSON file: {\"experiments\": [{\"name\": …, \"verb\": …, \"options\": {…}}, …]}.", null)];

    protected override Settings Read(SettingsReader r)
    {
        var path = r.Text("--config");
        var output = r.Text("--out");
        using var document = SettingsFile.Parse(path, InputFile.Read(path, Limits.ConfigBytes, "a run config"));
        var root = document.RootElement;
        var list = root;
        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in Keys(path, root, path))
                if (key.Name != "experiments")
                    throw new UsageException($"{path}: \"{key.Name}\" is not a key of a run config; it holds {{\"experiments\": [...]}}");
            list = root.TryGetProperty("experiments", out var e) ? e : default;
        }
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw new UsageException($"{path}: expected a non-empty list of experiments, {{\"experiments\": [{{\"verb\": …, \"options\": {{…}}}}]}}");

        var experiments = new List<(Experiment, Verb)>();
        var folders = new List<string>();
        var k = 0;
        foreach (var item in list.EnumerateArray())
        {
            k++;
            var where = $"{path}: experiment {k}";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("verb", out var verbName) || verbName.ValueKind != JsonValueKind.String)
                throw new UsageException($"{where}: needs \"verb\", e.g. {{\"verb\": \"train\", \"options\": {{\"lr\": 0.01}}}}");
            foreach (var key in Keys(path, item, where))
                if (key.Name is not ("name" or "verb" or "options"))
                    throw new UsageException($"{where}: \"{key.Name}\" is not a key of an experiment (name, verb, options)");
            var verb = verbs().FirstOrDefault(v => v.Name == verbName.GetString() && v.Name != Name)
                ?? throw new UsageException($"{where}: \"{SettingsReader.Shown(verbName.GetString()!)}\" is not a verb that run can run ({string.Join(", ", verbs().Select(v => v.Name).Where(n => n != Name))})");

            var name = $"{k:00}-{verb.Name}";
            if (item.TryGetProperty("name", out var n))
            {
                name = n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new UsageException($"{where}: \"name\" must be text, the experiment's folder name");
                if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Any(char.IsControl) || name.Trim() != name || name is "." or "..")
                    throw new UsageException($"{where}: \"name\" \"{SettingsReader.Shown(name)}\" cannot be a folder name (it must be a plain, non-empty file name)");
            }
            if (folders.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new UsageException($"{where}: \"name\" \"{name}\" is the name of an earlier experiment; each writes into its own folder");

            var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var produced = new List<string>();
            if (item.TryGetProperty("options", out var given))
            {
                if (given.ValueKind != JsonValueKind.Object) throw new UsageException($"{where}: \"options\" must be an object");
                foreach (var option in Keys(path, given, $"{where} ({verb.Name}): option"))
                {
                    var key = option.Name.TrimStart('-');
                    if (key == "out") throw new UsageException($"{where}: \"out\" is set by run (each experiment writes into its own sub-folder of --out)");
                    if (key == "resume") throw new UsageException($"{where}: \"resume\" is not for batch runs; resume a run with momentum {verb.Name} --resume DIR");
                    if (!verb.Options.Any(o => o.Key == key))
                        throw new UsageException($"{where} ({verb.Name}): \"{option.Name}\" is not an option of {verb.Name}; see 'momentum {verb.Name} --help'");
                    // An optimizer may be written out as Core's JSON (a chain, a wrapper, any catalog kind): passed on as its text.
                    if (key.Equals("optimizer", StringComparison.OrdinalIgnoreCase) && option.Value.ValueKind == JsonValueKind.Object)
                    {
                        options[key] = option.Value.GetRawText();
                        continue;
                    }
                    if (SettingsFile.Problem(option.Value) is { } problem)
                        throw new UsageException($"{where} ({verb.Name}): \"{option.Name}\" {problem}");
                    var values = Items(option.Value);
                    if (PathOptions.Contains(key, StringComparer.OrdinalIgnoreCase))
                        values = [.. values.Select(v => Earlier(v, folders, output, produced))];
                    options[key] = string.Join(",", values);
                }
            }
            folders.Add(name);
            var experiment = new Experiment(verb.Name, name, name, options);
            try
            {
                verb.Bind(new SettingsReader(experiment.Section(output), App.WithOut(verb)));
            }
            catch (UsageException e) when (!produced.Any(p => e.Message.Contains(p, StringComparison.Ordinal)))
            {
                // An error about what an earlier experiment will write waits for its turn; any other is refused now.
                throw new UsageException($"{where} ({verb.Name}): {e.Message}");
            }
            catch (UsageException)
            {
            }
            experiments.Add((experiment, verb));
        }
        return new(path, experiments);
    }

    // An object's properties, refusing a key given twice (option keys compare as the configuration does).
    private static IEnumerable<JsonProperty> Keys(string path, JsonElement element, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(SettingsFile.Normalize(property.Name)))
                throw new UsageException($"{where}: \"{property.Name}\" is given twice");
            yield return property;
        }
    }

    // A JSON value as the command line would write it: numbers in full (1e999 stays 1e999, refused as out of range), a
    // list as its items.
    private static string[] Items(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => [.. value.EnumerateArray().Select(v => Items(v)[0])],
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.True => ["true"],
        JsonValueKind.False => ["false"],
        _ => [value.GetRawText()],
    };

    // A relative path whose first part names an earlier experiment is that experiment's folder under --out.
    private static string Earlier(string value, IReadOnlyList<string> earlier, string output, List<string> produced)
    {
        if (value.Length == 0 || Path.IsPathRooted(value)) return Produced(value, earlier, output, produced);
        var first = value.Split('/', '\\')[0];
        return earlier.Contains(first, StringComparer.Ordinal) ? Produced(Path.Combine(output, value), earlier, output, produced) : Produced(value, earlier, output, produced);
    }

    // Notes a path inside an earlier experiment's folder: it may not exist until that experiment has run.
    private static string Produced(string path, IReadOnlyList<string> earlier, string output, List<string> produced)
    {
        if (path.Length == 0) return path;
        var full = Path.GetFullPath(path);
        foreach (var name in earlier)
        {
            var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(output, name)));
            if (full == folder || full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                produced.Add(path);
                break;
            }
        }
        return path;
    }

    protected override async Task<int> RunAsync(Settings s, VerbContext context)
    {
        var worst = App.Success;
        var progress = context.Progress.Start("run", s.Experiments.Count);
        for (var i = 0; i < s.Experiments.Count; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var (experiment, verb) = s.Experiments[i];
            context.Print($"[{i + 1}/{s.Experiments.Count}] {experiment.CommandLine(context.Output.Path)}");
            var code = await App.ExecuteAsync(verb, experiment.Section(context.Output.Path), context.Out, context.Error, context.Logger, context.Progress, context.Interruption);
            progress.Report(i + 1);
            if (code == App.Interrupted) return code;
            worst = Math.Max(worst, code);
        }
        context.Print(string.Create(CultureInfo.InvariantCulture, $"ran {s.Experiments.Count} experiments from {s.Config} into {context.Output.Path}"));
        return worst;
    }
}
