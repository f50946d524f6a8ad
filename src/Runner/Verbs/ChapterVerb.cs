using System.Globalization;
using System.Text;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Every experiment of d2l §11.6 with the book's settings, in the chapter's order, into one folder, with
/// <c>report.md</c> showing each figure, its settings, the command that reproduces it, and the printed lines next to the
/// book's.
/// </summary>
internal sealed class ChapterVerb(IReadOnlyList<Verb> verbs) : Verb<ChapterVerb.Settings>
{
    /// <summary>The data of the minibatch runs: a file or a data set's name (with the rows to keep) or the synthetic set, and why.</summary>
    /// <param name="Notice">One line for standard error before the runs: the data was downloaded, or why the runs train
    /// on synthetic data and how to give them the book's.</param>
    public sealed record Settings(string? Data, int Rows, string DataNote, string? Notice = null);

    public override string Name => "chapter";
    public override string Description => "Every experiment of the Momentum chapter (d2l §11.6) with the book's settings, and report.md (runs when no verb is given).";
    public override string Example => "momentum chapter --data ../shared/data/airfoil_self_noise.dat";
    public override string DefaultOut => "out";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--data", "The airfoil data for the minibatch runs, a file or the name airfoil (default: $AIRFOIL_DATA, else the cached airfoil data, downloaded when missing; failing those, a synthetic set of the same shape).", null),
    ];

    /// <summary>The chapter's experiments in its order; the minibatch runs train on <paramref name="data"/>.</summary>
    public static IReadOnlyList<Experiment> Experiments(Settings data)
    {
        (string Key, string Value)[] source = data.Data is null
            ? [("synthetic", "1500x5")]
            : [("data", data.Data), ("rows", data.Rows.ToString(CultureInfo.InvariantCulture))];
        Dictionary<string, string> Train(params (string Key, string Value)[] options) =>
            source.Concat(options).ToDictionary(o => o.Key, o => o.Value);
        return
        [
            new("trace", "01-gd-lr0.4", "Gradient descent on f(x) = 0.1x₁² + 2x₂², η = 0.4 (§11.6.1.2)",
                Opts(("optimizer", "gd"), ("lr", "0.4")), "epoch 20, x1: -0.943467, x2: -0.000073"),
            new("trace", "02-gd-lr0.6", "Gradient descent, η = 0.6: x₂ diverges (§11.6.1.2)",
                Opts(("optimizer", "gd"), ("lr", "0.6")), "epoch 20, x1: -0.387814, x2: -1673.365109"),
            new("trace", "03-momentum-lr0.6-beta0.5", "Momentum, η = 0.6, β = 0.5 (§11.6.1.3)",
                Opts(("optimizer", "momentum"), ("lr", "0.6"), ("momentum", "0.5")), "epoch 20, x1: 0.007188, x2: 0.002553"),
            new("trace", "04-momentum-lr0.6-beta0.25", "Momentum, η = 0.6, β = 0.25 (§11.6.1.3)",
                Opts(("optimizer", "momentum"), ("lr", "0.6"), ("momentum", "0.25")), "epoch 20, x1: -0.126340, x2: -0.186632"),
            new("weights", "05-weights", "Effective sample weights β^τ (§11.6.1.4)", Opts(("betas", "0.95,0.9,0.6,0"), ("horizon", "40"))),
            new("train", "06-train-lr0.02-beta0.5", $"Minibatch momentum from scratch, η = 0.02, β = 0.5 (§11.6.2.1); {data.DataNote}",
                Train(("optimizer", "momentum"), ("lr", "0.02"), ("momentum", "0.5"))),
            new("train", "07-train-lr0.01-beta0.9", $"Minibatch momentum, η = 0.01, β = 0.9 (§11.6.2.1); {data.DataNote}",
                Train(("optimizer", "momentum"), ("lr", "0.01"), ("momentum", "0.9"))),
            new("train", "08-train-lr0.005-beta0.9", $"Minibatch momentum, η = 0.005, β = 0.9 (§11.6.2.1); {data.DataNote}",
                Train(("optimizer", "momentum"), ("lr", "0.005"), ("momentum", "0.9"))),
            new("train", "09-train-concise", $"Concise: torch.optim.SGD(lr=0.005, momentum=0.9) on nn.MSELoss, 4 epochs, as train_concise_ch11 (§11.6.2.2); {data.DataNote}",
                Train(("optimizer", "momentum"), ("lr", "0.005"), ("momentum", "0.9"), ("loss", "mse"), ("epochs", "4"))),
            new("scalar", "10-scalar", "Gradient descent on (λ/2)x²: x_t = (1 − ηλ)^t (§11.6.3.2)", Opts(("lambdas", "0.1,1,10,19"), ("lr", "0.1"), ("steps", "20"))),
            new("quadratic", "11-exercise2-gd", "Exercise 2: gradient descent on ½ Σ 2⁻ⁱ xᵢ²", Opts(("optimizer", "gd"), ("lr", "1"), ("steps", "100"))),
            new("quadratic", "12-exercise2-momentum", "Exercise 2: momentum on ½ Σ 2⁻ⁱ xᵢ²", Opts(("optimizer", "momentum"), ("lr", "1"), ("momentum", "0.9"), ("steps", "100"))),
            new("region", "13-region", "Where momentum converges: 0 < ηλ < 2 + 2β (§11.6.3.2; Goh 2017)", Opts(("points", "200"))),
            new("analyze", "14-analyze", "The theory for f(x) = 0.1x₁² + 2x₂², η = 0.6, β = 0.5 (Hessian eigenvalues 0.2 and 4)",
                Opts(("lr", "0.6"), ("momentum", "0.5"), ("eigenvalues", "0.2,4"))),
            new("tuned", "15-tuned", "Heavy ball and Nesterov at their own optimal parameters on f (Polyak; Lessard, Recht and Packard 2016): both converge",
                Opts(("optimizers", "momentum,nesterov"), ("eigenvalues", "0.2,4"), ("x0", "-5,-2"))),
            new("noise", "16-noise-gd", "Exercise 4: SGD on f with gradient noise σ = 1, η = 0.1, against the predicted plateau",
                Opts(("optimizer", "gd"), ("lr", "0.1"), ("noise", "1"), ("x0", "-5,-2"))),
            new("noise", "17-noise-momentum", "Exercise 4: momentum with gradient noise σ = 1, η = 0.05, β = 0.5 (the same effective step η/(1 − β))",
                Opts(("optimizer", "momentum"), ("lr", "0.05"), ("momentum", "0.5"), ("noise", "1"), ("x0", "-5,-2"))),
            new("plateau", "18-plateau", $"Exercise 4 with minibatches: the loss plateau over batch size × learning rate, momentum β = 0.9; {data.DataNote}",
                Train(("lr", "0.005,0.01,0.02"), ("momentum", "0.9"), ("batch-sizes", "5,10,20,50,100"))),
        ];
    }

    /// <summary>"sections 6–9 and 18": the sections that train on the chapter's data.</summary>
    public static string DataSections { get; } = Sections(Experiments(new(null, 0, "")).Select((e, i) => (e, i + 1)).Where(x => x.e.Options.ContainsKey("synthetic")).Select(x => x.Item2).ToList());

    private static string Sections(IReadOnlyList<int> numbers)
    {
        var runs = new List<string>();
        for (var k = 0; k < numbers.Count;)
        {
            var end = k;
            while (end + 1 < numbers.Count && numbers[end + 1] == numbers[end] + 1) end++;
            runs.Add(end == k ? $"{numbers[k]}" : $"{numbers[k]}–{numbers[end]}");
            k = end + 1;
        }
        return "sections " + (runs.Count == 1 ? runs[0] : string.Join(", ", runs[..^1]) + " and " + runs[^1]);
    }

    protected override Settings Read(SettingsReader reader)
    {
        if (reader.OptionalText("--data") is { } given)
            return DataCache.ForData(given, reader.Cancellation) is { } named
                ? ForFile(named.Path, given, $"data: {given} (--data; {named.Path})")
                : ForFile(given, given, $"data: {given} (--data)");
        var missing = "";
        if (Environment.GetEnvironmentVariable("AIRFOIL_DATA") is { Length: > 0 } airfoil)
        {
            if (File.Exists(airfoil)) return ForFile(airfoil, airfoil, $"data: {Path.GetFileName(airfoil)} (AIRFOIL_DATA)");
            missing = $"AIRFOIL_DATA names {airfoil}, which does not exist, and ";
        }
        var entry = DatasetCatalog.Find(DatasetCatalog.Airfoil.Name)!;
        try
        {
            var (path, downloaded) = DataCache.Default().ProvideAsync(entry, reader.Cancellation).GetAwaiter().GetResult();
            return ForFile(path, entry.Name, $"data: {entry.Name} (d2l's {entry.FileName}, from the cache {Path.GetDirectoryName(path)})")
                with { Notice = downloaded ? $"chapter: downloaded {entry.Url} into {path} (SHA-1 ok)" : null };
        }
        catch (Exception e) when (e is DownloadException or UsageException)
        {
            var why = missing + e.Message;
            return new(null, 0, $"data: synthetic 1500x5, since {why}",
                $"chapter: {DataSections} train on synthetic data, not the book's, since {why}; " +
                $"run `{DataCache.FetchCommand(entry)}` once online, or give --data FILE or AIRFOIL_DATA");
        }
    }

    // The rows the book keeps of the airfoil data; a smaller file is used whole. The file is checked as train checks it, so
    // bad data is refused before the first experiment writes anything.
    private static Settings ForFile(string path, string data, string note) =>
        new(data, DatasetCatalog.Airfoil.RowsOf(TrainingData.Check(path)), note);

    protected override async Task<int> RunAsync(Settings settings, VerbContext context)
    {
        if (settings.Notice is { } notice) context.Error.WriteLine(notice);
        var experiments = Experiments(settings);
        var report = new StringBuilder()
            .AppendLine("# Momentum — Dive into Deep Learning §11.6, reproduced")
            .AppendLine()
            .AppendLine("Written by `momentum chapter`. Each section gives the command that reproduces it alone, the lines it printed")
            .AppendLine("(with the book's, where the book prints one), its figures and its data. The same with interactive charts: [report.html](report.html).")
            .AppendLine()
            .AppendLine($"Minibatch runs ({DataSections}): {settings.DataNote}.")
            .AppendLine();

        var worst = App.Success;
        var printed = new Dictionary<string, string>();
        for (var k = 0; k < experiments.Count; k++)
        {
            var experiment = experiments[k];
            var verb = verbs.Single(v => v.Name == experiment.Verb);
            context.Print($"[{k + 1}/{experiments.Count}] {experiment.Title}");
            var output = new StringWriter();
            var code = await App.ExecuteAsync(verb, experiment.Section(context.Output.Path), output, context.Error, context.Logger, context.Progress, context.Interruption);
            foreach (var line in output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) context.Print("    " + line.TrimEnd('\r'));
            worst = Math.Max(worst, code);
            Section(report, k + 1, experiment, context.Output.Path, output.ToString());
            printed[experiment.Folder] = output.ToString();
            if (code == App.Interrupted)
            {
                report.AppendLine($"*Interrupted during section {k + 1}; the sections after it were not run.*");
                break;
            }
        }
        if (printed.Count == experiments.Count) report.Append(ChapterExercises.Answers(experiments, printed, context.Output.Path));
        context.Output.WriteText("report.md", report.ToString());
        ReportHtml.Write(context.Output, experiments, settings.DataNote);
        context.Print($"report: {context.Output.PathOf("report.md")}");
        context.Print($"interactive report: {context.Output.PathOf(ReportHtml.FileName)} (self-contained; open it in a browser)");
        return worst == App.Interrupted || context.Cancellation.IsCancellationRequested ? App.Interrupted : worst;
    }

    private static void Section(StringBuilder report, int number, Experiment e, string outFolder, string printed)
    {
        report.AppendLine($"## {number}. {e.Title}").AppendLine()
            .AppendLine("```").AppendLine(e.CommandLine(outFolder)).Append(printed.Replace("\r", ""));
        if (e.Book is not null)
        {
            var matches = printed.Split('\n').Any(l => l.TrimEnd('\r') == e.Book);
            report.AppendLine($"# the book prints: {e.Book}{(matches ? "  (same)" : "  (DIFFERENT)")}");
        }
        report.AppendLine("```").AppendLine();
        var folder = Path.Combine(outFolder, e.Folder);
        if (Directory.Exists(folder))
        {
            foreach (var png in Directory.GetFiles(folder, "*.png").Order())
                report.AppendLine($"![{e.Title}]({e.Folder}/{Path.GetFileName(png)})").AppendLine();
            var data = Directory.GetFiles(folder).Where(f => !f.EndsWith(".png", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith('.')).Order();
            report.AppendLine("Data: " + string.Join(", ", data.Select(f => $"[{Path.GetFileName(f)}]({e.Folder}/{Path.GetFileName(f)})"))).AppendLine();
        }
    }

    private static Dictionary<string, string> Opts(params (string Key, string Value)[] options) =>
        options.ToDictionary(o => o.Key, o => o.Value);
}
