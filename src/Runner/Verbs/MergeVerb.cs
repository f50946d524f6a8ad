using System.Globalization;
using System.Text.Json;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Joins the shards of one sweep (<c>sweep --shard K/N</c>, each in its own folder) into one <c>sweep.csv</c>,
/// <c>sweep.json</c> and <c>sweep.png</c> equal to those of the unsharded sweep.
/// </summary>
internal sealed class MergeVerb : Verb<MergeVerb.Settings>
{
    public sealed record Settings(SweepVerb.Grid Grid, IReadOnlyList<SweepVerb.Row> Rows, int Folders, IReadOnlyDictionary<string, string> Options);

    /// <summary>A sweep folder's manifest: its grid and options, and its shard.</summary>
    public sealed record Manifest(SweepVerb.Grid Grid, IReadOnlyDictionary<string, string> Options);

    public override string Name => "merge";
    public override string Description => "Join the shard folders of one sweep into one sweep.csv, sweep.json and sweep.png, as an unsharded sweep writes them.";
    public override string Example => "momentum merge out/shard-1 out/shard-2 out/shard-3 --out out/sweep";
    public override IReadOnlyList<OptionSpec> Options { get; } =
        [OptionSpec.Arguments("folders", "The folders written by `sweep --shard K/N`, one per shard, in any order.")];

    protected override Settings Read(SettingsReader r)
    {
        var folders = r.List("folders");
        if (folders.Count == 0) throw new UsageException("merge: name the shard folders to join, e.g. momentum merge out/shard-1 out/shard-2 --out out/sweep");
        SweepVerb.Grid? grid = null;
        string? gridJson = null;
        IReadOnlyDictionary<string, string> options = new Dictionary<string, string>();
        var rows = new SortedDictionary<int, (SweepVerb.Row Row, string Folder)>();
        foreach (var folder in folders)
        {
            var (manifest, _) = ReadManifest(folder);
            var json = manifest.Grid.ToJson();
            if (gridJson is not null && json != gridJson)
                throw new UsageException($"{folder}: belongs to a different sweep than {folders[0]} (grid, data or options differ)");
            (grid, gridJson, options) = (manifest.Grid, json, manifest.Options);
            var csvPath = Path.Combine(folder, "sweep.csv");
            foreach (var row in ReadRows(csvPath, manifest.Grid))
            {
                if (rows.TryGetValue(row.Point.Index, out var seen) && seen.Row != row)
                    throw new UsageException($"{csvPath}: point {row.Point.Index} differs from the same point in {seen.Folder}");
                rows[row.Point.Index] = (row, folder);
            }
        }
        var missing = Enumerable.Range(0, grid!.Count).Where(i => !rows.ContainsKey(i)).ToList();
        if (missing.Count > 0)
            throw new UsageException($"merge: {missing.Count} of {grid.Count} points are missing (points {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}): a shard was not given or did not finish");
        return new(grid, rows.Values.Select(v => v.Row).ToList(), folders.Count, options);
    }

    /// <summary>Reads a sweep folder's sweep.json: its grid and options, and its shard "K/N".</summary>
    public static (Manifest Manifest, string Shard) ReadManifest(string folder)
    {
        var manifestPath = Path.Combine(folder, "sweep.json");
        if (!File.Exists(manifestPath) || !File.Exists(Path.Combine(folder, "sweep.csv")))
            throw new UsageException($"{folder}: not a sweep folder (it needs sweep.json and sweep.csv)");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(manifestPath));
            var root = document.RootElement;
            var grid = root.GetProperty("grid").Deserialize<SweepVerb.Grid>(SweepVerb.JsonOptions) ?? throw new JsonException("no grid");
            var options = root.TryGetProperty("options", out var o)
                ? o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
                : new Dictionary<string, string>();
            return (new Manifest(grid, options), root.GetProperty("shard").GetString() ?? "1/1");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UsageException($"{manifestPath}: not a sweep manifest ({e.Message})");
        }
    }

    /// <summary>The rows of a sweep.csv, checked against the grid; a missing file has none.</summary>
    public static IEnumerable<SweepVerb.Row> ReadRows(string path, SweepVerb.Grid grid)
    {
        if (!File.Exists(path)) yield break;
        var table = File.ReadAllLines(path);
        if (table.Length == 0 || table[0] != string.Join(",", SweepVerb.Header))
            throw new UsageException($"{path}:1: expected the header {string.Join(",", SweepVerb.Header)}");
        for (var i = 1; i < table.Length; i++)
        {
            if (table[i].Length == 0) continue;
            var f = table[i].Split(',');
            if (f.Length != SweepVerb.Header.Length)
                throw new UsageException($"{path}:{i + 1}: expected {SweepVerb.Header.Length} columns, found {f.Length}");
            if (!int.TryParse(f[7], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= grid.Count)
                throw new UsageException($"{path}:{i + 1}:8: \"{f[7]}\" is not a point of this sweep");
            var point = grid.At(index);
            double? seconds = f[6].Length == 0 ? null : SettingsReader.TryParseDouble(f[6], out var t) ? t
                : throw new UsageException($"{path}:{i + 1}:7: \"{f[6]}\" is not a number");
            var loss = f[4].Length == 0 ? double.NaN : SettingsReader.TryParseDouble(f[4], out var l) ? l
                : throw new UsageException($"{path}:{i + 1}:5: \"{f[4]}\" is not a number");
            if (f[5] is not ("true" or "false"))
                throw new UsageException($"{path}:{i + 1}:6: \"{f[5]}\" must be true or false");
            string[] expected = [point.Optimizer, Text(point.LearningRate), Text(point.Momentum), point.Seed.ToString(CultureInfo.InvariantCulture)];
            for (var k = 0; k < 4; k++)
                if (f[k] != expected[k])
                    throw new UsageException($"{path}:{i + 1}:{k + 1}: \"{f[k]}\" is not point {index} of this sweep's grid (expected {expected[k]})");
            yield return new SweepVerb.Row(point, loss, f[5] == "true", seconds);
        }
    }

    // As the CSV writer writes a double: the shortest text that reads back to it.
    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        SweepVerb.Write(context.Output, s.Grid, s.Rows, 1, 1, s.Grid.Count, s.Options);
        context.Print($"merged {s.Rows.Count} points from {s.Folders} folders into {context.Output.Path}");
        return Task.FromResult(App.Success);
    }
}
