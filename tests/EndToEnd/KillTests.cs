using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Momentum.EndToEnd;

/// <summary>
/// Runs killed with SIGKILL (nothing flushed, no handler run) at a moment chosen by their progress, and resumed: the
/// folder ends up holding exactly what an uninterrupted run writes, file for file.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class KillTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>Every file a train run with checkpoints writes.</summary>
    private static readonly string[] TrainFiles = ["checkpoint-history.csv", "checkpoint.json", "loss.csv", "loss.png", "parameters.csv", "summary.json"];

    /// <summary>
    /// The fields that legitimately differ between two runs of the same training: the clock. Everything else, these files
    /// included, must be equal byte for byte.
    /// </summary>
    private static readonly Dictionary<string, string[]> Clock = new()
    {
        ["summary.json"] = ["seconds_per_epoch", "training_seconds"],
        ["checkpoint.json"] = ["training_seconds"],
    };

    /// <summary>
    /// Asserts that both folders hold exactly <paramref name="files"/> and nothing else — no other file, hidden or
    /// temporary, and no subfolder, at any depth — equal byte for byte but for the <see cref="Clock"/> fields.
    /// </summary>
    internal static void AssertSameFiles(string expected, string actual, string[] files)
    {
        static IEnumerable<string> Entries(string folder) =>
            Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(folder, e)).Order(StringComparer.Ordinal);
        Assert.Equal(files.Order(StringComparer.Ordinal), Entries(expected));
        Assert.Equal(files.Order(StringComparer.Ordinal), Entries(actual));
        foreach (var file in files)
        {
            if (Clock.TryGetValue(file, out var fields))
                Assert.True(WithoutFields(Path.Combine(expected, file), fields) == WithoutFields(Path.Combine(actual, file), fields),
                    $"{file} differs beyond its clock fields ({string.Join(", ", fields)})");
            else
                Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
        }
    }

    private static string WithoutFields(string path, string[] fields)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var field in fields) Assert.True(json.Remove(field), $"{path} has no {field}");
        return json.ToJsonString();
    }

    // The epoch a checkpoint has reached, or −1 while there is none (checkpoints are written atomically: whole or absent).
    private static int EpochOf(string path)
    {
        try
        {
            using var checkpoint = JsonDocument.Parse(File.ReadAllText(path));
            return checkpoint.RootElement.GetProperty("epoch").GetInt32();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Starts the program, waits for <paramref name="progress"/>, freezes it, and kills it with SIGKILL if it is still short
    /// of its end; a run that got to its end first is started again, up to three times.
    /// </summary>
    private void Kill(string[] args, Func<bool> progress, Func<bool> unfinished, string what, string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var child = ChildProcess.Start(cli.Root, args);
            if (child.FreezeWhen(progress, unfinished, 180, what))
            {
                child.Signal(ChildProcess.SIGKILL);
                Assert.Equal(137, child.WaitForExit(60));
                return;
            }
            child.Signal(ChildProcess.SIGKILL);
            child.WaitForExit(60);
            Directory.Delete(cli.PathOf(folder), recursive: true);
            Assert.True(attempt < 3, $"the run reached its end before {what}, three times");
        }
    }

    [Fact]
    public void A_run_killed_with_SIGKILL_and_resumed_writes_exactly_what_an_uninterrupted_run_writes()
    {
        if (!ChildProcess.Supported) return;
        string[] args = ["train", "--synthetic", "200000x8", "--batch-size", "4", "--epochs", "150", "--record-every", "400000", "--checkpoint-every", "25000"];
        var checkpoint = cli.PathOf("killed", "checkpoint.json");
        Kill([.. args, "--out", "killed"], () => EpochOf(checkpoint) >= 1, () => EpochOf(checkpoint) < 150 && !File.Exists(cli.PathOf("killed", "summary.json")),
            "the first epoch's checkpoint", "killed");
        Assert.DoesNotContain(Directory.GetFiles(cli.PathOf("killed"), "*.json"), f => new FileInfo(f).Length == 0);

        // A kill may leave temporary files; the resumed run clears those of the dead process.
        var resumed = cli.Run("train", "--resume", cli.PathOf("killed"));
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(0, cli.Run([.. args, "--out", cli.PathOf("whole")]).ExitCode);
        AssertSameFiles(cli.PathOf("whole"), cli.PathOf("killed"), TrainFiles);
        Assert.Empty(ChildProcess.Temporary(cli.PathOf("killed")));
    }

    [Fact]
    public void A_sweep_killed_with_SIGKILL_after_its_first_rows_resumes_to_the_files_of_an_uninterrupted_sweep()
    {
        if (!ChildProcess.Supported) return;
        string[] grid = ["sweep", "--synthetic", "5000x8", "--lr", "0.001,0.002,0.005,0.01", "--momentum", "0,0.5,0.9", "--epochs", "8000"];
        var csv = cli.PathOf("killed", "sweep.csv");
        Kill([.. grid, "--parallelism", "1", "--out", "killed"], () => File.Exists(csv) && File.ReadAllLines(csv).Length > 1, () => !File.Exists(cli.PathOf("killed", "sweep.png")),
            "the sweep's first rows", "killed");
        Assert.Equal(0, cli.Run("sweep", "--resume", cli.PathOf("killed"), "--parallelism", "2").ExitCode);
        Assert.Equal(0, cli.Run([.. grid, "--parallelism", "2", "--out", cli.PathOf("whole")]).ExitCode);
        AssertSameFiles(cli.PathOf("whole"), cli.PathOf("killed"), ["sweep.csv", "sweep.json", "sweep.png"]);
    }
}

/// <summary>
/// Every state a kill can leave a sweep's folder in, made from a finished sweep, resumes to the files the uninterrupted
/// sweep writes; and a folder killed before its manifest existed says that nothing was done.
/// </summary>
public sealed class SweepLifeTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static readonly string[] Grid = ["sweep", "--synthetic", "300x3", "--lr", "0.01,0.05", "--momentum", "0,0.5,0.9", "--seeds", "0,1"];

    // A process id that is no longer running, as a kill leaves in the name of a temporary file.
    private static int DeadProcess()
    {
        using var process = Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }

    private string StaleTemporary(string folder, string file, string content)
    {
        var path = Path.Combine(folder, $".{file}.{DeadProcess()}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(path, content);
        return path;
    }

    [Theory]
    [InlineData("the manifest alone")]
    [InlineData("the manifest and a sweep.csv with its header only")]
    [InlineData("the manifest, some rows and a temporary sweep.csv")]
    [InlineData("every row, and the manifest of the flush before")]
    [InlineData("every file, complete")]
    public void A_sweep_killed_holding_resumes_to_the_files_of_an_uninterrupted_sweep(string state)
    {
        Assert.Equal(0, cli.Run([.. Grid, "--out", cli.PathOf("whole")]).ExitCode);
        Assert.Equal(0, cli.Run([.. Grid, "--out", cli.PathOf("killed")]).ExitCode);
        var folder = cli.PathOf("killed");
        var csv = Path.Combine(folder, "sweep.csv");
        var lines = File.ReadAllLines(csv);
        string? stale = null;
        if (state != "every file, complete")
        {
            File.Delete(Path.Combine(folder, "sweep.png"));
            SweepFolders.MarkRunning(folder);
        }
        switch (state)
        {
            case "the manifest alone":
                File.Delete(csv);
                break;
            case "the manifest and a sweep.csv with its header only":
                File.WriteAllText(csv, lines[0] + "\n");
                break;
            case "the manifest, some rows and a temporary sweep.csv":
                File.WriteAllText(csv, string.Join("\n", lines.Take(4)) + "\n");
                stale = StaleTemporary(folder, "sweep.csv", string.Join("\n", lines.Take(7)));
                break;
        }

        var resumed = cli.Run("sweep", "--resume", folder, "--parallelism", "1");
        Assert.Equal(0, resumed.ExitCode);
        KillTests.AssertSameFiles(cli.PathOf("whole"), folder, ["sweep.csv", "sweep.json", "sweep.png"]);
        if (stale is not null) Assert.False(File.Exists(stale));
    }

    [Fact]
    public void A_sweep_killed_before_its_manifest_was_renamed_into_place_says_it_never_started()
    {
        var folder = cli.PathOf("killed");
        Directory.CreateDirectory(folder);
        StaleTemporary(folder, "sweep.json", "{\"grid\":");
        var result = cli.Run("sweep", "--resume", folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{folder}: not a sweep folder (it has no sweep.json; a sweep writes it first, so this one never started)", result.Error.TrimEnd());
    }
}
