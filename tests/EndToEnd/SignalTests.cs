using System.Text.Json;


namespace Momentum.EndToEnd;

public sealed class SignalTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task SIGTERM_stops_a_real_training_process_at_a_step_boundary_with_its_outputs_and_exit_130()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        using var process = ChildProcess.Start(cli.Root,
            "train", "--synthetic", "20000x10", "--epochs", "20000", "--record-every", "20000", "--out", "t");
        var stderr = process.StandardError.ReadToEndAsync();
        // Training has started once the first record point is on its way; give the process time to reach the loop.
        await Task.Delay(2500);
        Assert.False(process.HasExited, "the run should still be training");
        ChildProcess.Terminate(process);
        Assert.True(process.WaitForExit(30_000), "the process should stop within seconds of SIGTERM");
        Assert.Equal(130, process.ExitCode);
        Assert.StartsWith("interrupted after step ", await stderr);
        using var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("t", "summary.json")));
        Assert.Equal("interrupted", summary.RootElement.GetProperty("status").GetString());
        Assert.Empty(Directory.GetFiles(cli.PathOf("t"), "*.tmp"));
    }
}

public sealed class KillTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    // The epoch a checkpoint has reached, or −1 while there is none (checkpoints are written atomically: whole or absent).
    private static int EpochOf(string path)
    {
        if (!File.Exists(path)) return -1;
        using var checkpoint = JsonDocument.Parse(File.ReadAllText(path));
        return checkpoint.RootElement.GetProperty("epoch").GetInt32();
    }

    [Fact]
    public async Task A_run_killed_with_SIGKILL_and_resumed_writes_exactly_what_an_uninterrupted_run_writes()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        string[] args = ["train", "--synthetic", "200000x8", "--batch-size", "4", "--epochs", "150", "--record-every", "400000", "--checkpoint-every", "25000"];
        using (var process = ChildProcess.Start(cli.Root, [.. args, "--out", "killed"]))
        {
            // Once the run is into its second epoch, kill it at some moment the run does not choose.
            ChildProcess.WaitFor(() => EpochOf(cli.PathOf("killed", "checkpoint.json")) >= 1, 60, "the first epoch's checkpoint");
            await Task.Delay(new Random().Next(200));
            process.Kill(); // SIGKILL: no handler runs, nothing is flushed
            process.WaitForExit();
        }
        Assert.DoesNotContain(Directory.GetFiles(cli.PathOf("killed"), "*.json"), f => new FileInfo(f).Length == 0);
        using (var checkpoint = JsonDocument.Parse(File.ReadAllText(cli.PathOf("killed", "checkpoint.json"))))
            Assert.True(checkpoint.RootElement.GetProperty("epoch").GetInt32() < 150, "the kill should land part way through the run");

        Assert.Equal(0, cli.Run("train", "--resume", cli.PathOf("killed")).ExitCode);
        Assert.Equal(0, cli.Run([.. args, "--out", cli.PathOf("whole")]).ExitCode);
        Assert.Equal(File.ReadAllBytes(cli.PathOf("whole", "loss.csv")), File.ReadAllBytes(cli.PathOf("killed", "loss.csv")));
        Assert.Equal(File.ReadAllBytes(cli.PathOf("whole", "parameters.csv")), File.ReadAllBytes(cli.PathOf("killed", "parameters.csv")));
        Assert.Empty(Directory.GetFiles(cli.PathOf("killed"), "*.tmp"));
    }
}
