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
    public sealed record Settings(SweepVerb.Grid Grid, IReadOnlyList<SweepVerb.Row> Rows, int Folders);

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
        var rows = new SortedDictionary<int, (SweepVerb.Row Row, string Folder)>();
        foreach (var folder in folders)
        {
            var manifestPath = Path.Combine(folder, "sweep.json");
            var csvPath = Path.Combine(folder, "sweep.csv");
            if (!File.Exists(manifestPath) || !File.Exists(csvPath))
                throw new UsageException($"{folder}: not a sweep folder (it needs sweep.json and sweep.csv)");
            SweepVerb.Grid shardGrid;
            try
            {
                using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
                shardGrid = manifest.RootElement.GetProperty("grid").Deserialize<SweepVerb.Grid>(SweepVerb.JsonOptions)
                    ?? throw new JsonException("no grid");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new UsageException($"{manifestPath}: not a sweep manifest ({e.Message})");
            }
            var json = shardGrid.ToJson();
            if (gridJson is not null && json != gridJson)
                throw new UsageException($"{folder}: belongs to a different sweep than {folders[0]} (grid, data or options differ)");
            (grid, gridJson) = (shardGrid, json);

            foreach (var row in ReadRows(csvPath, shardGrid))
            {
                if (rows.TryGetValue(row.Point.Index, out var seen) && seen.Row != row)
                    throw new UsageException($"{csvPath}: point {row.Point.Index} differs from the same point in {seen.Folder}");
                rows[row.Point.Index] = (row, folder);
            }
        }
        var missing = Enumerable.Range(0, grid!.Count).Where(i => !rows.ContainsKey(i)).ToList();
        if (missing.Count > 0)
            throw new UsageException($"merge: {missing.Count} of {grid.Count} points are missing (points {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}): a shard was not given or did not finish");
        return new(grid, rows.Values.Select(v => v.Row).ToList(), folders.Count);
    }

    private static IEnumerable<SweepVerb.Row> ReadRows(string path, SweepVerb.Grid grid)
    {
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
            double? seconds = f[6].Length == 0 ? null : double.Parse(f[6], CultureInfo.InvariantCulture);
            var loss = f[4].Length == 0 ? double.NaN : double.Parse(f[4], CultureInfo.InvariantCulture);
            yield return new SweepVerb.Row(point, loss, f[5] == "true", seconds);
        }
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        SweepVerb.Write(context.Output, s.Grid, s.Rows, 1, 1, s.Grid.Count);
        context.Print($"merged {s.Rows.Count} points from {s.Folders} folders into {context.Output.Path}");
        return Task.FromResult(App.Success);
    }
}
