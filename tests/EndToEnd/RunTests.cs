namespace Momentum.EndToEnd;

public sealed class RunTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Run_executes_each_experiment_into_its_own_folder_as_the_command_line_would()
    {
        File.WriteAllText(cli.PathOf("batch.json"), """
            {
              // comments and trailing commas are allowed
              "experiments": [
                { "name": "slow", "verb": "train", "options": { "lr": 0.002, "momentum": 0.5, "synthetic": "200x3" } },
                { "verb": "sweep", "options": { "lr": [0.01, 0.02], "momentum": "0,0.9", "synthetic": "200x3", "parallelism": 2 } },
                { "verb": "trace", "options": { "start": "-3,-1", "steps": 5 } },
              ]
            }
            """);
        var result = cli.Run("run", "--config", cli.PathOf("batch.json"), "--out", cli.PathOf("out"));
        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(cli.PathOf("out", "slow", "loss.csv")));
        Assert.True(File.Exists(cli.PathOf("out", "02-sweep", "sweep.csv")));
        Assert.True(File.Exists(cli.PathOf("out", "03-trace", "trace.csv")));

        var direct = cli.Run("train", "--lr", "0.002", "--momentum", "0.5", "--synthetic", "200x3", "--out", cli.PathOf("direct"));
        Assert.Equal(File.ReadAllText(cli.PathOf("direct", "loss.csv")), File.ReadAllText(cli.PathOf("out", "slow", "loss.csv")));
        Assert.Contains("epoch 5, x1: ", result.Out);
    }

    [Theory]
    [InlineData("""{"experiments":[{"verb":"train","options":{"lr":0}}]}""", ": experiment 1 (train): --lr 0: must be > 0")]
    [InlineData("""{"experiments":[{"verb":"trace"},{"verb":"trian"}]}""", ": experiment 2: \"trian\" is not a verb that run can run")]
    [InlineData("""{"experiments":[{"verb":"trace","options":{"rate":1}}]}""", ": experiment 1 (trace): \"rate\" is not an option of trace; see 'momentum trace --help'")]
    [InlineData("""{"experiments":[{"verb":"trace","options":{"out":"x"}}]}""", ": experiment 1: \"out\" is set by run")]
    [InlineData("""{"experiments":[{"options":{}}]}""", ": experiment 1: needs \"verb\"")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"resume":"x"}}]}""", ": experiment 1: \"resume\" is not for batch runs")]
    [InlineData("""{"experiments":[]}""", ": expected a non-empty list of experiments")]
    [InlineData("""{"experiments":[""", ":1:17: not valid JSON")]
    public void A_bad_config_exits_2_before_any_experiment_runs(string json, string message)
    {
        File.WriteAllText(cli.PathOf("bad.json"), json);
        var result = cli.Run("run", "--config", cli.PathOf("bad.json"), "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(cli.PathOf("bad.json") + message, result.Error);
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }
}
