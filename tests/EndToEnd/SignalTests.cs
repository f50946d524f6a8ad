using System.Text.Json;
using Momentum.Runner.Execution;

namespace Momentum.EndToEnd;

/// <summary>The tests that run the real program in child processes, one at a time (they signal, freeze and kill them).</summary>
[CollectionDefinition(nameof(ProcessCollection), DisableParallelization = true)]
public sealed class ProcessCollection;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM, sent to the real program at a moment chosen by its progress: every verb stops at its next
/// boundary with exit code 130, each file absent or complete, no temporary file left, and a summary or manifest that says
/// "interrupted" where the verb writes one; a signal while the program is reading its inputs, or a second signal, ends
/// it at once.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class SignalTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>
    /// Starts the program, waits for <paramref name="progress"/>, freezes it there, and sends <paramref name="signal"/> if
    /// it is still short of its end (<paramref name="unfinished"/>); a run that got to its end first is started again, up
    /// to three times. Returns the stopped child, whose exit code has been checked to be 130.
    /// </summary>
    private ChildProcess Interrupt(string[] args, Func<ChildProcess, bool> progress, Func<ChildProcess, bool> unfinished, int signal, string what, string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            var child = ChildProcess.Start(cli.Root, args);
            if (child.FreezeWhen(() => progress(child), () => unfinished(child), 180, what))
            {
                child.Signal(signal);
                child.Resume();
                var code = child.WaitForExit(120);
                Assert.True(code == 130, $"{what}: exit code {code}, not 130\nstandard error:\n{child.Error}\nstandard output:\n{child.Out}");
                return child;
            }
            child.Dispose();
            if (Directory.Exists(cli.PathOf(folder))) Directory.Delete(cli.PathOf(folder), recursive: true);
            Assert.True(attempt < 3, $"the run reached its end before {what} could be interrupted, three times");
        }
    }

    private void AssertNoTemporaryFiles(string folder) => Assert.Empty(ChildProcess.Temporary(cli.PathOf(folder)));

    [Theory]
    [InlineData("trace", "trace.csv", new[] { "trace", "--steps", "10000000" })]
    [InlineData("quadratic", "quadratic.csv", new[] { "quadratic", "--steps", "10000000", "--eigenvalues", "1,0.5,0.25" })]
    [InlineData("scalar", "scalar.csv", new[] { "scalar", "--steps", "10000000", "--lambdas", "0.1,1,2" })]
    [InlineData("weights", "weights.csv", new[] { "weights", "--horizon", "1000000", "--betas", "0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9,0.9" })]
    [InlineData("region", "region.csv", new[] { "region", "--points", "4000" })]
    public void Ctrl_C_stops_a_verb_streaming_a_long_output_mid_file_and_writes_none_of_its_files(string verb, string file, string[] args)
    {
        if (!ChildProcess.Supported) return;
        using var child = Interrupt([.. args, "--out", "o"],
            _ => ChildProcess.Writing(cli.PathOf("o"), file, 1 << 20),
            _ => !File.Exists(cli.PathOf("o", file)),
            ChildProcess.SIGINT, $"{verb} to write its first megabyte", "o");
        Assert.Equal($"interrupted: {verb} stopped before it finished; its results were not written to o", child.Error.TrimEnd());
        Assert.Empty(Directory.GetFiles(cli.PathOf("o")));
        Assert.Equal("", child.Out);
    }

    [Fact]
    public void SIGTERM_stops_bench_between_two_timed_steps()
    {
        if (!ChildProcess.Supported) return;
        using var child = Interrupt(["bench", "--size", "1000000", "--repeat", "10000", "--out", "b"],
            c => c.Out.Contains("case\tn", StringComparison.Ordinal),
            c => !c.Out.Contains("nesterov-wd-composed", StringComparison.Ordinal),
            ChildProcess.SIGTERM, "bench to print its header", "b");
        Assert.Equal("interrupted: bench stopped before it finished; its results were not written to b", child.Error.TrimEnd());
        Assert.False(File.Exists(cli.PathOf("b", "bench.csv")));
    }

    [Fact]
    public void SIGTERM_stops_train_at_a_step_boundary_with_its_outputs_and_a_summary_that_says_interrupted()
    {
        if (!ChildProcess.Supported) return;
        using var child = Interrupt(["train", "--synthetic", "20000x10", "--epochs", "20000", "--record-every", "20000", "--checkpoint-every", "2000", "--out", "t"],
            _ => File.Exists(cli.PathOf("t", "checkpoint.json")) && Epoch(cli.PathOf("t", "checkpoint.json")) >= 1,
            _ => !File.Exists(cli.PathOf("t", "summary.json")),
            ChildProcess.SIGTERM, "the first epoch's checkpoint", "t");
        Assert.Matches(@"^interrupted after step \d+: the outputs so far are in t$", child.Error.TrimEnd());
        using var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("t", "summary.json")));
        Assert.Equal("interrupted", summary.RootElement.GetProperty("status").GetString());
        foreach (var file in new[] { "loss.csv", "parameters.csv", "loss.png", "checkpoint.json", "checkpoint-history.csv" })
            Assert.True(File.Exists(cli.PathOf("t", file)), file);
        AssertNoTemporaryFiles("t");
        // What was written is where the run stopped: it resumes from there.
        using var checkpoint = JsonDocument.Parse(File.ReadAllText(cli.PathOf("t", "checkpoint.json")));
        Assert.Equal(summary.RootElement.GetProperty("steps").GetInt64(), checkpoint.RootElement.GetProperty("state").GetProperty("count").GetInt64());
    }

    [Fact]
    public void Ctrl_C_stops_a_sweep_between_points_with_a_manifest_that_says_interrupted_and_resume_finishes_it_as_an_uninterrupted_sweep()
    {
        if (!ChildProcess.Supported) return;
        string[] grid = ["sweep", "--synthetic", "5000x8", "--lr", "0.001,0.002,0.005,0.01", "--momentum", "0,0.5,0.9", "--epochs", "8000"];
        var rows = () => File.Exists(cli.PathOf("s", "sweep.csv")) ? File.ReadAllLines(cli.PathOf("s", "sweep.csv")).Length - 1 : 0;
        using var child = Interrupt([.. grid, "--parallelism", "1", "--out", "s"], _ => rows() >= 1, _ => !File.Exists(cli.PathOf("s", "sweep.png")), ChildProcess.SIGINT,
            "the sweep's first rows", "s");
        Assert.Matches(@"^interrupted: \d+ of 12 points finished and were written to s; continue with momentum sweep --resume s$", child.Error.TrimEnd());
        using (var manifest = JsonDocument.Parse(File.ReadAllText(cli.PathOf("s", "sweep.json"))))
        {
            Assert.Equal("interrupted", manifest.RootElement.GetProperty("status").GetString());
            Assert.False(manifest.RootElement.GetProperty("complete").GetBoolean());
            Assert.Equal(rows(), manifest.RootElement.GetProperty("finished").GetInt32());
            Assert.True(rows() < 12);
        }
        AssertNoTemporaryFiles("s");

        Assert.Equal(0, cli.Run("sweep", "--resume", cli.PathOf("s"), "--parallelism", "2").ExitCode);
        Assert.Equal(0, cli.Run([.. grid, "--parallelism", "2", "--out", cli.PathOf("whole")]).ExitCode);
        KillTests.AssertSameFiles(cli.PathOf("whole"), cli.PathOf("s"), ["sweep.csv", "sweep.json", "sweep.png"]);
    }

    [Fact]
    public void Ctrl_C_stops_the_chapter_between_sections_and_its_report_says_where()
    {
        if (!ChildProcess.Supported) return;
        using var child = Interrupt(["chapter", "--out", "c"], c => c.Out.Contains("[3/18]", StringComparison.Ordinal),
            _ => !File.Exists(cli.PathOf("c", "report.md")), ChildProcess.SIGINT, "the chapter's third section", "c");
        var report = File.ReadAllText(cli.PathOf("c", "report.md"));
        Assert.Matches(@"\*Interrupted during section \d+; the sections after it were not run\.\*", report);
        Assert.Contains("report: c/report.md", child.Out);
        AssertNoTemporaryFiles("c");
        foreach (var folder in Directory.GetDirectories(cli.PathOf("c"))) Assert.Empty(ChildProcess.Temporary(folder));
    }

    [Fact]
    public void Ctrl_C_stops_a_batch_run_inside_its_second_experiment_and_runs_no_other()
    {
        if (!ChildProcess.Supported) return;
        File.WriteAllText(cli.PathOf("batch.json"), """
            {"experiments": [
              {"name": "short", "verb": "trace"},
              {"name": "long", "verb": "trace", "options": {"steps": 10000000}},
              {"name": "after", "verb": "trace"}]}
            """);
        using var child = Interrupt(["run", "--config", "batch.json", "--out", "r"],
            _ => ChildProcess.Writing(cli.PathOf("r", "long"), "trace.csv", 1 << 20),
            _ => !File.Exists(cli.PathOf("r", "long", "trace.csv")),
            ChildProcess.SIGINT, "the second experiment's first megabyte", "r");
        Assert.True(File.Exists(cli.PathOf("r", "short", "trace.csv")));
        Assert.Empty(Directory.GetFiles(cli.PathOf("r", "long")));
        Assert.False(Directory.Exists(cli.PathOf("r", "after")));
        Assert.Contains("interrupted: trace stopped before it finished", child.Error);
    }

    private string Fifo(params string[] path)
    {
        var fifo = cli.PathOf(path);
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]);
        mkfifo.WaitForExit();
        return fifo;
    }

    [Fact]
    public void SIGTERM_while_the_program_waits_for_a_FIFO_without_a_writer_ends_it_at_once()
    {
        if (!ChildProcess.Supported) return;
        var fifo = Fifo("config.json");
        using var child = ChildProcess.Start(cli.Root, "run", "--config", fifo, "--out", "r");
        ChildProcess.WaitFor(child.IsWaitingForFifo, 120, "run to open the FIFO");
        child.Signal(ChildProcess.SIGTERM);
        Assert.Equal(130, child.WaitForExit(60));
        Assert.Equal("SIGTERM: stopped at once", child.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("r")));
    }

    [Fact]
    public void A_second_signal_ends_a_run_that_the_first_could_not_stop_because_it_is_blocked_reading()
    {
        if (!ChildProcess.Supported) return;
        // A shard whose manifest is a FIFO, written once: the run's check of every experiment before the first reads it;
        // the merge then opens it again, after the first experiment has written, and waits for a writer that never comes.
        Assert.Equal(0, cli.Run("sweep", "--synthetic", "60x2", "--lr", "0.01", "--momentum", "0.5", "--out", cli.PathOf("shard")).ExitCode);
        var manifest = File.ReadAllText(cli.PathOf("shard", "sweep.json"));
        File.Delete(cli.PathOf("shard", "sweep.json"));
        var fifo = Fifo("shard", "sweep.json");
        File.WriteAllText(cli.PathOf("batch.json"), $$$"""
            {"experiments": [{"name": "first", "verb": "trace"}, {"name": "blocked", "verb": "merge", "options": {"folders": ["{{{cli.PathOf("shard")}}}"]}}]}
            """);
        using var child = ChildProcess.Start(cli.Root, "run", "--config", "batch.json", "--out", "r");
        ChildProcess.WaitFor(child.IsWaitingForFifo, 120, "run to open the FIFO for its check");
        File.WriteAllText(fifo, manifest);
        ChildProcess.WaitFor(() => child.Out.Contains("[2/2]", StringComparison.Ordinal) && child.IsWaitingForFifo(), 120, "the merge to open the FIFO");
        child.Signal(ChildProcess.SIGTERM);
        // The first signal asks the run to stop at its next boundary, which a blocked read never reaches. The second is
        // sent once the first is delivered (Linux merges a signal into one still pending), and after a moment in which a
        // first signal that ended the run at once would have.
        ChildProcess.WaitFor(() => !child.IsPending(ChildProcess.SIGTERM), 60, "the first SIGTERM to be delivered");
        Thread.Sleep(200);
        Assert.False(child.HasExited);
        child.Signal(ChildProcess.SIGTERM);
        Assert.Equal(130, child.WaitForExit(60));
        Assert.EndsWith("SIGTERM: stopped at once", child.Error.TrimEnd());
        Assert.True(File.Exists(cli.PathOf("r", "first", "trace.csv")));
        Assert.False(Directory.Exists(cli.PathOf("r", "blocked")));
    }

    private static int Epoch(string checkpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(checkpoint));
            return document.RootElement.GetProperty("epoch").GetInt32();
        }
        catch (IOException)
        {
            return -1;
        }
    }
}

/// <summary>The rules of <see cref="Interruption"/> without a process: what a first and a second signal do, and a signal while inputs are read.</summary>
public sealed class InterruptionTests
{
    [Fact]
    public void The_first_signal_asks_the_run_to_stop_and_the_second_ends_the_process()
    {
        var ended = new List<string>();
        using var interruption = new Interruption(ended.Add);
        interruption.BeginWriting();
        interruption.Signal("SIGINT");
        Assert.True(interruption.Token.IsCancellationRequested);
        Assert.Empty(ended);
        interruption.Signal("SIGTERM");
        Assert.Equal(["SIGTERM"], ended);
    }

    [Fact]
    public void A_signal_while_inputs_are_read_ends_the_process_and_one_after_the_run_began_does_not()
    {
        var ended = new List<string>();
        using var interruption = new Interruption(ended.Add);
        using (interruption.ReadingInputs()) interruption.Signal("SIGTERM");
        Assert.Equal(["SIGTERM"], ended);

        var later = new List<string>();
        using var running = new Interruption(later.Add);
        using (running.ReadingInputs()) { }
        running.BeginWriting();
        using (running.ReadingInputs()) running.Signal("SIGINT"); // an experiment of run or chapter reading its inputs
        Assert.Empty(later);
        Assert.True(running.IsRequested);
        Assert.Throws<OperationCanceledException>(() => running.ReadingInputs());
    }

    [Fact]
    public void Without_a_process_to_end_every_signal_only_cancels()
    {
        using var interruption = new Interruption();
        using (interruption.ReadingInputs()) interruption.Signal("SIGINT");
        interruption.Signal("SIGINT");
        Assert.True(interruption.IsRequested);
    }
}
