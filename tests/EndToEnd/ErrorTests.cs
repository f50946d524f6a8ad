namespace Momentum.EndToEnd;

/// <summary>An invalid argument exits 2 with one line naming the option, the value and what is allowed, and writes nothing.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("--momentum 1.5: must be in [0, 1)", "trace", "--optimizer", "momentum", "--momentum", "1.5")]
    [InlineData("--momentum -0.1: must be in [0, 1)", "trace", "--optimizer", "momentum", "--momentum=-0.1")]
    [InlineData("--momentum: not a hyperparameter of --optimizer gd; momentum, nesterov, sgdw, keras, qhm, demon, lookahead, schedule-free read it", "trace", "--momentum", "0.5")]
    [InlineData("--nu 2: must be in [0, 1]", "trace", "--optimizer", "qhm", "--nu", "2")]
    [InlineData("--lr -1: must be ≥ 0", "trace", "--lr=-1")]
    [InlineData("--lr abc: must be a number", "trace", "--lr", "abc")]
    [InlineData("--lr NaN: must be a number", "quadratic", "--lr", "NaN")]
    [InlineData("--dampening 1.5: must be in [0, 1]", "quadratic", "--optimizer", "momentum", "--dampening", "1.5")]
    [InlineData("--momentum 0: must be > 0 with Nesterov momentum", "trace", "--optimizer", "nesterov", "--momentum", "0")]
    [InlineData("--dampening: not a hyperparameter of --optimizer nesterov; momentum reads it", "quadratic", "--optimizer", "nesterov", "--dampening", "0.5")]
    [InlineData("--optimizer adam: must be one of gd, momentum, nesterov, sgdw, keras, qhm, aggmo, demon, lookahead, schedule-free", "trace", "--optimizer", "adam")]
    [InlineData("--steps -1: must be an integer in [0, 10000000]", "trace", "--steps", "-1")]
    [InlineData("--steps 2.5: must be an integer", "trace", "--steps", "2.5")]
    [InlineData("--eigenvalues 1,x,3: item 2 \"x\" is not a number", "quadratic", "--eigenvalues=1,x,3")]
    [InlineData("--start 1,2,3: needs exactly 2 comma-separated numbers, found 3", "trace", "--start", "1,2,3")]
    [InlineData("--x0 1,2: needs 1 value or 10 (one per eigenvalue), found 2", "quadratic", "--x0", "1,2")]
    [InlineData("--betas 0.9,1: item 2 (1) must be in [0, 1)", "weights", "--betas", "0.9,1")]
    [InlineData("--horizon 0: must be an integer in [1, 1000000]", "weights", "--horizon", "0")]
    [InlineData("--bogus: not an option or verb of 'momentum trace'; see 'momentum trace --help'", "trace", "--bogus", "1")]
    [InlineData("--matrix and --eigenvalues: give one or the other, not both", "analyze", "--matrix", "q.csv", "--eigenvalues", "1,2")]
    [InlineData("--eigenvalues 1e308,1e-308: must keep κ = L/μ finite in double precision (L/μ = 1E+308/1E-308 overflows); rescale the eigenvalues", "analyze", "--eigenvalues", "1e308,1e-308")]
    [InlineData("--eigenvalues 5e-324,1: must keep κ = L/μ finite in double precision (L/μ = 1/4.94066E-324 overflows); rescale the eigenvalues", "analyze", "--eigenvalues", "5e-324,1")]
    [InlineData("--lr: needs a value", "trace", "--lr", "--out", "o2")]
    [InlineData("--lr: needs a value", "trace", "--optimizer", "momentum", "--lr=", "--momentum", "0.5")]
    [InlineData("--momentum: needs a value", "trace", "--optimizer", "momentum", "--lr", "0.5", "--momentum", "--help")]
    [InlineData("--lr 1e999: is out of range (a number must lie within ±1.7976931348623157e308)", "trace", "--lr", "1e999")]
    [InlineData("--start -1e400,2: item 1 \"-1e400\" is out of range (a number must lie within ±1.7976931348623157e308)", "trace", "--start=-1e400,2")]
    [InlineData("--lr Infinity: must be a number", "trace", "--lr", "Infinity")]
    [InlineData("--steps 99999999999999999999: is out of range (must be an integer in [0, 10000000])", "trace", "--steps", "99999999999999999999")]
    [InlineData("--checkpoint-every 99999999999999999999: is out of range (integers here are at most 9223372036854775807 in size)", "train", "--checkpoint-every", "99999999999999999999")]
    [InlineData("--shard: not an option of 'momentum merge'; see 'momentum merge --help'", "merge", "--shard", "1/2", "a")]
    [InlineData("--lr a\\nb: must be a number", "trace", "--lr", "a\nb")]
    [InlineData("merge: a folder was given as an empty name", "merge", "")]
    public void An_invalid_value_exits_2_with_one_line_and_writes_nothing(string message, params string[] args)
    {
        var output = cli.PathOf("never");
        var result = cli.Run([.. args, "--out", output]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd());
        Assert.DoesNotContain('\n', result.Error.TrimEnd());
        Assert.False(Directory.Exists(output));
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("", ": the file is empty")]
    [InlineData("1,2\n3,4,5\n", ":2: expected 2 columns, found 3")]
    [InlineData("1,2\n3,x\n", ":2:2: \"x\" is not a number")]
    [InlineData("1,2\n3,Infinity\n", ":2:2: Infinity is not a finite number")]
    [InlineData("a,b\n", ": has a header but no data rows")]
    [InlineData("1,2\n3,4\n5,6\n", ": the matrix is 3×2; Q must be square")]
    [InlineData("1,2\n0,1\n", ": The matrix is not symmetric: entry (1,2) = 2 but (2,1) = 0.")]
    public void A_bad_matrix_file_exits_2_naming_the_file_and_line(string content, string expected)
    {
        var file = cli.PathOf("q.csv");
        File.WriteAllText(file, content);
        var result = cli.Run("analyze", "--matrix", file, "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(file + expected, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Fact]
    public void Values_the_user_gave_are_printed_as_given()
    {
        var result = cli.Run("weights", "--betas", "0.99999999999,0.5", "--horizon", "3", "--out", cli.PathOf("w"));
        Assert.Equal(["beta = 0.99999999999: 1/(1 - beta) = 1e11 gradients", "beta = 0.5: 1/(1 - beta) = 2 gradients"], result.Lines);
        var scalar = cli.Run("scalar", "--lambdas", "0.123456789", "--steps", "2", "--out", cli.PathOf("s"));
        Assert.StartsWith("lambda = 0.123456789: ", scalar.LastLine);
    }

    [Fact]
    public void A_divergence_hint_suggests_the_options_in_their_shortest_form()
    {
        var result = cli.Run("train", "--synthetic", "200x3", "--lr", "3.3", "--momentum", "0.9", "--out", cli.PathOf("t"));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"(momentum analyze --matrix {cli.PathOf("t", "hessian.csv")} --lr 3.3 --momentum 0.9)", result.Error);
    }

    [Fact]
    public void An_option_without_its_value_is_named()
    {
        var result = cli.Run("trace", "--lr");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("--lr: needs a value", result.Error.TrimEnd());
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var result = cli.Run("analyze", "--matrix", cli.PathOf("nope.csv"), "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(cli.PathOf("nope.csv") + ": no such file", result.Error.TrimEnd());
    }

    [Fact]
    public void An_unknown_verb_is_refused()
    {
        var result = cli.Run("tarce");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("tarce: not an option or verb of 'momentum'; see 'momentum --help'", result.Error.TrimEnd());
    }
}
