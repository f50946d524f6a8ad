using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MathNet.Numerics.Distributions;

namespace Momentum.Training;

/// <summary>
/// A seeded linear-regression data set, as d2l's <c>synthetic_data</c> (d2l §3.3.1) builds one: X ~ N(0, 1),
/// y = Xw + b + ε with w ~ N(0, 1), b = 4.2 and noise ε ~ N(0, σ²). The last column is the target.
/// </summary>
public static class SyntheticData
{
    /// <summary>Builds a table of <paramref name="rows"/> × (<paramref name="features"/> + 1) numbers.</summary>
    /// <param name="rows">Examples, at least 1.</param>
    /// <param name="features">Features per example, at least 1.</param>
    /// <param name="seed">The seed; equal seeds give equal tables.</param>
    /// <param name="noise">σ, the noise's standard deviation (0.5 by default, so the best loss is well above zero as on real data).</param>
    public static NumericTable LinearRegression(int rows, int features, int seed, double noise = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (!(noise >= 0) || !double.IsFinite(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "σ must be finite and non-negative.");
        var random = new Random(Seeds.Derive(seed, Seeds.Stream.Synthetic, 0));
        var weights = new double[features];
        Normal.Samples(random, weights, 0, 1);
        var columns = features + 1;
        var values = new double[checked(rows * columns)];
        var row = new double[features];
        for (var i = 0; i < rows; i++)
        {
            Normal.Samples(random, row, 0, 1);
            var y = 4.2 + noise * Normal.Sample(random, 0, 1);
            for (var j = 0; j < features; j++)
            {
                values[i * columns + j] = row[j];
                y += row[j] * weights[j];
            }
            values[i * columns + features] = y;
        }
        return new NumericTable(ImmutableCollectionsMarshal.AsImmutableArray(values), columns);
    }
}
