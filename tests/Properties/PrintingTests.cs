using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>Every public record prints its values (F#'s <c>%A</c> and C#'s <c>ToString()</c>), long vectors shortened.</summary>
public class PrintingTests
{
    public static TheoryData<string, object> Printed => new()
    {
        { "Dataset { Rows = 3, FeatureCount = 2, Features = [1, 2, 3, 4, 5, 6], Labels = [0, 1, 2.5] }", new Dataset<double>([1, 2, 3, 4, 5, 6], [0, 1, 2.5], 2) },
        { "Quadratic { Dimension = 2, Q = [[1, 0], [0, 2]], C = [0.5, 0], B = 3 }", Quadratic.FromEigenbasis(new double[,] { { 1, 0 }, { 0, 1 } }, [1, 2], [0.5, 0], 3) },
        { "NumericTable { Rows = 2, Columns = 2, Row 0 = [1, 2] }", new NumericTable([1.0, 2, 3, 4], 2) },
        { "NumericTable { Rows = 0, Columns = 2 }", new NumericTable(System.Collections.Immutable.ImmutableArray<double>.Empty, 2) },
        { "DiagonalQuadratic { Dimension = 2, Eigenvalues = [1, 0.25] }", new DiagonalQuadratic([1.0, 0.25]) },
        { "TwoDimensionalQuadratic { A1 = 0.1, A2 = 2 }", TwoDimensionalQuadratic.Chapter },
        { "StateCovariance { State = [x, v], Values = [1, 0, 0, 2] }", new StateCovariance(["x", "v"], [1.0, 0, 0, 2]) },
        { "Dataset { Rows = 20, FeatureCount = 1, Features = [0, 1, 2, … (14 more) …, 17, 18, 19], Labels = [0, 0, 0, … (14 more) …, 0, 0, 0] }",
            new Dataset<float>([.. Enumerable.Range(0, 20).Select(i => (float)i)], [.. new float[20]], 1) },
    };

    [Theory]
    [MemberData(nameof(Printed))]
    public void A_record_prints_its_values(string expected, object value) => Assert.Equal(expected, value.ToString());

    [Fact]
    public void A_standardized_table_prints_its_table_and_column_statistics()
    {
        // The columns {1, 3} and {2, 5}: means 2 and 3.5, population deviations 1 and 1.5, so the first row is (−1, −1).
        var s = Standardization.Standardize(new NumericTable([1.0, 2, 3, 5], 2)).ToString();
        Assert.Equal("StandardizedTable { Table = NumericTable { Rows = 2, Columns = 2, Row 0 = [-1, -1] }, Means = [2, 3.5], StandardDeviations = [1, 1.5] }", s);
    }
}
