using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Joins the shards of one sweep (<c>sweep --shard K/N</c>, each in its own folder) into one <c>sweep.csv</c>,
/// <c>sweep.json</c> and <c>sweep.png</c> equal to those of the unsharded sweep. Each folder must hold a complete shard
/// whose rows are those its sweep wrote (the manifest's digest), each shard of the same sweep, given once.
/// </summary>
internal sealed class MergeVerb : Verb<MergeVerb.Settings>
{
    public sealed record Settings(SweepVerb.Grid Grid, IReadOnlyList<SweepVerb.Row> Rows, int Folders, IReadOnlyDictionary<string, string> Options);

    public override string Name => "merge";
    public override string Description => "Join the shard folders of one sweep into one sweep.csv, sweep.json and sweep.png, as an unsharded sweep writes them.";
    public override string Example => "momentum merge out/shard-1 out/shard-2 out/shard-3 --out out/sweep";
    public override IReadOnlyList<OptionSpec> Options { get; } =
        [OptionSpec.Arguments("folders", "The folders written by `sweep --shard K/N`, one per shard, in any order.")];

    protected override Settings Read(SettingsReader r)
    {
        var folders = r.List("folders");
        if (folders.Count == 0) throw new UsageException("merge: name the shard folders to join, e.g. momentum merge out/shard-1 out/shard-2 --out out/sweep");
        var output = Full(r.Text("--out"));
        SweepVerb.Grid? grid = null;
        string? gridJson = null;
        IReadOnlyDictionary<string, string> options = new Dictionary<string, string>();
        var rows = new SortedDictionary<int, SweepVerb.Row>();
        var shards = new Dictionary<int, string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = 0;
        foreach (var folder in folders)
        {
            if (folder.Length == 0) throw new UsageException("merge: a folder was given as an empty name");
            if (seen.TryGetValue(Full(folder), out var same))
                throw new UsageException($"merge: {folder} is given twice{(same == folder ? "" : $" (as {same})")}");
            seen[Full(folder)] = folder;
            if (Full(folder) == output)
                throw new UsageException($"--out {r.Text("--out")}: is one of the shard folders being merged; merge into a folder of its own");

            var manifest = SweepManifest.Read(folder);
            var json = manifest.Grid.ToJson();
            if (gridJson is not null && json != gridJson)
                throw new UsageException($"{folder}: belongs to a different sweep than {folders[0]} (grid, data or options differ)");
            if (grid is not null && manifest.Shards != count)
                throw new UsageException($"{folder}: is shard {manifest.Shard}/{manifest.Shards}, but {folders[0]} is a shard of {count}: the sweep was cut into {count} shards");
            if (shards.TryGetValue(manifest.Shard, out var other))
                throw new UsageException($"merge: {other} and {folder} are both shard {manifest.Shard}/{manifest.Shards} of this sweep; give each shard once");
            if (!manifest.Complete)
                throw new UsageException($"{folder}: shard {manifest.Shard}/{manifest.Shards} is {manifest.Status}, not complete; finish it with momentum sweep --resume {folder}");
            shards[manifest.Shard] = folder;
            (grid, gridJson, options, count) = (manifest.Grid, json, manifest.Options, manifest.Shards);
            foreach (var row in manifest.ReadRows(folder)) rows[row.Point.Index] = row;
        }
        var missing = Enumerable.Range(0, grid!.Count).Where(i => !rows.ContainsKey(i)).ToList();
        if (missing.Count > 0)
        {
            var absent = Enumerable.Range(1, count).Where(k => !shards.ContainsKey(k)).ToList();
            throw new UsageException($"merge: {missing.Count} of {grid.Count} points are missing (points {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}): " +
                $"shard{(absent.Count == 1 ? "" : "s")} {string.Join(", ", absent.Take(10).Select(k => $"{k}/{count}"))}{(absent.Count > 10 ? ", …" : "")} of {count} {(absent.Count == 1 ? "was" : "were")} not given");
        }
        return new(grid, rows.Values.ToList(), folders.Count, options);
    }

    // A folder as one place: its full path, without a trailing separator.
    private static string Full(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        context.Cancellation.ThrowIfCancellationRequested();
        SweepVerb.Write(context.Output, s.Grid, s.Rows, 1, 1, s.Grid.Count, s.Options, SweepManifest.Completed);
        context.Print($"merged {s.Rows.Count} points from {s.Folders} folders into {context.Output.Path}");
        return Task.FromResult(App.Success);
    }
}
