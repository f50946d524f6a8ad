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

    /// <summary>The exit codes a run in a writable folder, without signals, may end with: success, refusal, divergence.</summary>
    private static bool Allowed(Cli.Result result, out string why)
    {
        var error = result.Error.TrimEnd();
        why = $"exit {result.ExitCode}: {error}";
        return result.ExitCode is 0 or 3 || (result.ExitCode == 2 && error.Length > 0 && !error.Contains('\n'));
    }

    private static readonly Gen<string> Verbs = Gen.Elements("trace", "quadratic", "analyze", "tuned", "weights", "scalar", "region", "noise", "plateau", "train", "sweep", "merge", "run", "data", "--help", "bogus", "--lr");
    private static readonly Gen<string> Names = Gen.Elements(
        "--optimizer", "--lr", "--momentum", "--dampening", "--weight-decay", "--steps", "--start", "--coefficients", "--eigenvalues",
        "--x0", "--matrix", "--epsilon", "--points", "--eta-lambda-max", "--betas", "--horizon", "--lambdas", "--batch-size", "--epochs",
        "--seed", "--record-every", "--precision", "--loss", "--schedule", "--synthetic", "--target", "--rows", "--seeds", "--shard",
        "--parallelism", "--threads", "--on-nonfinite", "--checkpoint-every", "--resume", "--data", "--timing", "--config", "--noise", "--runs", "--batch-sizes", "--optimizers", "--nope", "-x", "--help");
    private static readonly Gen<string> Values = Gen.Elements(
        "0", "1", "2", "-1", "0.5", "0.9", "1.5", "3", "1e-3", "1e400", "1e999", "-1e999", "1e-320", "5e-324", "1e308", "-0", "NaN", "nan",
        "Infinity", "∞", "0x10", " 1", "abc", "", " ", "\0", "1,2", "1,,2", ",", "1,x,3", "-5,-2", "0,0.5", "1,2,3", "1e308,1e-308",
        "40x3", "2x1", "0x0", "1/2", "2/2", "3/2", "9/4", "gd", "momentum", "nesterov", "float64", "half", "mse", "skip", "step:5:0.5", "exp:2",
        "cosine:2:10", "piecewise:3=0.5", "warm", "missing.csv", "airfoil", "/dev/zero", "/", ".", "=", "--", "-", "--out", "--lr", "true",
        "9999999999", "99999999999999999999", "-9223372036854775809", "a\nb", "1\r\n");

    private static readonly Arbitrary<string[]> Arguments =
        (from verb in Verbs
         from options in Gen.ListOf(Gen.Frequency(
             (3, from n in Names from v in Values select new[] { n, v }),
             (1, from n in Names from v in Values select new[] { $"{n}={v}" }),
             (1, Names.Select(n => new[] { n })),
             (1, Values.Select(v => new[] { v }))))
         select (string[])[verb, .. options.Take(6).SelectMany(o => o)]).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Any_argument_list_exits_0_2_or_3_and_a_refusal_is_one_line() =>
        Prop.ForAll(Arguments, args =>
        {
            // Keep runs small and inside this test's folder.
            var run = args.Where(a => !a.StartsWith("--out", StringComparison.Ordinal)).Append("--out").Append(cli.PathOf("o", Guid.NewGuid().ToString("N"))).ToArray();
            if (run[0] is "train" or "sweep" or "plateau" && !run.Any(a => a.StartsWith("--synthetic", StringComparison.Ordinal)))
                run = [.. run, "--synthetic", "60x2"];
            var result = cli.Run(run);
            return Allowed(result, out var why).Label(why);
        });

    // What JSON files are made of, and what breaks them.
    private static readonly Gen<string> JsonPieces = Gen.Elements(
        "{", "}", "[", "]", ":", ",", ",", " ", "\n", "\"experiments\"", "\"experiment\"", "\"verb\"", "\"options\"", "\"option\"", "\"name\"",
        "\"trace\"", "\"train\"", "\"analyze\"", "\"weights\"", "\"merge\"", "\"lr\"", "\"steps\"", "\"momentum\"", "\"synthetic\"",
        "\"40x2\"", "\"\"", "\"x\"", "\"a/b\"", "0.1", "0.5", "3", "-1", "1e999", "99999999999999999999", "null", "true", "false", "[0.1, 0.2]",
        "{\"x\": 1}", "\u0000", "//", "/*", "*/", "\"\\u0000\"", "\\", "\"é\"", "\"a\\nb\"");

    private static readonly Arbitrary<string> JsonTexts =
        Gen.Frequency(
            (2, Gen.ListOf(JsonPieces).Select(p => string.Concat(p.Take(40)))),
            (3, from experiments in Gen.ListOf(
                    from verb in Gen.Elements("trace", "analyze", "weights", "scalar", "train", "merge", "bogus")
                    from options in Gen.ListOf(
                        from key in Gen.Elements("lr", "momentum", "steps", "horizon", "synthetic", "epochs", "folders", "eigenvalues", "out", "resume", "rate", "LR")
                        from value in Gen.Elements("0.1", "0.5", "3", "-1", "1e999", "null", "true", "\"x\"", "\"40x2\"", "[0.1,0.2]", "[[1]]", "{\"x\":1}", "\"\"")
                        select $"\"{key}\": {value}")
                    from name in Gen.Elements("", ", \"name\": \"a\"", ", \"name\": \"\"", ", \"name\": 7", ", \"name\": \"a/b\"", ", \"option\": {}")
                    select $"{{\"verb\": \"{verb}\", \"options\": {{{string.Join(", ", options.Take(4))}}}{name}}}")
                from top in Gen.Elements("experiments", "experiments", "experiment")
                from cut in Gen.Choose(0, 12)
                let text = $"{{\"{top}\": [{string.Join(", ", experiments.Take(3))}]}}"
                select cut == 0 ? text[..(text.Length / 2)] : text))
        .ToArbitrary();

    [Property(MaxTest = 150)]
    public Property Any_run_config_exits_0_2_or_3_and_a_refusal_is_one_line() =>
        Prop.ForAll(JsonTexts, text =>
        {
            var config = cli.PathOf($"config-{Guid.NewGuid():N}.json");
            File.WriteAllText(config, text);
            var result = cli.Run("run", "--config", config, "--out", cli.PathOf("o", Guid.NewGuid().ToString("N")));
            return Allowed(result, out var why).Label(why);
        });

    [Property(MaxTest = 100)]
    public Property Any_settings_file_exits_0_2_or_3_and_a_refusal_is_one_line() =>
        Prop.ForAll(JsonTexts, Arb.From(Gen.Elements("trace", "weights", "quadratic", "Logging", "LogLevel", "bogus")), (text, section) =>
        {
            var settings = cli.PathOf($"settings-{Guid.NewGuid():N}.json");
            // A section of random options, or random text.
            File.WriteAllText(settings, text.StartsWith("{\"experiments\"", StringComparison.Ordinal) ? text.Replace("\"experiments\"", $"\"{section}\"") : text);
            var result = cli.RunWith(new AppSetup(settings), "trace", "--steps", "3", "--out", cli.PathOf("o", Guid.NewGuid().ToString("N")));
            return Allowed(result, out var why).Label(why);
        });

    /// <summary>A change a disk, an editor or a kill may make to a file: cut it short, replace or insert a piece, or change a number.</summary>
    private static readonly Gen<Func<string, string>> Damage =
        Gen.OneOf(
            Gen.Choose(0, 1000).Select<int, Func<string, string>>(k => t => t[..(t.Length * k / 1000)]),
            (from k in Gen.Choose(0, 1000) from piece in JsonPieces select (Func<string, string>)(t => t.Insert(t.Length * k / 1000, piece))),
            (from k in Gen.Choose(0, 999) from piece in Gen.Elements("x", "\0", "9", "-", ".", "\"", ",", "\n", "é")
             select (Func<string, string>)(t => t.Length == 0 ? t : t.Remove(t.Length * k / 1000, 1).Insert(t.Length * k / 1000, piece))),
            (from k in Gen.Choose(0, 30)
             from number in Gen.Elements("1e308", "-1", "1.5", "\"x\"", "null", "[]", "{}", "99999999999999999999", "1e999", "0", "-0", "3.4e38", "1e-320")
             select (Func<string, string>)(t => ReplaceNumber(t, k, number))));

    // Replaces the k-th number in the text (counted modulo how many there are).
    private static string ReplaceNumber(string text, int k, string with)
    {
        var numbers = System.Text.RegularExpressions.Regex.Matches(text, @"-?\d+(\.\d+)?([eE][+-]?\d+)?");
        if (numbers.Count == 0) return text;
        var m = numbers[k % numbers.Count];
        return text[..m.Index] + with + text[(m.Index + m.Length)..];
    }

    // A run stopped part way (so that resuming it trains), made once per test and damaged in copies.
    private string TrainFolder()
    {
        var folder = cli.PathOf("train");
        if (Directory.Exists(folder)) return folder;
        using var stop = new CancellationTokenSource();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        App.RunAsync(["train", "--synthetic", "100x2", "--epochs", "6", "--record-every", "50", "--checkpoint-every", "15", "--out", folder],
            stdout, stderr, new Momentum.Runner.Execution.Interruption(stop.Token), new AppSetup(SettingsFile.Default, new StopAfter(40, stop))).GetAwaiter().GetResult();
        return folder;
    }

    private string Copy(string folder)
    {
        var copy = cli.PathOf("c", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(folder)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    [Property(MaxTest = 150)]
    public Property A_damaged_checkpoint_resumes_or_is_refused_in_one_line_naming_a_file_of_the_run() =>
        Prop.ForAll(Damage.ToArbitrary(), Arb.From(Gen.Elements("checkpoint.json", "checkpoint-history.csv")), (damage, file) =>
        {
            var folder = Copy(TrainFolder());
            var path = Path.Combine(folder, file);
            File.WriteAllText(path, damage(File.ReadAllText(path)));
            var result = cli.Run("train", "--resume", folder);
            var named = result.ExitCode != 2 || result.Error.Contains(folder, StringComparison.Ordinal);
            return (Allowed(result, out var why) && named).Label(why);
        });

    // A finished shard, made once per test and damaged in copies.
    private string SweepFolder()
    {
        var folder = cli.PathOf("sweep");
        if (!Directory.Exists(folder))
            cli.Run("sweep", "--synthetic", "60x2", "--lr", "0.01,0.05", "--momentum", "0,0.5", "--shard", "1/2", "--out", folder);
        return folder;
    }

    [Property(MaxTest = 150)]
    public Property A_damaged_sweep_folder_resumes_merges_or_is_refused_in_one_line() =>
        Prop.ForAll(Damage.ToArbitrary(), Arb.From(Gen.Elements("sweep.json", "sweep.csv")), Arb.From(Gen.Elements("resume", "merge")), (damage, file, verb) =>
        {
            var folder = Copy(SweepFolder());
            var path = Path.Combine(folder, file);
            File.WriteAllText(path, damage(File.ReadAllText(path)));
            var result = verb == "resume"
                ? cli.Run("sweep", "--resume", folder)
                : cli.Run("merge", folder, "--out", cli.PathOf("m", Guid.NewGuid().ToString("N")));
            return Allowed(result, out var why).Label(why);
        });
}
