namespace Momentum.EndToEnd;

[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;

/// <summary>Option values come from appsettings.json, then environment variables, then the command line, which wins.</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class ConfigurationTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__LR", null);
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__OPTIMIZER", null);
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__MOMENTUM", null);
        Environment.SetEnvironmentVariable("MOMENTUM_TRAIN__LR", null);
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__LR__X", null);
        Environment.SetEnvironmentVariable("MOMENTUM_SWEEP__LR__0", null);
        Environment.SetEnvironmentVariable("MOMENTUM_SWEEP__LR__1", null);
        Environment.SetEnvironmentVariable("MOMENTUM_Logging__LogLevel__Default", null);
        cli.Dispose();
    }

    [Fact]
    public void Environment_variables_set_options_and_the_command_line_overrides_them()
    {
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__OPTIMIZER", "momentum");
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__LR", "0.6");
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__MOMENTUM", "0.5");
        Assert.Equal("epoch 20, x1: 0.007188, x2: 0.002553", cli.Run("trace", "--out", cli.PathOf("a")).LastLine);
        Assert.Equal("epoch 20, x1: -0.126340, x2: -0.186632", cli.Run("trace", "--momentum", "0.25", "--out", cli.PathOf("b")).LastLine);
    }

    [Fact]
    public void An_option_in_the_environment_does_not_block_resuming_a_run()
    {
        Assert.Equal(0, cli.Run("train", "--synthetic", "100x2", "--checkpoint-every", "10", "--out", cli.PathOf("run")).ExitCode);
        Environment.SetEnvironmentVariable("MOMENTUM_TRAIN__LR", "0.3");
        Assert.Equal(0, cli.Run("train", "--resume", cli.PathOf("run")).ExitCode);
    }

    [Fact]
    public void A_bad_value_from_the_environment_is_refused_like_one_from_the_command_line()
    {
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__LR", "fast");
        var result = cli.Run("trace", "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("--lr fast: must be a number", result.Error.TrimEnd());
    }

    [Fact]
    public void An_option_set_to_an_object_in_the_environment_is_refused_and_a_list_reads_as_a_comma_list()
    {
        Environment.SetEnvironmentVariable("MOMENTUM_TRACE__LR__X", "1");
        var result = cli.Run("trace", "--out", cli.PathOf("never"));
        Assert.Equal((2, "--lr: is set to an object (lr:X) in the settings or environment; give it one value"), (result.ExitCode, result.Error.TrimEnd()));
        Environment.SetEnvironmentVariable("MOMENTUM_SWEEP__LR__0", "0.01");
        Environment.SetEnvironmentVariable("MOMENTUM_SWEEP__LR__1", "0.02");
        Assert.Equal(0, cli.Run("sweep", "--synthetic", "100x2", "--momentum", "0.5", "--out", cli.PathOf("s")).ExitCode);
        Assert.Equal(3, File.ReadAllLines(cli.PathOf("s", "sweep.csv")).Length);
    }

    [Fact]
    public void A_logging_level_that_is_not_one_is_refused()
    {
        Environment.SetEnvironmentVariable("MOMENTUM_Logging__LogLevel__Default", "Loud");
        var result = cli.Run("trace", "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("configuration (appsettings.json or MOMENTUM_ environment variables): ", result.Error);
    }
}

/// <summary>appsettings.json is checked before any verb runs: its JSON, its keys and its values.</summary>
public sealed class SettingsFileTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private Cli.Result RunWith(string settings, params string[] args)
    {
        var path = cli.PathOf("appsettings.json");
        File.WriteAllText(path, settings);
        return cli.RunWith(new Momentum.Runner.Cli.AppSetup(path), [.. args, "--out", cli.PathOf("o")]);
    }

    [Theory]
    [InlineData("{ \"trace\": { \"lr\": 0.6, } ", ":1:27: not valid JSON (Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.)")]
    [InlineData("{\n  \"trace\": { \"lr\": 0.6 }\n  \"quadratic\": {}\n}", ":3:3: not valid JSON ('\"' is invalid after a value. Expected either ',', '}', or ']'.)")]
    [InlineData("{ \"trace\": { \"lr\": { \"x\": 1 } } }", ": trace.lr: must be a value (a number, text, true/false or a list), not an object")]
    [InlineData("{ \"trace\": { \"lr\": null } }", ": trace.lr: is null; give it a value or leave it out")]
    [InlineData("{ \"trace\": { \"rate\": 1 } }", ": trace.rate: not an option of trace; see 'momentum trace --help'")]
    [InlineData("{ \"trace\": { \"lr\": 1, \"LR\": 2 } }", ": trace.LR: given twice")]
    [InlineData("{ \"trace\": {}, \"Trace\": {} }", ": Trace: given twice")]
    [InlineData("{ \"trcae\": {} }", ": \"trcae\" is not a verb (nor Logging); the verbs are chapter, trace, quadratic, analyze, tuned, region, noise, weights, scalar, train, plateau, sweep, merge, bench, data, run")]
    [InlineData("{ \"trace\": 5 }", ": trace: must be an object of options, e.g. {\"lr\": 0.6}")]
    [InlineData("[1, 2]", ": must be a JSON object with a section per verb, e.g. {\"trace\": {\"lr\": 0.6}}")]
    [InlineData("{ \"trace\": { \"lr\": \"fast\" } }", "--lr fast: must be a number")]
    [InlineData("{ \"trace\": {} }\0", ": is not a text file (it holds NUL bytes)")]
    public void A_bad_settings_file_exits_2_naming_the_file_and_where(string settings, string message)
    {
        var result = RunWith(settings, "trace");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message.StartsWith("--", StringComparison.Ordinal) ? message : cli.PathOf("appsettings.json") + message, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("o")));
    }

    [Fact]
    public void A_settings_file_with_comments_lists_and_the_dashless_spellings_of_options_is_read()
    {
        var result = RunWith("""
            // the program's defaults
            { "Logging": { "LogLevel": { "Default": "Warning" } },
              "trace": { "optimizer": "momentum", "lr": 0.6, "momentum": 0.5, },
              "sweep": { "lr": [0.01, 0.02], "batch_size": 5 } }
            """, "trace");
        Assert.Equal((0, "epoch 20, x1: 0.007188, x2: 0.002553"), (result.ExitCode, result.LastLine));
        var large = new string(' ', 1 << 20) + "{}";
        Assert.Equal($"{cli.PathOf("appsettings.json")}: is larger than 1 MiB, the most a settings file may be", RunWith(large, "trace").Error.TrimEnd());
    }
}
