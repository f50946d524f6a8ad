using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// The synthetic data set against its documented recipe (SyntheticData's remarks), restated here number by number:
/// x_ij is number i·F + j of the stream <c>Derive64(seed, Synthetic, 0)</c>, w_j number j of stream 1, ε_i number i of
/// stream 2, and y_i = (4.2 + σ·ε_i) + Σ_j x_ij·w_j with the sum in the documented order: four partial sums over j mod 4
/// up to the last whole four, (p₀ + p₁) + (p₂ + p₃), then the last F mod 4 terms.
/// </summary>
public class SyntheticDataProperties
{
    private static double[] DocumentedRow(int seed, int features, int row, double noise)
    {
        double[] Draw(long stream, long first, int count) => DataProperties.Draw(Seeds.Derive64(seed, Seeds.Stream.Synthetic, stream), first, count);
        var (x, w, e) = (Draw(0, (long)row * features, features), Draw(1, 0, features), Draw(2, row, 1));
        var whole = features / 4 * 4;
        var partial = new double[4];
        for (var j = 0; j < whole; j++) partial[j % 4] += x[j] * w[j];
        var total = (partial[0] + partial[1]) + (partial[2] + partial[3]);
        for (var j = whole; j < features; j++) total += x[j] * w[j];
        return [.. x, 4.2 + noise * e[0] + total];
    }

    [Theory]
    [InlineData(5, 1, 0, 0.5)]
    [InlineData(6, 3, -2, 0.5)]
    [InlineData(7, 4, 3, 0.5)]
    [InlineData(4, 8, 42, 0.0)]   // σ = 0 is allowed: y = 4.2 + x·w exactly as summed
    [InlineData(9, 11, 7, 1.5)]
    [InlineData(3, 13, int.MinValue, 0.5)]
    public void Every_number_of_a_synthetic_set_is_its_documented_draw(int rows, int features, int seed, double noise)
    {
        var table = SyntheticData.LinearRegression(rows, features, seed, noise);
        Assert.Equal((rows, features + 1), (table.Rows, table.Columns));
        for (var i = 0; i < rows; i++)
            Assert.Equal(DocumentedRow(seed, features, i, noise), table.Row(i).ToArray());
    }

    [Theory]
    [InlineData(1, 524_288)]       // 2²⁰ / 2
    [InlineData(5, 174_762)]       // ⌊2²⁰ / 6⌋
    [InlineData(100_000, 10)]      // ⌊2²⁰ / 100 001⌋
    [InlineData(1 << 20, 1)]       // less than one row: one row
    public void A_block_holds_about_a_million_numbers_and_at_least_one_row(int features, int rows) =>
        Assert.Equal(rows, SyntheticData.BlockRows(features));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(524_288, 1)]
    [InlineData(524_289, 2)]
    [InlineData(int.MaxValue, 4096)]  // ⌈(2³¹ − 1) / 2¹⁹⌉
    public void A_table_takes_as_many_blocks_as_its_rows_fill(int rows, int blocks) =>
        Assert.Equal(blocks, SyntheticData.BlockCount(rows, 1));

    [Fact]
    public void A_set_of_several_blocks_is_its_documented_draw_block_by_block()
    {
        // 10 rows of 100 000 features per block: 23 rows are blocks of 10, 10 and 3 rows.
        const int features = 100_000, rows = 23, seed = 9;
        var table = SyntheticData.LinearRegression(rows, features, seed);
        Assert.Equal(3, table.BlockCount);
        Assert.Equal([0, 10, 20], Enumerable.Range(0, 3).Select(table.FirstRowOf));
        Assert.Equal(3 * (features + 1), table.Block(2).Length);
        foreach (var row in new[] { 0, 9, 10, 19, 20, 22 })
            Assert.Equal(DocumentedRow(seed, features, row, 0.5), table.Row(row).ToArray());
        Assert.True(SyntheticData.Block(1, rows, features, seed).AsSpan().SequenceEqual(table.Block(1)));
    }
}
