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
}
