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

    [Theory]
    [InlineData(100, 1)]
    [InlineData(16_383, 1)]
    [InlineData(2 * 16_384 + 5, 2)]
    [InlineData(3 * 16_384 + 7, 3)]
    [InlineData(9 * 16_384 + 11, 8)]
    public void The_moments_summed_in_parts_are_their_definition_one_part_per_16384_rows_at_most_eight(int rows, int parts)
    {
        // H = (1/n) Σ x̃x̃ᵀ, c = (1/n) Σ y x̃, s = (1/n) Σ y², x̃ = [x, 1], summed here row by row in double.
        const int features = 2;
        var data = Dataset<float>.FromTable(SyntheticData.LinearRegression(rows, features, rows), features);
        Assert.Equal(parts, RegressionMoments.PartsOf(rows));
        var moments = RegressionMoments.Of(data);
        var (h, c, s) = (new double[3, 3], new double[3], 0.0);
        for (var i = 0; i < rows; i++)
        {
            double[] x = [data.Row(i)[0], data.Row(i)[1], 1];
            double y = data.Labels[i];
            s += y * y;
            for (var a = 0; a < 3; a++)
            {
                c[a] += y * x[a];
                for (var b = 0; b < 3; b++) h[a, b] += x[a] * x[b];
            }
        }
        bool Near(double expected, double actual) => Math.Abs(expected / rows - actual) <= 1e-12 * (1 + Math.Abs(actual));
        Assert.Equal(rows, moments.Rows);
        Assert.True(Near(s, moments.S), $"s {moments.S:R} vs {s / rows:R}");
        for (var a = 0; a < 3; a++)
        {
            Assert.True(Near(c[a], moments.C[a]), $"c[{a}] {moments.C[a]:R} vs {c[a] / rows:R}");
            for (var b = 0; b < 3; b++) Assert.True(Near(h[a, b], moments[a, b]), $"H[{a}, {b}] {moments[a, b]:R} vs {h[a, b] / rows:R}");
        }
    }

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
