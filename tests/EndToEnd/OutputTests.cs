using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Momentum.Runner.Cli;

namespace Momentum.EndToEnd;

/// <summary>
/// Results that cannot be written: a full disk, an output folder that cannot be one, a standard output or error that
/// fails. Failing to write is exit 4, naming the file, never bad input's exit 2; the folder is left as it was (or holds
/// what a resumed run needs), never a half set that looks complete; and a failing standard output or error never
/// crashes the program.
/// </summary>
public sealed class OutputTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static long Size(string folder) => Cli.Files(folder).Sum(f => new FileInfo(Path.Combine(folder, f)).Length);

    /// <summary>Disk sizes from none to a little short of what the run writes (a summary's clock fields vary by a few bytes).</summary>
    private static long[] Budgets(long size) => [0, 1, size / 7, size / 3, size / 2, size - size / 10, size - 64];

    public static TheoryData<string[]> Verbs => new()
    {
        { new[] { "trace", "--steps", "2000" } },
        { new[] { "quadratic", "--steps", "500" } },
        { new[] { "analyze" } },
        { new[] { "tuned" } },
        { new[] { "region", "--points", "60" } },
        { new[] { "region", "--optimizer", "nesterov", "--points", "20" } },
        { new[] { "noise", "--runs", "200", "--steps", "100" } },
        { new[] { "weights" } },
        { new[] { "scalar" } },
        { new[] { "train", "--synthetic", "200x3" } },
        { new[] { "plateau", "--synthetic", "200x3", "--lr", "0.01", "--batch-sizes", "5,20", "--steps", "200" } },
        { new[] { "sweep", "--synthetic", "100x2", "--lr", "0.01,0.02", "--momentum", "0.5" } },
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void A_full_disk_exits_4_naming_the_file_and_leaves_a_new_folder_empty(string[] args)
    {
        var whole = cli.PathOf("whole");
        Assert.Equal(0, cli.Run([.. args, "--out", whole]).ExitCode);
        var resumable = args[0] == "sweep"; // a sweep writes its manifest first, at once
        foreach (var budget in Budgets(Size(whole)))
        {
            var folder = cli.PathOf($"full-{budget}");
            var result = cli.RunWithDiskSpace(budget, [.. args, "--out", folder]);
            Assert.Equal(4, result.ExitCode);
            var tail = resumable && File.Exists(Path.Combine(folder, "sweep.json"))
                ? $"{folder} holds what is needed to continue: momentum sweep --resume {folder}"
                : $"the results in {folder} were not written";
            Assert.Matches($@"^{Regex.Escape(folder)}/[a-z.]+: cannot write \(No space left on device\); {Regex.Escape(tail)}$", result.Error.TrimEnd());
            if (!resumable)
                Assert.Empty(Cli.Files(folder));
            else if (File.Exists(Path.Combine(folder, "sweep.json")))
            {
                using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")));
                Assert.False(manifest.RootElement.GetProperty("complete").GetBoolean());
                Assert.Equal(0, cli.Run("sweep", "--resume", folder).ExitCode);
                KillTests.AssertSameFiles(whole, folder, ["sweep.csv", "sweep.json", "sweep.png"]);
            }
        }
    }

    [Fact]
    public void A_full_disk_keeps_the_previous_complete_set_of_files_rather_than_mixing_in_new_ones()
    {
        var folder = cli.PathOf("t");
        Assert.Equal(0, cli.Run("trace", "--lr", "0.4", "--out", folder).ExitCode);
        var before = Cli.Files(folder).ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(folder, f)));
        // Room for the new trace.csv but not for the new trace.png.
        var result = cli.RunWithDiskSpace(new FileInfo(Path.Combine(folder, "trace.csv")).Length + 100, "trace", "--lr", "0.6", "--out", folder);
        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith(Path.Combine(folder, "trace.png") + ": cannot write (No space left on device)", result.Error);
        Assert.Equal(before.Keys.Order(), Cli.Files(folder));
        foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, file)));
    }

    [Fact]
    public void A_training_run_on_a_full_disk_exits_4_without_a_summary_and_resumes_from_its_checkpoint_to_the_files_of_a_whole_run()
    {
        string[] args = ["train", "--synthetic", "500x3", "--epochs", "20", "--checkpoint-every", "50", "--record-every", "100"];
        var whole = cli.PathOf("whole");
        Assert.Equal(0, cli.Run([.. args, "--out", whole]).ExitCode);
        foreach (var budget in Budgets(Size(whole)))
        {
            var folder = cli.PathOf($"full-{budget}");
            var result = cli.RunWithDiskSpace(budget, [.. args, "--out", folder]);
            Assert.Equal(4, result.ExitCode);
            Assert.Matches($@"^{Regex.Escape(folder)}/[a-z.-]+: cannot write \(No space left on device\); ", result.Error);
            // Never a set that looks complete: the summary is the last file, written only with all the others.
            Assert.False(File.Exists(Path.Combine(folder, "summary.json")));
            if (!File.Exists(Path.Combine(folder, "checkpoint.json")))
            {
                Assert.EndsWith($"the results in {folder} were not written", result.Error.TrimEnd());
                continue;
            }
            Assert.EndsWith($"{folder} holds what is needed to continue: momentum train --resume {folder}", result.Error.TrimEnd());
            Assert.Equal(0, cli.Run("train", "--resume", folder).ExitCode);
            KillTests.AssertSameFiles(whole, folder, ["checkpoint-history.csv", "checkpoint.json", "loss.csv", "loss.png", "parameters.csv", "summary.json"]);
        }
    }

    [Fact]
    public void Merge_on_a_full_disk_exits_4_and_writes_nothing()
    {
        Assert.Equal(0, cli.Run("sweep", "--synthetic", "100x2", "--lr", "0.01,0.02", "--momentum", "0.5", "--out", cli.PathOf("s")).ExitCode);
        var result = cli.RunWithDiskSpace(100, "merge", cli.PathOf("s"), "--out", cli.PathOf("m"));
        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith(cli.PathOf("m", "sweep.csv") + ": cannot write (No space left on device)", result.Error);
        Assert.Empty(Cli.Files(cli.PathOf("m")));
    }

    private sealed class FailingWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => throw new IOException("No space left on device");
        public override void Write(string? value) => throw new IOException("No space left on device");
        public override void Flush() => throw new IOException("No space left on device");
    }

    [Fact]
    public async Task A_standard_output_that_cannot_be_written_exits_4_naming_it_and_the_files_are_written()
    {
        var error = new StringWriter();
        var code = await App.RunAsync(["trace", "--out", cli.PathOf("t")], new FailingWriter(), error);
        Assert.Equal(4, code);
        Assert.Equal("standard output: cannot write (No space left on device)", error.ToString().TrimEnd());
        Assert.True(File.Exists(cli.PathOf("t", "trace.csv")));
        Assert.True(File.Exists(cli.PathOf("t", "trace.png")));
    }

    [Fact]
    public async Task A_standard_error_that_cannot_be_written_does_not_change_the_exit_code()
    {
        Assert.Equal(2, await App.RunAsync(["trace", "--lr", "abc"], new StringWriter(), new FailingWriter()));
        Assert.Equal(3, await App.RunAsync(["trace", "--lr", "1e300", "--out", cli.PathOf("d")], new StringWriter(), new FailingWriter()));
    }

    [Theory]
    [InlineData("trace --out o > /dev/full", "Warning", 4, "standard output: cannot write (No space left on device)")]
    [InlineData("trace --lr abc 2> /dev/full", "Warning", 2, "")]
    [InlineData("trace --out o 2> /dev/full", "Information", 0, "")]
    public void The_real_program_redirected_to_a_full_device_never_crashes(string command, string logging, int code, string error)
    {
        if (!ChildProcess.Supported) return;
        using var child = ChildProcess.Shell(cli.Root, "exec dotnet \"$PROGRAM\" " + command, ("MOMENTUM_Logging__LogLevel__Default", logging));
        Assert.Equal(code, child.WaitForExit(120));
        Assert.Equal(error, child.Error.TrimEnd());
        if (command.Contains("--out o", StringComparison.Ordinal))
            Assert.Equal(["trace.csv", "trace.png"], Cli.Files(cli.PathOf("o")));
    }

    [Fact]
    public void On_a_real_full_file_system_trace_exits_4_and_leaves_its_folder_empty()
    {
        if (!ChildProcess.Supported || !Tmpfs.Available) return;
        // A private 256 KiB tmpfs (a mount namespace of its own): trace.csv of 100000 steps does not fit.
        var mount = cli.PathOf("small");
        Directory.CreateDirectory(mount);
        File.WriteAllText(cli.PathOf("full.sh"),
            $"mount -t tmpfs -o size=256k none '{mount}' && dotnet \"$PROGRAM\" trace --steps 100000 --out '{mount}/t'; echo \"exit $?\"; ls -A '{mount}/t'\n");
        using var child = ChildProcess.Shell(cli.Root, "exec unshare -rm sh full.sh");
        child.WaitForExit(120);
        Assert.Equal("exit 4", child.Out.Split('\n')[0]);
        Assert.Equal("", string.Join("", child.Out.Split('\n').Skip(1)));
        Assert.Equal($"{mount}/t/trace.csv: cannot write (No space left on device); the results in {mount}/t were not written", child.Error.TrimEnd());
    }

    [Theory]
    [InlineData("a file", "--out {0}: is a file, not a folder")]
    [InlineData("a symbolic link to nothing", "--out {0}: is a symbolic link to {1}, which does not exist")]
    [InlineData("a symbolic link to a file", "--out {0}: is a symbolic link to the file {1}, not to a folder")]
    [InlineData("a path through a file", "--out {0}: {1} is a file, not a folder")]
    public void An_output_folder_that_cannot_be_one_is_refused_before_anything_is_written(string what, string message)
    {
        var target = cli.PathOf("target");
        var folder = cli.PathOf("out");
        switch (what)
        {
            case "a file":
                File.WriteAllText(folder, "not a folder");
                break;
            case "a symbolic link to nothing":
                File.CreateSymbolicLink(folder, target);
                break;
            case "a symbolic link to a file":
                File.WriteAllText(target, "a file");
                File.CreateSymbolicLink(folder, target);
                break;
            case "a path through a file":
                File.WriteAllText(target, "a file");
                folder = Path.Combine(target, "out");
                break;
        }
        var result = cli.Run("trace", "--out", folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Format(message, folder, target), result.Error.TrimEnd());
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void A_symbolic_link_to_a_folder_is_an_output_folder()
    {
        Directory.CreateDirectory(cli.PathOf("target"));
        Directory.CreateSymbolicLink(cli.PathOf("out"), cli.PathOf("target"));
        Assert.Equal(0, cli.Run("trace", "--out", cli.PathOf("out")).ExitCode);
        Assert.Equal(["trace.csv", "trace.png"], Cli.Files(cli.PathOf("target")));
    }

    [Fact]
    public void Temporary_files_of_dead_writers_are_removed_and_those_of_live_ones_kept()
    {
        var folder = cli.PathOf("t");
        Directory.CreateDirectory(folder);
        int dead;
        using (var process = Process.Start("true")!)
        {
            process.WaitForExit();
            dead = process.Id;
        }
        var stale = Path.Combine(folder, $".trace.csv.{dead}.{Guid.NewGuid():N}.tmp");
        var live = Path.Combine(folder, $".trace.csv.1.{Guid.NewGuid():N}.tmp"); // process 1 is always running
        var other = Path.Combine(folder, ".notes.tmp");
        foreach (var file in new[] { stale, live, other }) File.WriteAllText(file, "partial");
        Assert.Equal(0, cli.Run("trace", "--out", folder).ExitCode);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));
    }
}

/// <summary>Whether this machine lets a test mount a small tmpfs in a mount namespace of its own (unshare -rm).</summary>
internal static class Tmpfs
{
    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /tmp"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            probe.WaitForExit(30_000);
            return probe.HasExited && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
