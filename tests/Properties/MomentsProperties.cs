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

    [Theory]
    [InlineData(3, 40_003)] // two parts of 20 001 and 20 002 rows: four full groups of 4096 rows and a partial one, a partial last block
    [InlineData(5, 9 * 16_384 + 11)] // eight parts
    [InlineData(2, 130)] // one part: two full blocks of 64 rows and two rows
    public void The_moments_are_the_cascade_summed_as_documented_bit_for_bit(int features, int rows)
    {
        // The documented order, written out: in each part (1 per 16 384 rows, at most 8, the last taking the remainder),
        // each row into a level-1 sum (H's upper triangle by fused multiply-adds x_a·x_b, c and s by a product then an
        // addition), every 64 rows of the part that sum into a level-2 sum, every 64 of those into the part's total; the
        // parts added in order, then each entry divided by n. Another grouping gives other bits.
        var data = Dataset<float>.FromTable(SyntheticData.LinearRegression(rows, features, rows), features);
        var p = features + 1;
        var parts = Math.Clamp(rows / 16_384, 1, 8);
        var (h, c, s) = (new double[p, p], new double[p], 0.0);
        for (var k = 0; k < parts; k++)
        {
            var (from, to) = (k * (rows / parts), k == parts - 1 ? rows : (k + 1) * (rows / parts));
            var (h1, c1, s1, h2, c2, s2, h3, c3, s3) = (new double[p, p], new double[p], 0.0, new double[p, p], new double[p], 0.0, new double[p, p], new double[p], 0.0);
            var blocks = 0;
            for (var i = from; i < to; i++)
            {
                double[] x = [.. data.Row(i).ToArray().Select(v => (double)v), 1];
                double y = data.Labels[i];
                s1 += y * y;
                for (var a = 0; a < p; a++)
                {
                    c1[a] += y * x[a];
                    for (var b = a; b < p; b++) h1[a, b] = Math.FusedMultiplyAdd(x[b], x[a], h1[a, b]);
                }
                if ((i - from + 1) % 64 != 0 && i != to - 1) continue;
                Add(h1, c1, ref s1, h2, c2, ref s2);
                if (++blocks != 64 && i != to - 1) continue;
                Add(h2, c2, ref s2, h3, c3, ref s3);
                blocks = 0;
            }
            Add(h3, c3, ref s3, h, c, ref s);
        }
        var moments = RegressionMoments.Of(data);
        Assert.Equal(s / rows, moments.S);
        for (var a = 0; a < p; a++)
        {
            Assert.Equal(c[a] / rows, moments.C[a]);
            for (var b = a; b < p; b++) Assert.True(h[a, b] / rows == moments[a, b] && moments[b, a] == moments[a, b], $"H[{a}, {b}] = {moments[a, b]:R}, expected {h[a, b] / rows:R}");
        }

        static void Add(double[,] h, double[] c, ref double s, double[,] intoH, double[] intoC, ref double intoS)
        {
            for (var a = 0; a < c.Length; a++)
            {
                intoC[a] += c[a];
                for (var b = a; b < c.Length; b++) intoH[a, b] += h[a, b];
            }
            intoS += s;
            s = 0;
            Array.Clear(h);
            Array.Clear(c);
        }
    }

    [Theory]
    [InlineData(1, 4)] // 1 + 1 + 1 group + 1 part
    [InlineData(128, 68)] // 64 + 2 blocks + 1 + 1
    [InlineData(130, 69)] // 64 + 3 blocks + 1 + 1
    [InlineData(5000, 131)] // 64 + 64 (79 blocks, capped) + 2 groups + 1
    [InlineData(40_960, 135)] // two parts of 20 480 = 5 · 4096 rows: 64 + 64 + 5 + 2
    [InlineData(40_961, 136)] // the last part has 20 481 rows: 6 groups
    [InlineData(1_000_000, 167)] // eight parts of 125 000 rows: 64 + 64 + 31 + 8
    public void The_summation_depth_counts_each_level_of_the_cascade(int rows, int depth) =>
        // Within a level-1 block (up to 64 rows), within a level-2 group (up to 64 blocks), the groups of the longest part
        // (4096 rows each, the last one partial), and the parts.
        Assert.Equal(depth, RegressionMoments.SummationDepth(rows));

    [Fact]
    public void The_bound_of_a_worked_example_is_higham_s_with_the_cascade_s_depth()
    {
        // x = 1 and 3, y = 2 and 4: H = [[5, 2], [2, 1]], c = [7, 3], s = 10. At θ = (1, −2): ℓ = ½(θᵀHθ − 2cᵀθ + s) =
        // ½(1 − 2 + 10) = 4.5 (the residuals are 1·1 − 2 − 2 = −3 and 3 − 2 − 4 = −3). The bound is
        // ε(d + 2p + 4)(Σ|θₐ|√Hₐₐ + √s)²/2 with ε = 2⁻⁵³, depth d = 2 + 1 + 1 + 1 = 5 and p = 2: 2⁻⁵³ · 13 · (√5 + 2 + √10)² / 2.
        var data = new Dataset<double>([1.0, 3.0], [2.0, 4.0], 1);
        var (loss, bound) = RegressionMoments.Of(data).LossWithBound<double>([1.0, -2.0]);
        Assert.Equal(4.5, loss, 1e-14);
        var expected = Math.ScaleB(1, -53) * 13 * Math.Pow(Math.Sqrt(5) + 2 + Math.Sqrt(10), 2) / 2;
        Assert.True(Math.Abs(bound - expected) <= 1e-12 * expected, $"bound {bound:R}, expected {expected:R}");
    }
}

