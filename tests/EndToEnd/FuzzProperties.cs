using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;

namespace Momentum.EndToEnd;

/// <summary>Random input never crashes the tool: the loader reads or refuses, the command line exits 0, 2 or 3.</summary>
public sealed class FuzzProperties : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    // Text made of what data files are made of, and what breaks them.
    private static readonly Gen<string> Pieces = Gen.Elements(
        "0", "1", "-2.5", "3e4", "1e400", ".", "-", "+", "e", "NaN", "Infinity", "-Infinity", "x", "y", "abc", "\"", "\"1,2\"",
        ",", ",", "\t", "\t", ";", "|", " ", "  ", "\n", "\n", "\r\n", "\r", "\0", "é", "١");

    private static readonly Arbitrary<string> Texts =
        Gen.Frequency(
            (4, Gen.ListOf(Pieces).Select(p => string.Concat(p))),
            (1, from rows in Gen.Choose(1, 6)
                from columns in Gen.Choose(1, 4)
                from cells in Gen.ArrayOf(Pieces, rows * columns)
                select string.Join("\n", Enumerable.Range(0, rows).Select(r => string.Join(",", cells.Skip(r * columns).Take(columns))))))
        .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property The_loader_reads_a_rectangle_of_finite_numbers_or_refuses_naming_the_file() =>
        Prop.ForAll(Texts, text =>
        {
            var file = cli.PathOf($"fuzz-{Guid.NewGuid():N}.csv");
            File.WriteAllText(file, text);
            try
            {
                var table = DataFile.Read(file).Table;
                return table.Rows > 0 && table.ToArray().All(double.IsFinite) && table.Count == (long)table.Rows * table.Columns;
            }
            catch (UsageException e)
            {
                return e.Message.StartsWith(file, StringComparison.Ordinal) && !e.Message.Contains('\n');
            }
        });

    private static readonly Gen<string> Verbs = Gen.Elements("trace", "quadratic", "analyze", "weights", "scalar", "region", "train", "sweep", "merge", "data", "--help", "bogus");
    private static readonly Gen<string> Names = Gen.Elements(
        "--optimizer", "--lr", "--momentum", "--dampening", "--weight-decay", "--steps", "--start", "--coefficients", "--eigenvalues",
        "--x0", "--matrix", "--epsilon", "--points", "--eta-lambda-max", "--betas", "--horizon", "--lambdas", "--batch-size", "--epochs",
        "--seed", "--record-every", "--precision", "--loss", "--schedule", "--synthetic", "--target", "--rows", "--seeds", "--shard",
        "--parallelism", "--threads", "--on-nonfinite", "--checkpoint-every", "--resume", "--data", "--timing", "--nope", "-x");
    private static readonly Gen<string> Values = Gen.Elements(
        "0", "1", "2", "-1", "0.5", "0.9", "1.5", "3", "1e-3", "1e400", "NaN", "abc", "", " ", "1,2", "1,x,3", "-5,-2", "0,0.5", "1,2,3",
        "40x3", "2x1", "0x0", "1/2", "2/2", "3/2", "gd", "momentum", "nesterov", "float64", "half", "mse", "skip", "step:5:0.5", "exp:2",
        "cosine:2:10", "piecewise:3=0.5", "warm", "missing.csv", "airfoil", "=", "--", "-", "9999999999");

    private static readonly Arbitrary<string[]> Arguments =
        (from verb in Verbs
         from options in Gen.ListOf(Gen.Frequency(
             (3, from n in Names from v in Values select new[] { n, v }),
             (1, from n in Names from v in Values select new[] { $"{n}={v}" }),
             (1, Names.Select(n => new[] { n }))))
         select (string[])[verb, .. options.Take(6).SelectMany(o => o)]).ToArbitrary();

    [Property(MaxTest = 150)]
    public Property Any_argument_list_exits_0_2_or_3_and_a_refusal_is_one_line() =>
        Prop.ForAll(Arguments, args =>
        {
            // Keep runs small and inside this test's folder.
            var run = args.Where(a => !a.StartsWith("--out", StringComparison.Ordinal)).Append("--out").Append(cli.PathOf("o", Guid.NewGuid().ToString("N"))).ToArray();
            if (run.Contains("--synthetic") || run.Any(a => a.StartsWith("--synthetic=", StringComparison.Ordinal)) || run[0] is not ("train" or "sweep"))
                run = [.. run];
            else
                run = [.. run, "--synthetic", "60x2"];
            var result = cli.Run(run);
            var error = result.Error.TrimEnd();
            return (result.ExitCode is 0 or 3 || (result.ExitCode == 2 && error.Length > 0 && !error.Contains('\n')))
                .Label($"exit {result.ExitCode}: {error}");
        });
}
