using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Momentum.Runner.Cli;
using Momentum.Runner.Verbs;
using Momentum.Optimizers;

namespace Momentum.Runner.Output;

/// <summary>
/// A sweep folder: <c>sweep.json</c>, its manifest (the grid and what its points share, the options that define it, the
/// shard K/N, how many of the shard's points have finished, and its status: running, interrupted or completed), and
/// <c>sweep.csv</c>, its finished rows. A sweep writes the manifest before anything else and then its rows as they
/// finish, so a folder killed at any moment is one the sweep can resume; the manifest says <c>"complete": true</c> only
/// once every file has been written, and then also holds a digest of the rows, so that <c>merge</c> and
/// <c>sweep --resume</c> notice rows edited since.
/// </summary>
/// <param name="Grid">The grid.</param>
/// <param name="Options">The options that define the sweep.</param>
/// <param name="Shard">K of K/N.</param>
/// <param name="Shards">N of K/N.</param>
/// <param name="ShardPoints">The points of this shard.</param>
/// <param name="Status">running, interrupted or completed.</param>
/// <param name="RowsDigest">SHA-256 of the rows (<see cref="Digest"/>) once complete, else null.</param>
internal sealed record SweepManifest(
    SweepVerb.Grid Grid, IReadOnlyDictionary<string, string> Options, int Shard, int Shards, int ShardPoints, string Status, string? RowsDigest)
{
    public const string File = "sweep.json";
    public const string RowsFile = "sweep.csv";

    public const string Running = "running";
    public const string Interrupted = "interrupted";
    public const string Completed = "completed";

    public bool Complete => Status == Completed;

    /// <summary>The points of shard K/N: those whose index is K − 1 modulo N.</summary>
    public static int PointsOf(int count, int shard, int shards) => count / shards + (shard - 1 < count % shards ? 1 : 0);

    /// <summary>
    /// A row of sweep.csv, in the order of <see cref="SweepVerb.Grid.Header"/>: optimizer, the grid's columns, seed,
    /// final loss (empty when diverged), diverged, seconds (empty unless timed), point.
    /// </summary>
    public static IReadOnlyList<object> Cells(SweepVerb.Grid grid, SweepVerb.Row r) =>
    [
        r.Point.Optimizer, .. grid.Columns.Select(k => (object)r.Point.Values[k]), r.Point.Seed,
        double.IsFinite(r.FinalLoss) ? r.FinalLoss : "", r.Diverged, r.Seconds is { } t ? t : "", r.Point.Index,
    ];

    /// <summary>
    /// SHA-256 of the rows as text (<see cref="Cells"/>, numbers as the shortest text that reads back), in point order:
    /// what the rows are, however the CSV spells them.
    /// </summary>
    public static string Digest(SweepVerb.Grid grid, IEnumerable<SweepVerb.Row> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in rows.OrderBy(r => r.Point.Index))
            hash.AppendData(Encoding.UTF8.GetBytes(string.Join(",", Cells(grid, r).Select(Csv.Text)) + "\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes sweep.json for <paramref name="finished"/> rows; <paramref name="now"/>: at once (a running sweep), else staged.</summary>
    public void Write(OutputFolder output, int finished, bool now)
    {
        void Body(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WritePropertyName("grid");
            JsonSerializer.Serialize(w, Grid, SweepVerb.JsonOptions);
            w.WriteStartObject("options");
            foreach (var (key, value) in Options.OrderBy(o => o.Key, StringComparer.Ordinal)) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteNumber("points", Grid.Count);
            w.WriteString("shard", $"{Shard}/{Shards}");
            w.WriteNumber("shard_points", ShardPoints);
            w.WriteNumber("finished", finished);
            w.WriteString("status", Status);
            w.WriteBoolean("complete", Complete);
            if (RowsDigest is not null) w.WriteString("rows_sha256", RowsDigest);
            w.WriteEndObject();
        }
        if (now) Json.WriteNow(output, File, Body);
        else Json.Write(output, File, Body);
    }

    /// <summary>Writes sweep.csv: at once (a running sweep's rows so far), or staged.</summary>
    public static void WriteRows(OutputFolder output, SweepVerb.Grid grid, IReadOnlyList<SweepVerb.Row> rows, bool now)
    {
        var cells = rows.Select(r => Cells(grid, r));
        if (now) output.WriteNow(RowsFile, stream => Csv.To(stream, grid.Header, cells));
        else Csv.Write(output, RowsFile, grid.Header, cells);
    }

    /// <summary>Reads a sweep folder's sweep.json; every problem is a usage error naming the file and what is wrong.</summary>
    public static SweepManifest Read(string folder)
    {
        if (!Directory.Exists(folder))
            throw new UsageException(System.IO.File.Exists(folder) ? $"{folder}: is a file, not a sweep folder" : $"{folder}: no such folder");
        var path = Path.Combine(folder, File);
        if (!System.IO.File.Exists(path))
            throw new UsageException($"{folder}: not a sweep folder (it has no {File}; a sweep writes it first, so this one never started)");
        using var document = SettingsFile.Parse(path, InputFile.Read(path, Limits.ManifestBytes, "a sweep manifest"));
        var root = document.RootElement;
        UsageException Bad(string problem) => new($"{path}: {problem}");
        JsonElement Get(string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) ? value : throw Bad($"\"{name}\" is missing");

        SweepVerb.Grid grid;
        try
        {
            grid = Get("grid").Deserialize<SweepVerb.Grid>(SweepVerb.JsonOptions) ?? throw Bad("\"grid\" is null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw Bad($"\"grid\" is not a sweep's grid ({e.Message.Split(" Path:")[0]})");
        }
        if (grid.Problem() is { } problem) throw Bad($"\"grid\": {problem}");

        var optionsElement = Get("options");
        if (optionsElement.ValueKind != JsonValueKind.Object) throw Bad("\"options\" must be an object");
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in optionsElement.EnumerateObject())
            options[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Bad($"\"options\".{p.Name} must be text");

        var shardText = Get("shard") is { ValueKind: JsonValueKind.String } s ? s.GetString()! : throw Bad("\"shard\" must be text K/N");
        var parts = shardText.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var shards)
            || shards < 1 || shard < 1 || shard > shards)
            throw Bad($"\"shard\" is {SettingsReader.Shown(shardText)}, not K/N with 1 ≤ K ≤ N");
        var shardPoints = PointsOf(grid.Count, shard, shards);
        if (Get("shard_points") is not { ValueKind: JsonValueKind.Number } recorded || !recorded.TryGetInt32(out var n) || n != shardPoints)
            throw Bad($"\"shard_points\" must be {shardPoints}, the points of shard {shard}/{shards} of a grid of {grid.Count}");
        var status = root.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.String ? st.GetString()! : throw Bad("\"status\" is missing");
        if (status is not (Running or Interrupted or Completed)) throw Bad($"\"status\" is {SettingsReader.Shown(status)}, not running, interrupted or completed");
        var complete = Get("complete").ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad("\"complete\" must be true or false"),
        };
        if (complete != (status == Completed)) throw Bad($"\"complete\" is {(complete ? "true" : "false")} but \"status\" is {status}");
        string? digest = null;
        if (complete)
            digest = root.TryGetProperty("rows_sha256", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : throw Bad("\"rows_sha256\" is missing from a complete sweep");
        return new SweepManifest(grid, options, shard, shards, shardPoints, status, digest);
    }

    /// <summary>
    /// The rows of <c>DIR/sweep.csv</c> (none when there is no such file yet), each checked against the grid and this
    /// shard, in the order of the file.
    /// </summary>
    public IReadOnlyList<SweepVerb.Row> ReadRows(string folder)
    {
        var path = Path.Combine(folder, RowsFile);
        if (!System.IO.File.Exists(path)) return [];
        // A row is well under 256 characters: a file larger than that per point is not this sweep's.
        var text = Encoding.UTF8.GetString(InputFile.Read(path, 256L * (ShardPoints + 1) + 1024, "this shard's sweep.csv"));
        var table = text.Split('\n');
        var header = Grid.Header;
        if (table[0].TrimEnd('\r') != string.Join(",", header))
            throw new UsageException($"{path}:1: expected the header {string.Join(",", header)}");
        // optimizer, the columns, seed | final_loss, diverged, seconds, point
        var labels = Grid.Columns.Count + 2;
        var (lossAt, divergedAt, secondsAt, pointAt) = (labels, labels + 1, labels + 2, labels + 3);
        var rows = new List<SweepVerb.Row>();
        var seen = new HashSet<int>();
        for (var i = 1; i < table.Length; i++)
        {
            var line = table[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            var f = line.Split(',');
            UsageException Bad(int column, string problem) => new($"{path}:{i + 1}:{column + 1}: \"{SettingsReader.Shown(f[column])}\" {problem}");
            if (f.Length != header.Length)
                throw new UsageException($"{path}:{i + 1}: expected {header.Length} columns, found {f.Length}");
            if (!int.TryParse(f[pointAt], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= Grid.Count)
                throw Bad(pointAt, "is not a point of this sweep");
            if (index % Shards != Shard - 1)
                throw new UsageException($"{path}:{i + 1}:{pointAt + 1}: point {index} is not in shard {Shard}/{Shards} (its points are those ≡ {Shard - 1} modulo {Shards})");
            if (!seen.Add(index))
                throw new UsageException($"{path}:{i + 1}:{pointAt + 1}: point {index} appears twice");
            var point = Grid.At(index);
            double? seconds = f[secondsAt].Length == 0 ? null : SettingsReader.TryParseDouble(f[secondsAt], out var t) && t >= 0 ? t
                : throw Bad(secondsAt, "is not a number of seconds");
            var loss = f[lossAt].Length == 0 ? double.NaN : SettingsReader.TryParseDouble(f[lossAt], out var l) ? l
                : throw Bad(lossAt, "is not a number");
            if (f[divergedAt] is not ("true" or "false"))
                throw Bad(divergedAt, "must be true or false");
            var row = new SweepVerb.Row(point, loss, f[divergedAt] == "true", seconds);
            var expected = Cells(Grid, row).Take(labels).Select(Csv.Text).ToList();
            for (var k = 0; k < labels; k++)
                if (f[k] != expected[k])
                    throw Bad(k, $"is not point {index} of this sweep's grid (expected {expected[k]})");
            rows.Add(row);
        }
        if (RowsDigest is not null && Digest(Grid, rows) != RowsDigest)
            throw new UsageException($"{path}: its rows are not those the sweep wrote (their digest differs from rows_sha256 in {File}): the file was edited; run the shard again");
        return rows;
    }
}
