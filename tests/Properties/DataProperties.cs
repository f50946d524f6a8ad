using Momentum.Testing;
using System.Collections.Immutable;
using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Statistics;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>The table's blocks, standardisation over the whole double range, the fused load, and the synthetic data's generator.</summary>
public sealed class DataProperties
{
    private static NumericTable Cut(double[] values, int columns, int[] cuts)
    {
        // Blocks of whole rows at the given row counts (0-row blocks included), then the rest.
        var blocks = new List<ImmutableArray<double>>();
        var at = 0;
        foreach (var rows in cuts)
        {
            var take = Math.Min(rows * columns, values.Length - at);
            blocks.Add([.. values.AsSpan(at, take)]);
            at += take;
        }
        blocks.Add([.. values.AsSpan(at)]);
        return new NumericTable(blocks, columns);
    }

    private static readonly Arbitrary<(double[] Values, int Columns, int[] Cuts)> Tables =
        (from rows in Gen.Choose(2, 40)
         from columns in Gen.Choose(2, 9)
         from values in Gen.ArrayOf(Generators.Value, rows * columns)
         from cuts in Gen.ArrayOf(Gen.Choose(0, 7))
         select (values, columns, cuts)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property A_table_cut_into_blocks_anywhere_equals_it_whole_row_by_row() =>
        Prop.ForAll(Tables, t =>
        {
            var whole = new NumericTable([.. t.Values], t.Columns);
            var cut = Cut(t.Values, t.Columns, t.Cuts);
            return cut.Equals(whole) && cut.ToArray().SequenceEqual(t.Values)
                && Enumerable.Range(0, whole.Rows).All(i => cut.Row(i).SequenceEqual(whole.Row(i)));
        });

    [Property(MaxTest = 300)]
    public Property The_fused_load_gives_the_bits_of_standardising_then_converting_for_any_blocks_target_rows_block_order_and_arrays() =>
        Prop.ForAll(Tables, Gen.Choose(0, 8).ToArbitrary(), Gen.Choose(1, 40).ToArbitrary(), (t, target, keep) =>
        {
            var table = Cut(t.Values, t.Columns, t.Cuts);
            if (Record.Exception(() => Standardization.Of(table)) is not null) return true;
            target %= t.Columns;
            keep = Math.Min(keep, table.Rows);
            var standardized = Standardization.Standardize(table).Table;
            var statistics = Standardization.Of(table);
            var reversed = Dataset<float>.FromTable(table, target, keep, statistics, (count, body) => { for (var k = count - 1; k >= 0; k--) body(k); });
            // Arrays from the caller, full of NaN: every element is overwritten.
            var given = Dataset<float>.FromTable(table, target, keep, statistics, allocate: n => Enumerable.Repeat(float.NaN, n).ToArray());
            return Dataset<float>.FromTable(table, target, keep, statistics).Equals(Dataset<float>.FromTable(standardized, target, keep))
                && reversed.Equals(Dataset<float>.FromTable(standardized, target, keep))
                && given.Equals(Dataset<float>.FromTable(standardized, target, keep))
                && Dataset<double>.FromTable(table, target, keep, statistics).Equals(Dataset<double>.FromTable(standardized, target, keep))
                && Dataset<float>.FromTable(standardized, target, keep).Features.SequenceEqual(
                    Enumerable.Range(0, keep).SelectMany(i => Enumerable.Range(0, t.Columns).Where(j => j != target).Select(j => (float)standardized[i, j])));
        });

    [Theory]
    [InlineData(9, 20_000, 15_000)]   // pieces of 65 536 / 9 = 7 281 rows: two whole, and the rows kept end inside the third
    [InlineData(9, 7_281, 7_281)]     // exactly one piece
    [InlineData(70_000, 3, 2)]        // a row longer than a piece: one row at a time
    public void A_block_longer_than_a_piece_loads_piece_by_piece_to_the_same_bits(int columns, int rows, int keep)
    {
        // The fused load standardises about 2¹⁶ numbers at a time; the pieces' edges must neither drop nor repeat a row.
        var random = new Random(columns + rows);
        var table = new NumericTable([.. Enumerable.Range(0, rows * columns).Select(_ => random.NextDouble() * 10 - 5)], columns);
        var target = columns / 2;
        var standardized = Standardization.Standardize(table).Table;
        var fused = Dataset<float>.FromTable(table, target, keep, Standardization.Of(table));
        // Written out row by row from the standardised table: every column but the target, then the target.
        var features = new List<float>();
        var labels = new List<float>();
        for (var i = 0; i < keep; i++)
        {
            var row = standardized.Row(i);
            for (var j = 0; j < columns; j++)
                if (j != target) features.Add((float)row[j]);
            labels.Add((float)row[target]);
        }
        Assert.True(features.SequenceEqual(fused.Features), "features");
        Assert.True(labels.SequenceEqual(fused.Labels), "labels");
    }

    [Property(MaxTest = 300)]
    public Property A_column_scaled_by_any_power_of_two_standardises_to_the_same_bits() =>
        Prop.ForAll(Tables, Gen.Choose(-1000, 1000).ToArbitrary(), (t, exponent) =>
        {
            // Values of moderate range, so that 2^exponent times them stays normal and finite (no rounding in the scaling).
            var values = t.Values.Select(v => Math.Clamp(v, -1e6, 1e6)).Select(v => Math.Abs(v) < 1e-6 ? 0 : v).ToArray();
            var scaled = values.Select((v, i) => i % t.Columns == 0 ? Math.ScaleB(v, exponent) : v).ToArray();
            var a = Record.Exception(() => Standardization.Standardize(new NumericTable([.. values], t.Columns)));
            if (a is not null) return (Record.Exception(() => Standardization.Standardize(new NumericTable([.. scaled], t.Columns)))?.GetType() == a.GetType()).Label("same refusal");
            var expected = Standardization.Standardize(new NumericTable([.. values], t.Columns)).Table.ToArray();
            var actual = Standardization.Standardize(new NumericTable([.. scaled], t.Columns)).Table.ToArray();
            return expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits)).Label("same bits");
        });

    [Theory]
    [InlineData(1e200, -1e200, 1e200)]
    [InlineData(1.7976931348623157e308, -1.7976931348623157e308, 1.7976931348623157e308)]
    [InlineData(5e-324, 0, 5e-324)]
    [InlineData(5e-324, -5e-324, 1e-323)]
    [InlineData(1e-300, 1e300, -1e300)]
    public void Columns_at_the_ends_of_the_double_range_standardise_to_mean_zero_and_deviation_one(double a, double b, double c)
    {
        var z = Standardization.Standardize(new NumericTable([a, 1, b, 2, c, 4], 2)).Table;
        var column = new[] { z[0, 0], z[1, 0], z[2, 0] };
        Assert.All(column, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(0, column.Average(), 1e-15);
        Assert.Equal(1, column.Select(v => v * v).Average(), 1e-15);
        Assert.Equal(Math.Sign(a - b), Math.Sign(column[0] - column[1]));
    }

    [Fact]
    public void A_column_beyond_2_to_the_400_is_scaled_by_its_power_of_two_and_its_statistics_reported_in_its_own_units()
    {
        // Columns 2⁵⁰⁰·{1, 3}, 2⁻⁵⁰⁰·{1, 3} and {1, 3}: the first two are divided by 2^⌊log₂ 3·2^±500⌋ = 2⁵⁰¹ and 2⁻⁴⁹⁹,
        // giving {½, 3/2} (mean 1, deviation ½, exactly); their mean and deviation before scaling are 2⁵⁰¹, 2⁵⁰⁰ and
        // 2⁻⁴⁹⁹, 2⁻⁵⁰⁰.
        var (large, small) = (Math.ScaleB(1.0, 500), Math.ScaleB(1.0, -500));
        var table = new NumericTable([large, small, 1, 3 * large, 3 * small, 3], 3);
        var statistics = Standardization.Of(table);
        Assert.Equal([501, -499, 0], statistics.Exponents.ToArray());
        Assert.Equal([1.0, 1.0, 2.0], statistics.ScaledMeans.ToArray());
        Assert.Equal([0.5, 0.5, 1.0], statistics.ScaledDeviations.ToArray());
        Assert.Equal([Math.ScaleB(1.0, 501), Math.ScaleB(1.0, -499), 2.0], statistics.Means.ToArray());
        Assert.Equal([large, small, 1.0], statistics.StandardDeviations.ToArray());
        var standardized = Standardization.Standardize(table);
        Assert.Equal([-1.0, -1, -1, 1, 1, 1], standardized.Table.ToArray());
        Assert.Equal(statistics.Means.ToArray(), standardized.Means.ToArray());
        Assert.Equal(statistics.StandardDeviations.ToArray(), standardized.StandardDeviations.ToArray());
        // Another row, scaled the same way first: (2⁵⁰²·2⁻⁵⁰¹ − 1)/½ = 2, and so on; in place too.
        var row = new[] { 4 * large, 4 * small, 4.0 };
        statistics.Apply(row, row);
        Assert.Equal([2.0, 2.0, 2.0], row);
        // Every column scaled, none left as it is: the same numbers for the two.
        var scaledOnly = Standardization.Of(new NumericTable([large, small, 3 * large, 3 * small], 2));
        Assert.Equal([501, -499], scaledOnly.Exponents.ToArray());
        Assert.Equal([1.0, 1.0], scaledOnly.ScaledMeans.ToArray());
        Assert.Equal([0.5, 0.5], scaledOnly.ScaledDeviations.ToArray());
    }

    [Theory]
    [InlineData(400, 0)]    // 2⁴⁰⁰ itself: inside [2⁻⁴⁰⁰, 2⁴⁰⁰], not scaled
    [InlineData(-400, 0)]   // 2⁻⁴⁰⁰ itself: inside
    [InlineData(401, 401)]  // the next power outside, either way
    [InlineData(-401, -401)]
    public void A_column_is_scaled_exactly_when_its_largest_magnitude_lies_outside_2_to_the_minus_400_and_2_to_the_400(int power, int exponent)
    {
        // The column {−2ᵖ, 2ᵖ/2}, its largest magnitude 2ᵖ; and just beyond it, the double next to 2ᵖ outwards.
        var edge = Math.ScaleB(1.0, power);
        Assert.Equal(exponent, Standardization.Of(new NumericTable([-edge, 1, edge / 2, 2], 2)).Exponents[0]);
        if (exponent == 0)
        {
            var beyond = power > 0 ? Math.BitIncrement(edge) : Math.BitDecrement(edge);
            Assert.Equal(power > 0 ? power : power - 1, Standardization.Of(new NumericTable([-beyond, 1, beyond / 2, 2], 2)).Exponents[0]);
        }
    }

    [Fact]
    public void A_column_of_NaN_or_infinity_is_refused_naming_it_as_not_finite()
    {
        var e = Assert.Throws<ColumnException>(() => Standardization.Of(new NumericTable([1, 2, 3, double.PositiveInfinity], 2)));
        Assert.Equal((1, "holds NaN or ∞; only finite numbers can be standardised"), (e.Column, e.Problem));
        // In every column of a row of 9, so in the vectors of 2, 4 and 8 lanes and in the scalar tail, in any row.
        foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            for (var column = 0; column < 9; column++)
                for (var row = 0; row < 3; row++)
                {
                    var values = Enumerable.Range(0, 27).Select(i => (double)(i / 9 * (i % 9 + 1) + i % 9)).ToArray(); // column c: c, 2c + 1, 3c + 2
                    values[row * 9 + column] = bad;
                    var refused = Assert.Throws<ColumnException>(() => Standardization.Of(new NumericTable([.. values], 9)));
                    Assert.Equal((column, "holds NaN or ∞; only finite numbers can be standardised"), (refused.Column, refused.Problem));
                }
    }

    // The generator's numbers at a fixed key: 2²⁰ of them.
    private static readonly double[] Normals = Draw(20240611, 0, 1 << 20);

    internal static double[] Draw(ulong key, long first, int count)
    {
        var values = new double[count];
        StandardNormal.Fill(key, first, values);
        return values;
    }

    [Fact]
    public void The_generators_mean_variance_skew_and_kurtosis_are_those_of_a_standard_normal_within_five_standard_errors()
    {
        var n = Normals.Length;
        var mean = Normals.Average();
        var variance = Normals.Select(x => (x - mean) * (x - mean)).Average();
        var skew = Normals.Select(x => Math.Pow(x - mean, 3)).Average() / Math.Pow(variance, 1.5);
        var kurtosis = Normals.Select(x => Math.Pow(x - mean, 4)).Average() / (variance * variance);
        // Standard errors for n normal samples: mean 1/√n, variance √(2/n), skew √(6/n), kurtosis √(24/n).
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance - 1, -5 * Math.Sqrt(2.0 / n), 5 * Math.Sqrt(2.0 / n));
        Assert.InRange(skew, -5 * Math.Sqrt(6.0 / n), 5 * Math.Sqrt(6.0 / n));
        Assert.InRange(kurtosis - 3, -5 * Math.Sqrt(24.0 / n), 5 * Math.Sqrt(24.0 / n));
    }

    [Fact]
    public void The_generators_numbers_pass_a_Kolmogorov_Smirnov_test_against_the_normal_at_the_one_percent_level()
    {
        var sorted = Normals.Order().ToArray();
        var n = sorted.Length;
        var d = 0.0;
        for (var i = 0; i < n; i++)
        {
            var cdf = MathNet.Numerics.Distributions.Normal.CDF(0, 1, sorted[i]);
            d = Math.Max(d, Math.Max(cdf - (double)i / n, (i + 1.0) / n - cdf));
        }
        // The 1 % critical value of the statistic √n·D is 1.628 (Kolmogorov's distribution).
        Assert.True(Math.Sqrt(n) * d < 1.628, $"√n·D = {Math.Sqrt(n) * d}");
        // Pairs (r cos θ, r sin θ) are independent: the correlation of neighbours is within five standard errors of 0.
        var correlation = Enumerable.Range(0, n / 2).Average(p => Normals[2 * p] * Normals[2 * p + 1]);
        Assert.InRange(correlation, -5 / Math.Sqrt(n / 2.0), 5 / Math.Sqrt(n / 2.0));
    }

    [Fact]
    public void The_generators_numbers_are_the_recorded_ones_in_every_process()
    {
        // Recorded when the generator was written: the numbers a seed gives must not change again (README promises it).
        Assert.Equal([2.652035377800842, -0.6360203662769776, 1.4495617088286474, 0.9882384284351458, 0.9770819839409983, 0.3719968877038975], Draw(20240611, 0, 6));
        Assert.Equal([1.1103415629587616, -1.9157522433837366, -1.7549967231703025], Draw(20240611, 1_000_000_007, 3));
        Assert.Equal(
            [-0.45773270549169864, 0.8375504743142794, 1.7245429567028607, 5.335172556018615, -0.8751233367774925, -0.05997189323361721, 2.296701938996407, 2.303865052815617],
            SyntheticData.LinearRegression(2, 3, 0).ToArray());
    }

    [Property(MaxTest = 200)]
    public Property Any_range_of_a_stream_holds_the_numbers_at_those_positions_of_the_whole_stream() =>
        Prop.ForAll(Gen.Choose(0, 5000).ToArbitrary(), Gen.Choose(0, 3000).ToArbitrary(), (first, count) =>
            Draw(20240611, first, count).SequenceEqual(Normals.AsSpan(first, count).ToArray()));

    [Property(MaxTest = 300)]
    public Property The_generators_logarithm_is_within_4_ulps_and_its_cosine_and_sine_within_1e_15_of_the_runtimes() =>
        Prop.ForAll(Generators.Unit.ToArbitrary(), Gen.Choose(1, 1 << 30).ToArbitrary(), (unit, scale) =>
        {
            var u = Math.Max(unit / scale, Math.ScaleB(1, -53));
            var log = StandardNormal.Log(Vector256.Create(u)).GetElement(0);
            var (cosines, sines) = StandardNormal.CosSinOfTurn(Vector256.Create(unit));
            var (cos, sin) = (cosines.GetElement(0), sines.GetElement(0));
            // Math.Cos(2π·u) itself rounds 2π·u (up to 4.4e-16 in the angle); ours reduces 8u exactly.
            var angle = 2 * Math.PI * unit;
            var expected = Math.Abs(Math.Log(u));
            return (Math.Abs(log - Math.Log(u)) <= 4 * (Math.BitIncrement(expected) - expected)
                    && Math.Abs(cos - Math.Cos(angle)) <= 1e-15 && Math.Abs(sin - Math.Sin(angle)) <= 1e-15)
                .Label($"u {u}: log {log} vs {Math.Log(u)}; cos {cos} vs {Math.Cos(angle)}; sin {sin} vs {Math.Sin(angle)}");
        });

    [Property(MaxTest = 1000)]
    public Property Where_the_exponent_is_0_the_generators_logarithm_is_its_series_alone_and_within_5_ulps() =>
        Prop.ForAll(Gen.OneOf(Generators.Uniform(Math.Sqrt(0.5), 1), Generators.Uniform(Math.Sqrt(0.5), 0.72)).ToArbitrary(), u =>
        {
            // On [√½, 1) the term e·ln 2 is 0, so ln u = 2 atanh s is all there is and an ulp of it is at most 2⁻⁵⁴; over
            // all of (0, 1] the ulps of e·ln 2 hide a term of the series with its sign wrong. Near √½ (|s| = 0.1716, the
            // series' worst case, hence the second range) the term 2s¹⁹/19 is 5 ulps of the result, so its sign flipped
            // moves the result by 10. The budget: s = (m − 1)/(m + 1) rounds twice, the series and the product once each
            // (4·2⁻⁵³ relative, 4 ulps at most), Math.Log ≤ 1 ulp.
            var log = StandardNormal.Log(Vector256.Create(u)).GetElement(0);
            var expected = Math.Log(u);
            var ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            return (Math.Abs(log - expected) <= 5 * ulp).Label($"u {u}: log {log} vs {expected}, {Math.Abs(log - expected) / ulp} ulps");
        });

    [Property(MaxTest = 100)]
    public Property A_synthetic_sets_first_rows_are_the_smaller_set_and_its_blocks_fill_in_any_order() =>
        Prop.ForAll(Gen.Choose(1, 300).ToArbitrary(), Gen.Choose(1, 300).ToArbitrary(), Gen.Zip(Gen.Choose(1, 12), Gen.Choose(-5, 5)).ToArbitrary(),
            (small, extra, shape) =>
            {
                var (features, seed) = shape;
                var larger = SyntheticData.LinearRegression(small + extra, features, seed);
                var smaller = SyntheticData.LinearRegression(small, features, seed);
                var part = new double[extra * (features + 1)];
                SyntheticData.FillRows(features, seed, small, part);
                return smaller.ToArray().SequenceEqual(larger.ToArray().Take(small * (features + 1)))
                    && part.SequenceEqual(larger.ToArray().Skip(small * (features + 1)))
                    && larger.Equals(SyntheticData.LinearRegression(small + extra, features, seed))
                    && !larger.Equals(SyntheticData.LinearRegression(small + extra, features, seed + 1));
            });

    [Fact]
    public void A_synthetic_set_follows_d2ls_model_intercept_4_2_and_noise_0_5()
    {
        // Least squares on 20 000 rows recovers b = 4.2 within 5 standard errors (σ/√n ≈ 0.0035) and σ = 0.5 within 2 %.
        const int rows = 20_000, features = 3;
        var table = SyntheticData.LinearRegression(rows, features, 7);
        var x = Matrix<double>.Build.Dense(rows, features + 1, (i, j) => j == features ? 1 : table[i, j]);
        var y = Vector<double>.Build.Dense(rows, i => table[i, features]);
        var fit = x.Solve(y);
        var residuals = y - x * fit;
        Assert.InRange(fit[features], 4.2 - 5 * 0.5 / Math.Sqrt(rows), 4.2 + 5 * 0.5 / Math.Sqrt(rows));
        Assert.InRange(Math.Sqrt(residuals.DotProduct(residuals) / rows), 0.49, 0.51);
        // The features are N(0, 1): the column's variance within 5 % of 1.
        Assert.All(Enumerable.Range(0, features), j => Assert.InRange(x.Column(j).Variance(), 0.95, 1.05));
    }
}
