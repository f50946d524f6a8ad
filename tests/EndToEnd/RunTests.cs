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
    [InlineData("""{"experiments":[{"verb":"train","options":{"lr":-1}}]}""", ": experiment 1 (train): --lr -1: must be ≥ 0")]
    [InlineData("""{"experiments":[{"verb":"trace"},{"verb":"trian"}]}""", ": experiment 2: \"trian\" is not a verb that run can run")]
    [InlineData("""{"experiments":[{"verb":"trace","options":{"rate":1}}]}""", ": experiment 1 (trace): \"rate\" is not an option of trace; see 'momentum trace --help'")]
    [InlineData("""{"experiments":[{"verb":"trace","options":{"out":"x"}}]}""", ": experiment 1: \"out\" is set by run")]
    [InlineData("""{"experiments":[{"options":{}}]}""", ": experiment 1: needs \"verb\"")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"resume":"x"}}]}""", ": experiment 1: \"resume\" is not for batch runs")]
    [InlineData("""{"experiments":[]}""", ": expected a non-empty list of experiments")]
    [InlineData("""{"experiments":[""", ":1:17: not valid JSON")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"lr":null}}]}""", ": experiment 1 (train): \"lr\" is null; give it a value or leave it out")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"lr":{"x":1}}}]}""", ": experiment 1 (train): \"lr\" must be a value (a number, text, true/false or a list), not an object")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"lr":[[0.1]]}}]}""", ": experiment 1 (train): \"lr\" must be a list of numbers or texts, not a list holding lists, objects or nulls")]
    [InlineData("""{"experiments":[{"verb":"train","option":{"lr":0.1}}]}""", ": experiment 1: \"option\" is not a key of an experiment (name, verb, options)")]
    [InlineData("""{"experiment":[{"verb":"train"}]}""", ": \"experiment\" is not a key of a run config; it holds {\"experiments\": [...]}")]
    [InlineData("""{"experiments":[{"verb":"train"}],"experiments":[]}""", ": \"experiments\" is given twice")]
    [InlineData("""{"experiments":[{"verb":"train","verb":"trace"}]}""", ": experiment 1: \"verb\" is given twice")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"lr":0.1,"LR":0.2}}]}""", ": experiment 1 (train): option: \"LR\" is given twice")]
    [InlineData("""{"experiments":[{"verb":"train","options":{"batch-size":5,"batch_size":6}}]}""", ": experiment 1 (train): option: \"batch_size\" is given twice")]
    [InlineData("""{"experiments":[{"name":"","verb":"trace"}]}""", ": experiment 1: \"name\" \"\" cannot be a folder name (it must be a plain, non-empty file name)")]
    [InlineData("""{"experiments":[{"name":"a/b","verb":"trace"}]}""", ": experiment 1: \"name\" \"a/b\" cannot be a folder name (it must be a plain, non-empty file name)")]
    [InlineData("""{"experiments":[{"name":"a\nb","verb":"trace"}]}""", ": experiment 1: \"name\" \"a\\nb\" cannot be a folder name (it must be a plain, non-empty file name)")]
    [InlineData("""{"experiments":[{"verb":"trace","options":{"l\nr":1}}]}""", ": experiment 1 (trace): \"l\\nr\" is not an option of trace; see 'momentum trace --help'")]
    [InlineData("""{"experiments":[{"name":7,"verb":"trace"}]}""", ": experiment 1: \"name\" must be text, the experiment's folder name")]
    [InlineData("""{"experiments":[{"name":"x","verb":"trace"},{"name":"X","verb":"trace"}]}""", ": experiment 2: \"name\" \"X\" is the name of an earlier experiment; each writes into its own folder")]
    [InlineData("""{"experiments":[{"verb":"trace","options":{"lr":1e999}}]}""", ": experiment 1 (trace): --lr 1e999: is out of range (a number must lie within ±1.7976931348623157e308)")]
    [InlineData("""{"experiments":[{"verb":"merge","options":{"folders":["nowhere"]}}]}""", ": experiment 1 (merge): nowhere: no such folder")]
    public void A_bad_config_exits_2_before_any_experiment_runs(string json, string message)
    {
        File.WriteAllText(cli.PathOf("bad.json"), json);
        var result = cli.Run("run", "--config", cli.PathOf("bad.json"), "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(cli.PathOf("bad.json") + message, result.Error);
        Assert.DoesNotContain('\n', result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Fact]
    public void An_optimizer_written_out_in_JSON_trains_and_traces_as_the_same_optimizer_named_on_the_command_line()
    {
        File.WriteAllText(cli.PathOf("json.json"), """
            { "experiments": [
                { "name": "chain", "verb": "train", "options": { "synthetic": "300x3", "optimizer": { "kind": "chain", "links": [
                    { "kind": "clip_by_global_norm", "max_norm": 0.5 },
                    { "kind": "qhm", "learning_rate": 0.02, "momentum": 0.9, "nu": 0.6 } ] } } },
                { "name": "trace", "verb": "trace", "options": { "optimizer": { "kind": "sgd", "learning_rate": 0.6, "momentum": 0.5 } } } ] }
            """);
        Assert.Equal(0, cli.Run("run", "--config", cli.PathOf("json.json"), "--out", cli.PathOf("json")).ExitCode);
        Assert.Equal(0, cli.Run("train", "--synthetic", "300x3", "--optimizer", "qhm", "--lr", "0.02", "--momentum", "0.9", "--nu", "0.6", "--clip-norm", "0.5", "--out", cli.PathOf("named")).ExitCode);
        foreach (var file in new[] { "loss.csv", "parameters.csv" })
            Assert.Equal(File.ReadAllText(cli.PathOf("named", file)), File.ReadAllText(cli.PathOf("json", "chain", file)));
        var named = cli.Run("trace", "--optimizer", "momentum", "--lr", "0.6", "--momentum", "0.5", "--out", cli.PathOf("t"));
        Assert.Equal(File.ReadAllText(cli.PathOf("t", "trace.csv")), File.ReadAllText(cli.PathOf("json", "trace", "trace.csv")));
        Assert.Equal("epoch 20, x1: 0.007188, x2: 0.002553", named.LastLine);
    }

    [Theory]
    [InlineData("""{"kind":"qhm","learning_rate":0.01,"momentum":0.9,"nu":0.7}""", "--lr: the optimizer is written out in JSON; set its hyperparameters there", "--lr", "0.1")]
    [InlineData("""{"kind":"adam"}""", "--optimizer: not an optimizer Core can read from JSON ($.kind: unknown transformation kind \"adam\"; known: add_decayed_weights, aggmo, apply_if_finite, chain, clip_by_global_norm, clip_by_value, keras_momentum, lookahead, multi_steps, parameter_average, qhm, scale, scale_by_learning_rate, schedule_free, sgd, trace.)")]
    [InlineData("""{"kind":"sgd","learning_rate":-1}""", "--optimizer: not an optimizer Core can read from JSON ($.learning_rate: must be ≥ 0 (found -1).)")]
    public void A_JSON_optimizer_that_Core_refuses_or_that_comes_with_hyperparameter_options_exits_2_naming_why(string json, string message, params string[] more)
    {
        var result = cli.Run(["train", "--optimizer", json, .. more, "--out", cli.PathOf("t")]);
        Assert.Equal((2, message), (result.ExitCode, result.Error.TrimEnd()));
    }

    [Fact]
    public void A_folder_given_as_the_config_is_refused_as_a_folder()
    {
        var result = cli.Run("run", "--config", cli.Root, "--out", cli.PathOf("never"));
        Assert.Equal((2, $"{cli.Root}: is a folder, not a run config"), (result.ExitCode, result.Error.TrimEnd()));
    }

    [Fact]
    public void A_config_may_shard_a_sweep_and_merge_the_shards_as_the_unsharded_sweep_writes_it()
    {
        File.WriteAllText(cli.PathOf("batch.json"), """
            { "experiments": [
                { "name": "half-1", "verb": "sweep", "options": { "synthetic": "200x3", "lr": [0.01, 0.02, 0.05], "momentum": "0,0.9", "shard": "1/2" } },
                { "name": "half-2", "verb": "sweep", "options": { "synthetic": "200x3", "lr": [0.01, 0.02, 0.05], "momentum": "0,0.9", "shard": "2/2" } },
                { "name": "all", "verb": "merge", "options": { "folders": ["half-1", "half-2"] } },
                { "name": "hessian", "verb": "train", "options": { "synthetic": "200x3", "lr": 5 } },
                { "name": "theory", "verb": "analyze", "options": { "matrix": "hessian/hessian.csv", "lr": 0.1, "momentum": 0.5 } } ] }
            """);
        var result = cli.Run("run", "--config", cli.PathOf("batch.json"), "--out", cli.PathOf("out"));
        // The diverging training run is the worst result (exit 3); the analysis of its Hessian ran after it.
        Assert.Equal(3, result.ExitCode);
        Assert.True(File.Exists(cli.PathOf("out", "theory", "analyze.csv")));
        Assert.Equal(0, cli.Run("sweep", "--synthetic", "200x3", "--lr", "0.01,0.02,0.05", "--momentum", "0,0.9", "--out", cli.PathOf("direct")).ExitCode);
        KillTests.AssertSameFiles(cli.PathOf("direct"), cli.PathOf("out", "all"), ["sweep.csv", "sweep.json", "sweep.png"]);
    }

    [Fact]
    public void An_experiment_that_reads_what_an_earlier_one_writes_is_checked_in_full_when_its_turn_comes()
    {
        // The merge names a shard no experiment writes: refused when its turn comes, after the sweep before it ran.
        File.WriteAllText(cli.PathOf("batch.json"), """
            { "experiments": [
                { "name": "half-1", "verb": "sweep", "options": { "synthetic": "200x3", "lr": [0.01, 0.02], "shard": "1/2" } },
                { "name": "all", "verb": "merge", "options": { "folders": ["half-1", "half-1/../half-2"] } } ] }
            """);
        var result = cli.Run("run", "--config", cli.PathOf("batch.json"), "--out", cli.PathOf("out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{cli.PathOf("out", "half-1/../half-2")}: no such folder", result.Error.TrimEnd());
        Assert.True(File.Exists(cli.PathOf("out", "half-1", "sweep.csv")));
    }
}
