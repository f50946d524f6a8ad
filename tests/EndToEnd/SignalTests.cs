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
