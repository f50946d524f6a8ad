using System.Collections.Immutable;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// d2l §11.6 exercise 4 with minibatches, on the book's linear regression: the minibatch gradient's noise covariance
/// from the data and the batch size, and the loss plateau it predicts for SGD, heavy ball and Nesterov, checked against
/// the definition (every minibatch enumerated) and against training runs through <see cref="Trainer"/>.
/// </summary>
public class MinibatchNoiseProperties
{
    private static Dataset<double> Synthetic(int rows, int features, int seed) =>
        Dataset<double>.FromTable(SyntheticData.LinearRegression(rows, features, seed), features);

    [Property(MaxTest = 40)]
    public Property The_minibatch_gradients_variance_is_n_minus_B_over_B_n_minus_1_times_the_examples_by_enumerating_every_minibatch() =>
        Prop.ForAll(Gen.Choose(4, 7).ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (rows, batch, seed) =>
        {
            // Every one of the C(n, B) minibatches, each equally likely: the variance of its gradient at θ* along each
            // eigenvector of H, against the prediction.
            var data = Synthetic(rows, 2, seed);
            var noise = RegressionNoise.Of(data);
            var predicted = noise.GradientVariances(batch);
            var subsets = Subsets(rows, batch).ToArray();
            for (var j = 0; j < predicted.Length; j++)
            {
                var direction = noise.Hessian.Eigenvectors[j];
                var values = subsets.Select(rowsOf =>
                {
                    var gradient = new double[3];
                    LinearRegression.Gradient(data, rowsOf, [.. noise.Optimum], gradient);
                    return gradient.Zip(direction, (g, o) => g * o).Sum();
                }).ToArray();
                var mean = values.Average();
                var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
                if (Math.Abs(variance - predicted[j]) > 1e-9 * (predicted.Max() + 1e-300) || Math.Abs(mean) > 1e-9)
                    return false.Label($"direction {j}: enumerated {variance:R} (mean {mean:R}), predicted {predicted[j]:R}");
            }
            return true.ToProperty();
        });

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        if (k == 0) { yield return []; yield break; }
        for (var first = 0; first <= n - k; first++)
            foreach (var rest in Subsets(n - first - 1, k - 1))
                yield return [first, .. rest.Select(r => r + first + 1)];
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(6, 4)]
    [InlineData(6, 3)]
    public void The_reshuffled_plateau_equals_an_enumeration_of_every_shuffle_of_a_tiny_data_set(int rows, int batch)
    {
        // Every permutation of the rows, cut into minibatches of B (the last smaller when B does not divide n), each
        // equally likely: the epoch's noise along each eigenvector of H, enumerated, drives SGD's scalar recursion
        // u ← (1 − ηλ)u − ηξ; the covariance at an epoch's start solves Σ₀ = r^{2K}Σ₀ + Q_K, and the plateau averages
        // r^{2j}Σ₀ + Q_j over the phases j = 1 … K — against the closed-form covariance Cov(ξ_k, ξ_l) = s(δ_kl·n/B_k − 1)/(n − 1).
        const double eta = 0.3;
        var data = Synthetic(rows, 1, 11);
        var noise = RegressionNoise.Of(data);
        var batches = Minibatches.PerEpoch(rows, batch);
        var permutations = Permutations(rows).ToArray();
        var excess = 0.0;
        for (var j = 0; j < noise.Hessian.Eigenvalues.Length; j++)
        {
            var (lambda, direction) = (noise.Hessian.Eigenvalues[j], noise.Hessian.Eigenvectors[j]);
            var projected = Enumerable.Range(0, rows).Select(i =>
            {
                var gradient = new double[2];
                LinearRegression.Gradient(data, [i], [.. noise.Optimum], gradient);
                return gradient.Zip(direction, (g, o) => g * o).Sum();
            }).ToArray();
            var r = 1 - eta * lambda;
            var q = new double[batches + 1]; // Q_j, the epoch's own contribution after j steps
            foreach (var order in permutations)
            {
                var u = 0.0;
                for (var k = 0; k < batches; k++)
                {
                    var members = order.Skip(k * batch).Take(batch).ToArray();
                    u = r * u - eta * members.Average(i => projected[i]);
                    q[k + 1] += u * u / permutations.Length;
                }
            }
            var start = q[batches] / (1 - Math.Pow(r, 2 * batches));
            var average = Enumerable.Range(1, batches).Average(k => Math.Pow(r, 2 * k) * start + q[k]);
            excess += 0.5 * lambda * average;
        }
        var predicted = noise.Plateau(LinearMethod.Of(Optimizer.GradientDescent(eta)), batch) - noise.MinimumLoss;
        Assert.Equal(excess, predicted, 12);
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0) { yield return []; yield break; }
        foreach (var rest in Permutations(n - 1))
            for (var at = 0; at <= rest.Length; at++)
                yield return [.. rest[..at], n - 1, .. rest[at..]];
    }

    [Fact]
    public void The_optimum_and_minimum_loss_are_the_least_squares_solution_where_the_full_gradient_vanishes()
    {
        var data = Synthetic(500, 4, 3);
        var noise = RegressionNoise.Of(data);
        var gradient = new double[5];
        LinearRegression.Gradient(data, [.. Enumerable.Range(0, 500)], [.. noise.Optimum], gradient);
        Assert.All(gradient, g => Assert.True(Math.Abs(g) < 1e-12));
        Assert.Equal(LinearRegression.Loss(data, [.. noise.Optimum]), noise.MinimumLoss, 12);
        // The data's noise has σ = 0.5: the best loss is about σ²/2.
        Assert.InRange(noise.MinimumLoss, 0.1, 0.15);
        Assert.Equal(0, noise.BatchFactor(500));
        Assert.Equal(1, noise.BatchFactor(1));
    }

    [Fact]
    public void Mean_squared_error_doubles_the_curvatures_and_quadruples_the_noise_but_records_the_same_loss()
    {
        var data = Synthetic(300, 3, 5);
        var (half, full) = (RegressionNoise.Of(data), RegressionNoise.Of(data, RegressionLoss.SquaredError));
        Assert.Equal(half.TrainedCurvatures.Select(l => 2 * l), full.TrainedCurvatures);
        Assert.Equal(half.GradientVariances(10).Select(v => 4 * v), full.GradientVariances(10));
        // Gradient descent at rate η on 2·ℓ is gradient descent at 2η on ℓ: the same plateau of ½·MSE.
        Assert.Equal(half.Plateau(LinearMethod.Of(Optimizer.GradientDescent(0.02)), 10),
            full.Plateau(LinearMethod.Of(Optimizer.GradientDescent(0.01)), 10), 12);
    }

    public sealed record Run(string Name, IGradientTransformation Optimizer, int BatchSize)
    {
        public override string ToString() => $"{Name}, B = {BatchSize}";
    }

    /// <summary>The mean recorded loss over the last three quarters of a long run, and its standard error from 20 batch means.</summary>
    private static (double Mean, double Error) Plateau(Dataset<double> data, Run run)
    {
        var options = new TrainingOptions(run.Optimizer, BatchSize: run.BatchSize, Epochs: 60, Seed: 3, RecordEvery: 100);
        var history = Trainer.Train(new RegressionObjective<double>(data), options, new double[data.FeatureCount + 1]).History;
        var tail = history.Skip(history.Length / 4).Select(p => p.Loss).ToArray();
        var blocks = Enumerable.Range(0, 20).Select(b => tail.Skip(b * tail.Length / 20).Take(tail.Length / 20).Average()).ToArray();
        var mean = blocks.Average();
        return (mean, Math.Sqrt(blocks.Sum(v => (v - mean) * (v - mean)) / 19 / 20));
    }

    private static readonly Lazy<Dataset<double>> Book = new(() => Synthetic(2000, 5, 7));

    public static TheoryData<Run> SmallSteps => new()
    {
        new("SGD, η = 0.05", Optimizer.GradientDescent(0.05), 5),
        new("SGD, η = 0.05", Optimizer.GradientDescent(0.05), 10),
        new("SGD, η = 0.05", Optimizer.GradientDescent(0.05), 50),
        new("heavy ball, η = 0.005, β = 0.9", Optimizer.HeavyBall(0.005, 0.9), 5),
        new("heavy ball, η = 0.005, β = 0.9", Optimizer.HeavyBall(0.005, 0.9), 50),
        new("heavy ball, η = 0.01, β = 0.5", Optimizer.HeavyBall(0.01, 0.5), 20),
        new("Nesterov, η = 0.005, β = 0.9", Optimizer.Nesterov(0.005, 0.9), 10),
        new("Nesterov, η = 0.005, β = 0.9", Optimizer.Nesterov(0.005, 0.9), 50),
    };

    [Theory]
    [MemberData(nameof(SmallSteps))]
    public void The_reshuffled_prediction_matches_the_trainers_plateau_within_ten_percent_at_small_effective_steps(Run run)
    {
        // Synthetic regression (2000 rows, 5 features, H ≈ I), 60 epochs. Tolerance 10 % of the excess loss: the noise is
        // taken at θ* (the term (x̃x̃ᵀ − H)(θ − θ*) is left out, a few percent at an effective step η/(1 − β)·λ ≤ 0.05),
        // plus four standard errors of the run's own average.
        var noise = RegressionNoise.Of(Book.Value);
        var (measured, error) = Plateau(Book.Value, run);
        var predicted = noise.Plateau(LinearMethod.Of(run.Optimizer), run.BatchSize);
        var (excess, expected) = (measured - noise.MinimumLoss, predicted - noise.MinimumLoss);
        Assert.True(Math.Abs(excess - expected) <= 0.1 * expected + 4 * error,
            $"{run}: measured excess {excess:R} ± {error:R}, predicted {expected:R} (ratio {excess / expected:F3})");
    }

    [Fact]
    public void Independent_noise_overestimates_the_plateau_when_an_epoch_is_short_beside_the_methods_memory()
    {
        // SGD at η = 0.05 remembers about 1/(ηλ) = 20 steps. With B = 5 an epoch is 400 steps and the independent model is
        // within 10 %; with B = 50 it is 40 steps, the epoch's noise sums to zero within the memory, and the independent
        // model predicts more than twice the plateau the trainer reaches — the reshuffled model does not.
        var noise = RegressionNoise.Of(Book.Value);
        var method = LinearMethod.Of(Optimizer.GradientDescent(0.05));
        double Ratio(int batch, MinibatchSampling sampling)
        {
            var (measured, _) = Plateau(Book.Value, new("SGD", Optimizer.GradientDescent(0.05), batch));
            return (measured - noise.MinimumLoss) / (noise.Plateau(method, batch, sampling) - noise.MinimumLoss);
        }
        Assert.InRange(Ratio(5, MinibatchSampling.Independent), 0.9, 1.1);
        Assert.InRange(Ratio(50, MinibatchSampling.Independent), 0.3, 0.6);
        Assert.InRange(Ratio(50, MinibatchSampling.Reshuffled), 0.9, 1.1);
    }

    [Fact]
    public void A_larger_batch_lowers_the_plateau_and_the_full_batch_has_none()
    {
        var noise = RegressionNoise.Of(Book.Value);
        var method = LinearMethod.Of(Optimizer.HeavyBall(0.005, 0.9));
        var plateaus = new[] { 1, 10, 100, 1000 }.Select(b => noise.Plateau(method, b)).ToArray();
        Assert.True(plateaus.Zip(plateaus.Skip(1)).All(p => p.First > p.Second));
        Assert.Equal(noise.MinimumLoss, noise.Plateau(method, 2000), 15);
        Assert.Equal(noise.MinimumLoss, noise.Plateau(method, 2000, MinibatchSampling.Independent), 15);
    }

    [Fact]
    public void The_predicted_transient_starts_at_the_initial_loss_and_settles_at_the_independent_plateau()
    {
        var data = Book.Value;
        var noise = RegressionNoise.Of(data);
        var method = LinearMethod.Of(Optimizer.Nesterov(0.01, 0.9));
        var start = new double[6];
        var curve = noise.ExpectedLoss(method, 10, start, 3000);
        Assert.Equal(LinearRegression.Loss(data, start), curve[0], 9);
        Assert.Equal(noise.Plateau(method, 10, MinibatchSampling.Independent), curve[^1], 9);
    }

    [Fact]
    public void Linearly_dependent_features_and_batch_sizes_outside_the_rows_are_refused()
    {
        var table = new NumericTable(ImmutableArray.Create(1.0, 2.0, 5.0, 2.0, 4.0, 1.0, 3.0, 6.0, 2.0), 3);
        var dependent = Dataset<double>.FromTable(table, 2);
        Assert.Contains("linearly dependent", Assert.Throws<ArgumentException>(() => RegressionNoise.Of(dependent)).Message);
        var noise = RegressionNoise.Of(Book.Value);
        Assert.Equal("batchSize", Assert.Throws<HyperparameterException>(() => noise.BatchFactor(0)).ParamName);
        Assert.Equal("batchSize", Assert.Throws<HyperparameterException>(() => noise.Plateau(LinearMethod.Of(Optimizer.GradientDescent(0.1)), 2001)).ParamName);
    }
}
