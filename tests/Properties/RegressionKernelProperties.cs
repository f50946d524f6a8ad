using System.Numerics;
using Momentum.Kernels;

namespace Momentum.Properties;

/// <summary>
/// The regression kernel against expectations computed outside it: the number of parts from its documented formula, done
/// by hand; gradients of data whose every product and sum is an integer, so any order of summation gives the exact value
/// and the kernel must give it to the last bit; and nothing written outside the destination.
/// </summary>
public class RegressionKernelProperties
{
    // k = min(8, ⌊B·F / 4096⌋, ⌊B / 4⌋) parts of ⌈B / k⌉ rows rounded up to a multiple of four; one part below 8 rows or
    // 8192 multiply-adds. Each row's arithmetic is written beside it.
    [Theory]
    [InlineData(7, 2000, 1)]     // B < 8
    [InlineData(8, 1023, 1)]     // B·F = 8184 < 8192
    [InlineData(8, 1024, 2)]     // k = min(8, 2, 2) = 2; ⌈8/2⌉ = 4 rows: 2 parts
    [InlineData(100, 100, 2)]    // k = min(8, 2, 25) = 2; ⌈100/2⌉ = 50 → 52 rows: 2 parts
    [InlineData(1000, 100, 8)]   // k = min(8, 24, 250) = 8; ⌈1000/8⌉ = 125 → 128 rows: 8 parts
    [InlineData(30, 10000, 4)]   // k = min(8, 73, 7) = 7; ⌈30/7⌉ = 5 → 8 rows: 4 parts (with k = 8 it would be 8)
    [InlineData(96, 256, 6)]     // k = min(8, 6, 24) = 6; ⌈96/6⌉ = 16 rows: 6 parts
    [InlineData(100, 256, 5)]    // k = min(8, 6, 25) = 6; ⌈100/6⌉ = 17 → 20 rows: 5 parts
    public void The_number_of_parts_follows_the_documented_formula(int batchRows, int featureCount, int parts) =>
        Assert.Equal(parts, RegressionKernel.Parts(batchRows, featureCount));

    private const double Sentinel = 12345.5;
    private const int Guard = 9;

    /// <summary>
    /// Every shape from one feature to past twice the widest vector's unrolled loop (4 × 8 floats), minibatches of one row to
    /// three four-row blocks and a tail, and shapes summed in parts (up to 1 024 gradient entries on the stack, more on the
    /// heap): the gradient, scaled by ½, equals the exact integer sum to the last bit in float and double, and the entries
    /// either side of the destination keep their value.
    /// </summary>
    [Fact]
    public void The_gradient_of_integer_data_is_exact_and_written_only_to_its_destination()
    {
        var shapes = (from features in Enumerable.Range(1, 72)
                      from batch in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 13 }
                      select (features, batch))
            .Concat([
                (40, 210),   // 2 parts
                (100, 100),  // 2 parts
                (33, 1000),  // 8 parts, each a multiple of four rows
                (1023, 16),  // 2 parts, 1 024 entries
                (1100, 9),   // 2 parts, 1 101 entries
            ]);
        foreach (var (features, batch) in shapes)
        {
            Exact<float>(features, batch);
            Exact<double>(features, batch);
        }
    }

    private static void Exact<T>(int features, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Entries in {−2, …, 2}: each residual is at most 4F + 4 in size and each sum at most B(8F + 8), exact in float.
        var random = new Random(features * 1000 + batch);
        const int rows = 23;
        var x = Enumerable.Range(0, rows * features).Select(_ => random.Next(-2, 3)).ToArray();
        var y = Enumerable.Range(0, rows).Select(_ => random.Next(-2, 3)).ToArray();
        var w = Enumerable.Range(0, features + 1).Select(_ => random.Next(-2, 3)).ToArray();
        var batchRows = Enumerable.Range(0, batch).Select(_ => random.Next(rows)).ToArray();

        var expected = new long[features + 1];
        foreach (var row in batchRows)
        {
            long r = w[features] - y[row];
            for (var j = 0; j < features; j++) r += (long)x[row * features + j] * w[j];
            for (var j = 0; j < features; j++) expected[j] += r * x[row * features + j];
            expected[features] += r;
        }

        var buffer = new T[features + 1 + 2 * Guard];
        buffer.AsSpan().Fill(T.CreateChecked(Sentinel));
        var gradient = buffer.AsSpan(Guard, features + 1);
        RegressionKernel.Gradient<T>(
            Array.ConvertAll(x, T.CreateChecked), features, Array.ConvertAll(y, T.CreateChecked), batchRows,
            Array.ConvertAll(w, T.CreateChecked), T.CreateChecked(0.5), gradient);

        for (var j = 0; j <= features; j++)
            Assert.True(gradient[j] == T.CreateChecked(expected[j] * 0.5), $"{typeof(T).Name}, F = {features}, B = {batch}: entry {j} is {gradient[j]}, expected {expected[j] * 0.5}");
        Assert.True(buffer.AsSpan(0, Guard).ToArray().All(v => v == T.CreateChecked(Sentinel)), "written before the destination");
        Assert.True(buffer.AsSpan(Guard + features + 1).ToArray().All(v => v == T.CreateChecked(Sentinel)), "written after the destination");
    }

    [Theory]
    [InlineData(1023, 16)]
    [InlineData(100, 100)]
    public void A_gradient_in_parts_allocates_nothing_up_to_1024_entries(int features, int batch)
    {
        Assert.True(RegressionKernel.Parts(batch, features) > 1);
        var x = new float[batch * features];
        var y = new float[batch];
        var w = new float[features + 1];
        var gradient = new float[features + 1];
        var rows = Enumerable.Range(0, batch).ToArray();
        void Run() => RegressionKernel.Gradient<float>(x, features, y, rows, w, 0.5f, gradient);
        Run(); // JIT and static initialisation first
        Assert.Equal(0, Allocation.Fewest(5, Run));
    }
}
