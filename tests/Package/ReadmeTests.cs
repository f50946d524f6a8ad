using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Momentum.Optimizers;
using Momentum.Properties;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Package;

/// <summary>
/// The package README's examples, run against the packed library; each example's code is also compared with the README,
/// so neither can change without the other.
/// </summary>
public partial class ReadmeTests
{
    [Fact]
    public void The_first_example_ends_where_the_book_prints()
    {
        var output = new StringWriter();
        // README: steps as values
        // The chapter's momentum, v ← βv + g, x ← x − ηv, on f(x) = 0.1x₁² + 2x₂².
        var momentum = Optimizer.HeavyBall(learningRate: 0.6, momentum: 0.5);
        var state = momentum.Start<double>([-5.0, -2.0]);
        for (var t = 0; t < 20; t++)
        {
            var x = state.Parameters;
            state = momentum.Step(state, [0.2 * x[0], 4 * x[1]]);
        }
        output.WriteLine(state);   // Parameters = [0.00718…, 0.00255…], as the book prints
        // README: end
        Assert.Contains("Parameters = [0.00718", output.ToString());
        Assert.Equal("0.007188, 0.002553", $"{state.Parameters[0]:F6}, {state.Parameters[1]:F6}");
    }

    [Fact]
    public void Every_family_member_descends_the_quadratic_as_the_readme_shows()
    {
        var output = new StringWriter();
        // README: the family
        IGradientTransformation[] family =
        [
            Optimizer.Sgd(0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4),           // torch.optim.SGD, any option
            Optimizer.GradientDescent(0.05),                                                   // x ← x − ηg
            Optimizer.HeavyBall(0.05, momentum: 0.9),                                          // v ← βv + g, x ← x − ηv
            Optimizer.Nesterov(0.05, momentum: 0.9),                                           // x ← x − η(g + βv)
            Optimizer.Sgdw(0.05, momentum: 0.9, weightDecay: 1e-4),                            // decay outside the velocity
            Optimizer.Keras(0.05, momentum: 0.9),                                              // v ← βv − ηg, x ← x + v
            Optimizer.Qhm(0.05, momentum: 0.9, nu: 0.7),                                       // quasi-hyperbolic momentum
            Optimizer.AggMo(0.05, 0, 0.9, 0.99),                                               // the mean of three velocities
            Optimizer.Lookahead(Optimizer.HeavyBall(0.05, 0.9), syncPeriod: 5, slowStepSize: 0.5),
            Optimizer.ScheduleFree(0.05, momentum: 0.9),                                       // evaluate at EvaluationPoint
            Optimizer.Demon(0.05, initialMomentum: 0.9, steps: 200),                           // momentum decayed to 0
            Optimizer.WithAverage(Optimizer.HeavyBall(0.05, 0.9), decay: 0.9),                 // EMA of the iterates beside them
            Optimizer.Polyak(Optimizer.GradientDescent(0.05)),                                 // their running mean
            Optimizer.Accumulate(Optimizer.HeavyBall(0.05, 0.9), minibatches: 2),              // one step per 2 gradients
            Optimizer.SkipNonFinite(Optimizer.HeavyBall(0.05, 0.9), maxConsecutiveErrors: 3),  // NaN or ∞ steps skipped
            new Chain(new ClipByGlobalNorm(1.0), new Trace(0.9), new ScaleByLearningRate(0.05)),
        ];
        // 200 steps each on f(x) = ½(x₁² + 10x₂²) from (1, 1), where f = 5.5.
        foreach (var optimizer in family)
        {
            var state = optimizer.Start<double>([1.0, 1.0]);
            for (var t = 0; t < 200; t++) state = optimizer.Step(state, [state.Parameters[0], 10 * state.Parameters[1]]);
            var (x1, x2) = (state.Parameters[0], state.Parameters[1]);
            output.WriteLine($"{optimizer.GetType().Name,-16} f = {0.5 * (x1 * x1 + 10 * x2 * x2):E1}");
        }
        // README: end
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(family.Length, lines.Length);
        Assert.All(lines, line => Assert.True(double.Parse(line[(line.IndexOf("f = ", StringComparison.Ordinal) + 4)..], System.Globalization.CultureInfo.InvariantCulture) < 0.05, line));
    }

    [Fact]
    public void The_composition_example_builds_what_it_says()
    {
        // README: composition
        // Clip, then quasi-hyperbolic momentum; any hyperparameter may be a schedule.
        var qhm = Optimizer.Qhm(learningRate: 0.1, momentum: 0.9, nu: 0.7);
        var clipped = new Chain(new ClipByGlobalNorm(1.0), qhm);
        var cosine = Optimizer.Nesterov(Schedule.WarmupCosine(0, 0.1, 100, 10_000, 0.001), momentum: 0.9);
        var demon = Optimizer.HeavyBall(0.1, Schedule.Demon(0.9, steps: 10_000));
        // README: end
        var state = clipped.Step(clipped.Start<double>([1.0]), [100.0]);
        Assert.Equal(1 - 0.1 * 0.3 * 1 - 0.1 * 0.7 * 0.1, state.Parameters[0], 12);   // the gradient clipped to 1
        Assert.Equal(0.05, cosine.LearningRate.At(50), 12);
        Assert.Equal(9.0 / 11, demon.Momentum.At(5_000), 12);
    }

    [Fact]
    public void A_users_transformation_chains_and_round_trips_as_the_readme_shows()
    {
        // README: your own transformation
        var mine = new Chain(new AddDecayedWeights(1e-4), new SignDescent(0.01));
        // README: end
        var state = mine.Step(mine.Start<double>([1.0, -1.0]), [3.0, -0.5]);
        Assert.Equal([0.99, -0.99], state.Parameters.ToArray());
        var catalog = Catalog.Default.With<SignDescent>();
        Assert.Equal<IGradientTransformation>(mine, TransformationJson.ReadTransformation(TransformationJson.Write(mine, catalog), catalog));
    }

    [Fact]
    public void Training_logistic_regression_as_the_readme_shows()
    {
        var random = new Random(1);
        var x = Enumerable.Range(0, 400).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 200).Select(i => x[2 * i] - x[2 * i + 1] > 0 ? 1.0 : 0.0).ToArray();
        var data = new Dataset<double>([.. x], [.. y], 2);
        // README: training any objective
        var objective = new LogisticRegression<double>(data);          // labels 0/1
        var options = new TrainingOptions(new Chain(new ClipByGlobalNorm(1), Optimizer.Nesterov(0.5, 0.9)), BatchSize: 20, Epochs: 10);
        var result = Trainer.Train(objective, options, new double[objective.ParameterCount]);
        // README: end
        Assert.True(objective.Accuracy(result.Final.Parameters.AsSpan()) > 0.95);
    }

    [Fact]
    public void The_donating_fold_ends_where_the_book_prints_and_allocates_no_vectors()
    {
        var momentum = Optimizer.HeavyBall(learningRate: 0.6, momentum: 0.5);
        // README: folds that never look back
        var state = momentum.Start<double>([-5.0, -2.0]);
        for (var t = 0; t < 20; t++)
        {
            var x = state.Parameters;
            state = momentum.StepDonating(state, [0.2 * x[0], 4 * x[1]]);   // the old state is no longer readable
        }
        // README: end
        Assert.Equal("0.007188, 0.002553", $"{state.Parameters[0]:F6}, {state.Parameters[1]:F6}");
        var big = momentum.Start(new double[100_000]);
        var gradient = new double[100_000];
        big = momentum.StepDonating(big, gradient);
        Assert.InRange(Allocation.Fewest(3, () => big = momentum.StepDonating(big, gradient)), 1, 1000);   // the new records, never the 10⁵ values
    }

    [Fact]
    public void The_span_level_example_takes_a_step_without_allocating()
    {
        // README: the span level
        var sgd = Optimizer.Sgd(0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        float[] x = new float[1000], g = new float[1000];
        var vectors = new float[sgd.Shape.Vectors.Length * x.Length];
        var scalars = new double[sgd.Shape.Scalars.Length];
        sgd.Init<float>(x, new StateBuffers<float>(vectors, scalars, x.Length));
        sgd.Step<float>(g, new StateBuffers<float>(vectors, scalars, x.Length), x, step: 0);
        // README: end
        g.AsSpan().Fill(1);
        var (step, afterFirst) = (1L, float.NaN);
        Assert.Equal(0, Allocation.Fewest(3, () =>
        {
            sgd.Step<float>(g, new StateBuffers<float>(vectors, scalars, x.Length), x, step);
            if (step++ == 1) afterFirst = x[0];
        }));
        Assert.Equal(-0.1f * (1 + 0.9f), afterFirst, 6);
    }

    [Theory]
    [InlineData("steps as values")]
    [InlineData("composition")]
    [InlineData("the family")]
    [InlineData("your own transformation")]
    [InlineData("training any objective")]
    [InlineData("folds that never look back")]
    [InlineData("the span level")]
    public void The_readme_shows_the_code_these_tests_run(string section)
    {
        var readme = File.ReadAllText(Path.Combine(Repository(), "docs", "packages", "Momentum.Core.md"));
        var blocks = CodeBlock().Matches(readme).Select(m => Lines(m.Groups[1].Value)).ToList();
        var source = File.ReadAllText(ThisFile());
        var region = Regex.Match(source, $@"// README: {Regex.Escape(section)}\r?\n(.*?)\s*// README: end", RegexOptions.Singleline);
        Assert.True(region.Success, $"no README region \"{section}\" in the tests");
        var code = Lines(region.Groups[1].Value.Replace("output.WriteLine(", "Console.WriteLine("));
        Assert.Contains(blocks, block => block.Contains(code, StringComparison.Ordinal));
    }

    private static string Lines(string text) =>
        string.Join("\n", text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal)));

    /// <summary>
    /// The checkout: the folder above the test's binaries that holds Functional.sln (not the compiler's source path,
    /// which a CI build maps to /_/ for deterministic packages).
    /// </summary>
    internal static string Repository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Functional.sln"))) return folder.FullName;
        throw new InvalidOperationException($"no Functional.sln above {AppContext.BaseDirectory}");
    }

    private static string ThisFile() => Path.Combine(Repository(), "tests", "Package", "ReadmeTests.cs");

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}

/// Sign descent, u = −η·sign(g).
public sealed record SignDescent(double LearningRate) : GradientTransformation
{
    public override StateShape Shape => StateShape.Empty;

    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var eta = T.CreateChecked(-LearningRate);
        for (var i = 0; i < updates.Length; i++) updates[i] = eta * T.CreateChecked(T.Sign(updates[i]));
    }
}
