using Momentum.Testing;
using Momentum.Kernels;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>The moment form of the loss.</summary>
public class MomentsProperties
{
    [Property(MaxTest = 200)]
    public Property The_loss_from_second_moments_equals_the_direct_loss() =>
        Prop.ForAll(
            (from rows in Gen.Choose(2, 300)
             from features in Gen.Choose(1, 30)
             from seed in Gen.Choose(0, 1000)
             from size in Generators.LogUniform(1e-3, 10)
             select (rows, features, seed, size)).ToArbitrary(),
            c =>
            {
                var (rows, features, seed, size) = c;
                var data = Dataset<double>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(rows, features, seed)).Table, features);
                var random = new Random(seed);
                var parameters = Enumerable.Range(0, features + 1).Select(_ => size * (random.NextDouble() - 0.5)).ToArray();
                var direct = LinearRegression.Loss<double>(data, parameters);
                var moments = RegressionMoments.Of(data).Loss<double>(parameters);
                // Cancellation: the error is about ε·(θᵀHθ + s), relative to a loss that can be far smaller.
                var scale = 1 + parameters.Sum(p => p * p) * (features + 1);
                return (Math.Abs(direct - moments) <= 1e-12 * scale).Label($"direct {direct:R}, moments {moments:R}");
            });

    [Fact]
    public void The_objective_reads_moments_only_where_direct_passes_would_dominate()
    {
        // The book's run records 15 losses of 1500 rows × 6 parameters; 100 000 rows × 21 parameters recorded 500 times
        // would be 10⁹ multiply-adds of direct passes.
        var small = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(1500, 5, 0)).Table, 5);
        var book = new TrainingOptions(Optimizers.Optimizer.HeavyBall(0.01, 0.9));
        Assert.Null(new RegressionObjective<float>(small, expectedEvaluations: book.Records(small.Rows)).Moments);
        var large = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(100_000, 20, 0)).Table, 20);
        var options = book with { BatchSize = 100, Epochs = 1 };
        Assert.NotNull(new RegressionObjective<float>(large, expectedEvaluations: options.Records(large.Rows)).Moments);
    }
}
