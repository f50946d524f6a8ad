using System.Text;
using Momentum.Runner.Cli;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Every experiment of d2l §11.6 with the book's settings, in the chapter's order, into one folder, with
/// <c>report.md</c> showing each figure, its settings, the command that reproduces it, and the printed lines next to the
/// book's.
/// </summary>
internal sealed class ChapterVerb(IReadOnlyList<Verb> verbs) : Verb<ChapterVerb.Settings>
{
    public sealed record Settings;

    public override string Name => "chapter";
    public override string Description => "Every experiment of the Momentum chapter (d2l §11.6) with the book's settings, and report.md (runs when no verb is given).";
    public override string Example => "momentum chapter --out out";
    public override string DefaultOut => "out";
    public override IReadOnlyList<OptionSpec> Options { get; } = [];

    /// <summary>The chapter's experiments, in its order.</summary>
    public static IReadOnlyList<Experiment> Experiments { get; } =
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
        new("scalar", "06-scalar", "Gradient descent on (λ/2)x²: x_t = (1 − ηλ)^t (§11.6.3.2)", Opts(("lambdas", "0.1,1,10,19"), ("lr", "0.1"), ("steps", "20"))),
        new("quadratic", "07-exercise2-gd", "Exercise 2: gradient descent on ½ Σ 2⁻ⁱ xᵢ²", Opts(("optimizer", "gd"), ("lr", "1"), ("steps", "100"))),
        new("quadratic", "08-exercise2-momentum", "Exercise 2: momentum on ½ Σ 2⁻ⁱ xᵢ²", Opts(("optimizer", "momentum"), ("lr", "1"), ("momentum", "0.9"), ("steps", "100"))),
        new("region", "09-region", "Where momentum converges: 0 < ηλ < 2 + 2β (§11.6.3.2; Goh 2017)", Opts(("points", "200"))),
        new("analyze", "10-analyze", "The theory for f(x) = 0.1x₁² + 2x₂², η = 0.6, β = 0.5 (Hessian eigenvalues 0.2 and 4)",
            Opts(("lr", "0.6"), ("momentum", "0.5"), ("eigenvalues", "0.2,4"))),
    ];

    protected override Settings Read(SettingsReader reader) => new();

    protected override async Task<int> RunAsync(Settings settings, VerbContext context)
    {
        var report = new StringBuilder()
            .AppendLine("# Momentum — Dive into Deep Learning §11.6, reproduced")
            .AppendLine()
            .AppendLine("Written by `momentum chapter`. Each section gives the command that reproduces it alone, the lines it printed")
            .AppendLine("(with the book's, where the book prints one), its figures and its data.")
            .AppendLine();

        var worst = App.Success;
        for (var k = 0; k < Experiments.Count; k++)
        {
            var experiment = Experiments[k];
            var verb = verbs.Single(v => v.Name == experiment.Verb);
            context.Print($"[{k + 1}/{Experiments.Count}] {experiment.Title}");
            var output = new StringWriter();
            var child = context.Child(experiment.Folder, output);
            var code = await App.ExecuteAsync(verb, experiment.Section(context.Output.Path), output, context.Error, context.Logger, context.Cancellation);
            foreach (var line in output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) context.Print("    " + line.TrimEnd('\r'));
            worst = Math.Max(worst, code);
            Section(report, k + 1, experiment, context.Output.Path, output.ToString());
        }
        context.Output.WriteText("report.md", report.ToString());
        context.Print($"report: {context.Output.PathOf("report.md")}");
        return worst;
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
