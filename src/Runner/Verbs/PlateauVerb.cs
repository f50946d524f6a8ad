using System.Globalization;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Output;
using Momentum.Theory;
using Momentum.Training;
using ScottPlot;

namespace Momentum.Runner.Verbs;

/// <summary>
/// d2l §11.6 exercise 4 with minibatches, on the book's linear regression: the loss plateau of minibatch training as a
/// function of the batch size B and the learning rate η, predicted from the data (<see cref="RegressionNoise"/>: the
/// minibatch gradient's covariance (n − B)/(B(n − 1))·S at θ*, the Hessian, and the optimizer's own linear map) beside
/// training runs of Core's trainer — <c>train</c>'s runs, in float64 as the prediction is — one per (η, B).
/// </summary>
/// <remarks>
/// Every run takes about the same number of steps (<c>--steps</c>; ⌈steps·B/n⌉ epochs), so a large batch, with few steps
/// per epoch, settles as well as a small one. A run's measured plateau is the mean of its recorded losses (every
/// <c>--record-every</c> examples, as the book records them) over the second half of the run.
/// </remarks>
internal sealed class PlateauVerb : Verb<PlateauVerb.Settings>
{
    /// <summary>One run of the grid.</summary>
    /// <param name="LearningRate">η.</param>
    /// <param name="BatchSize">B.</param>
    /// <param name="Optimizer">The optimizer at η.</param>
    /// <param name="Epochs">Its epochs.</param>
    public sealed record Point(double LearningRate, int BatchSize, OptimizerTable.Choice Optimizer, int Epochs);

    public sealed record Settings(TrainingData Data, RegressionLoss Loss, IReadOnlyList<Point> Points, int Seed, int RecordEvery, string Label);

    public override string Name => "plateau";
    public override string Description => "Exercise 4 with minibatches: the regression's loss plateau over batch size × learning rate, predicted from the data's gradient noise beside training runs: plateau.csv and plateau.png.";
    public override string Example => "momentum plateau --data airfoil --lr 0.005,0.01,0.02 --momentum 0.9 --batch-sizes 5,10,20,50,100";
    public override bool ShowsProgress => true;

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerTable.Specs(optimizer: "momentum", lr: "0.005,0.01,0.02", momentum: "0.9")
            .Select(o => o.Name == "--lr" ? o with { Description = "Learning rates η (a list): one line of the figure each." } : o),
        new("--batch-sizes", "Batch sizes B (a list).", "5,10,20,50,100"),
        new("--steps", "About this many minibatch steps per run: B's run trains ⌈steps·B/n⌉ epochs.", "3000"),
        new("--seed", "Seeds the initial weights, the shuffles and synthetic data.", "0"),
        new("--record-every", "Record the loss over the whole training set every this many examples.", "200"),
        new("--loss", "half-mse: d2l's ½(ŷ − y)²; mse: nn.MSELoss (twice the gradient). The loss reported is ½·MSE either way.", "half-mse"),
        .. TrainingData.Specs(),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var seed = r.Int("--seed", Rules.Between(int.MinValue, int.MaxValue));
        var data = TrainingData.Read(r, seed);
        var loss = TrainVerb.ReadLoss(r);
        var recordEvery = r.Int("--record-every", Rules.AtLeast(1));
        var steps = r.Int("--steps", Rules.Between(1, 100_000_000));
        var batches = r.Doubles("--batch-sizes", v => v == Math.Floor(v) && v >= 1 && v <= data.Rows ? null : $"must be an integer in [1, {data.Rows}] (the rows of the data)")
            .Select(b => (int)b).Distinct().Order().ToArray();
        var rates = r.Doubles("--lr", Rules.Positive).Distinct().ToArray();

        var name = r.Choice("--optimizer", [.. OptimizerTable.Names]);
        OptimizerTable.RequireFits([name], r.IsGiven);
        var values = OptimizerTable.ReadValues(flag => flag == "--lr" ? rates[0] : r.OptionalText(flag) is null ? null : r.Double(flag, Rules.Any),
            flag => r.Doubles(flag, Rules.Any), r.Raw);
        RegressionNoise noise;
        try
        {
            noise = RegressionNoise.Of(data.ToDataset<double>(), loss);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{data.Description}: {Format.Reason(e)}");
        }

        var points = new List<Point>();
        foreach (var eta in rates)
        {
            var choice = OptimizerTable.Choose(name, values with { LearningRate = eta, ConstantLearningRate = eta }, r.Raw);
            LinearMethod method;
            try
            {
                method = LinearMethod.Of(choice.Transformation);
            }
            catch (NonlinearMethodException e)
            {
                throw new UsageException($"--optimizer {choice.Description}: plateau predicts from a fixed linear map, and {e.Message}");
            }
            // A plateau exists only where every direction of the trained loss converges.
            foreach (var curvature in noise.TrainedCurvatures)
                if (method.At(curvature) is var map && !map.Converges())
                    throw SettingsReader.Fail("--lr", Format.Exact(eta), $"{choice.Description} does not converge along the data's curvature λ = {Format.G(curvature)} (rate {Format.G(map.SpectralRadius(), 4)} per step), so it has no plateau; give smaller rates");
            foreach (var batch in batches)
            {
                var epochs = Math.Ceiling((double)steps * batch / data.Rows);
                if (epochs > 1_000_000)
                    throw SettingsReader.Fail("--steps", r.Text("--steps"), $"batch size {batch} would train {epochs} epochs; at most 1000000 are allowed");
                points.Add(new(eta, batch, choice, (int)epochs));
            }
        }
        return new(data, loss, points, seed, recordEvery, OptimizerTable.Describe(name, values, learningRate: false));
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var dataset = s.Data.ToDataset<double>();
        var noise = RegressionNoise.Of(dataset, s.Loss);
        var objective = new RegressionObjective<double>(dataset, s.Loss);
        var start = RegressionObjective<double>.InitialParameters(dataset.FeatureCount, s.Seed);
        var progress = context.Progress.Start("plateau", s.Points.Count);
        var rows = new List<(Point Point, double Predicted, double Independent, double Measured, double Final)>();
        foreach (var point in s.Points)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var method = LinearMethod.Of(point.Optimizer.Transformation);
            var options = new TrainingOptions(point.Optimizer.Transformation, point.BatchSize, point.Epochs, s.Seed, s.RecordEvery, NonFinitePolicy.Stop);
            var history = Trainer.Train(objective, options, start).History;
            if (history.IsEmpty || !double.IsFinite(history[^1].Loss))
            {
                context.Error.WriteLine($"diverged: {point.Optimizer.Description}, batch {point.BatchSize}: the loss is not finite; nothing was written");
                return Task.FromResult(App.Diverged);
            }
            var measured = history.Skip(history.Length / 2).Average(p => p.Loss);
            rows.Add((point, noise.Plateau(method, point.BatchSize), noise.Plateau(method, point.BatchSize, MinibatchSampling.Independent), measured, history[^1].Loss));
            progress.Report(rows.Count);
        }

        Csv.Write(context.Output, "plateau.csv", ["lr", "batch_size", "epochs", "predicted", "predicted_independent", "measured", "final_loss"],
            rows.Select(r => (IReadOnlyList<object>)[r.Point.LearningRate, r.Point.BatchSize, r.Point.Epochs, r.Predicted, r.Independent, r.Measured, r.Final]));
        Figures.Save(context.Output, "plateau.png", Figure(s, rows.Select(r => (r.Point.LearningRate, r.Point.BatchSize, r.Predicted - noise.MinimumLoss, r.Measured - noise.MinimumLoss)).ToList()));

        var ratios = rows.Select(r => (r.Measured - noise.MinimumLoss) / (r.Predicted - noise.MinimumLoss)).Where(double.IsFinite).Order().ToArray();
        var spread = ratios.Length == 0 ? "" : $"; measured/predicted excess {Format.G(ratios[0], 3)} to {Format.G(ratios[^1], 3)} over {ratios.Length} runs (median {Format.G(ratios[ratios.Length / 2], 3)})";
        context.Print($"minimum loss ℓ* = {Format.G(noise.MinimumLoss)}{spread}");
        return Task.FromResult(App.Success);
    }

    /// <summary>The excess loss over ℓ* against B on log–log axes: a line of predictions and markers of runs per η.</summary>
    private static Plot Figure(Settings s, IReadOnlyList<(double Eta, int Batch, double Predicted, double Measured)> points)
    {
        var plot = Figures.New($"Loss plateau of {s.Label}: predicted (lines), trained (dots)", "batch size B", "loss above its minimum");
        var k = 0;
        foreach (var group in points.GroupBy(p => p.Eta))
        {
            var color = Figures.Palette[k++ % Figures.Palette.Length];
            var predicted = group.Where(p => p.Predicted > 0).ToArray();
            var line = plot.Add.Scatter(predicted.Select(p => Math.Log10(p.Batch)).ToArray(), predicted.Select(p => Math.Log10(p.Predicted)).ToArray(), color);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = $"η = {Format.G(group.Key)}";
            var measured = group.Where(p => p.Measured > 0).ToArray();
            var dots = plot.Add.Scatter(measured.Select(p => Math.Log10(p.Batch)).ToArray(), measured.Select(p => Math.Log10(p.Measured)).ToArray(), color);
            dots.LineWidth = 0;
            dots.MarkerSize = 8;
        }
        if (!points.Any(p => p.Predicted > 0 || p.Measured > 0))
        {
            plot.Axes.SetLimits(0, 1, 0, 1);
            Figures.Note(plot, Figures.NothingFinite);
            return plot;
        }
        var batches = points.Select(p => p.Batch).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. batches.Select(b => Math.Log10(b))], [.. batches.Select(b => b.ToString(CultureInfo.InvariantCulture))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => "1e" + y.ToString("0", CultureInfo.InvariantCulture),
        };
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
