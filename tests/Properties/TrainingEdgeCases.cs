using System.Collections.Immutable;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// Training's edges, each with what it says: tables and data sets whose sizes do not fit, statistics of another table,
/// policies and shuffles that do not exist, a state of another run; data sets, tables and training states compared and
/// printed part by part; a data set in a precision other than float and double.
/// </summary>
public class TrainingEdgeCases
{
    private static readonly NumericTable Table = new([1.0, 10.0, 0.5, 2.0, 20.0, 1.5, 4.0, 30.0, 2.5], 3);

    public static TheoryData<string, Action, string> Refusals() => new()
    {
        { "a data set with a value short", () => _ = new Dataset<double>([1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0], 2), "3 rows of 2 features need 6 values, not 5. (Parameter 'features')" },
        { "a data set without features", () => _ = new Dataset<double>(default, [1.0, 2.0], 1), "2 rows of 1 features need 2 values, not 0. (Parameter 'features')" },
        { "a data set without rows", () => _ = new Dataset<double>([], [], 1), "A data set needs at least one row. (Parameter 'labels')" },
        { "a table block that is not whole rows", () => _ = new NumericTable([ImmutableArray.Create(1.0, 2.0, 3.0), ImmutableArray.Create(4.0, 5.0)], 3), "2 values do not fill rows of 3 columns. (Parameter 'blocks')" },
        { "a table block that is missing", () => _ = new NumericTable([ImmutableArray.Create(1.0, 2.0, 3.0), default], 3), "0 values do not fill rows of 3 columns. (Parameter 'blocks')" },
        { "statistics of another table", () => Dataset<double>.FromTable(Table, 0, standardization: Standardization.Of(new NumericTable([1.0, 2.0, 3.0, 5.0], 2))), "The statistics are for 2 columns; the table has 3. (Parameter 'standardization')" },
        { "a diagonal quadratic of eigenvalue −∞", () => _ = new DiagonalQuadratic([1.5, double.NegativeInfinity]), "eigenvalues[1] = -Infinity is not finite. (Parameter 'eigenvalues')" },
        { "a step on an infinite gradient", () => Optimizer.Nesterov(0.1, 0.9).Step(Optimizer.Nesterov(0.1, 0.9).Start([1.0, 2.0]), [-2.5, double.PositiveInfinity]),
            "gradient[1] is Infinity at step 0: the step was not taken." },
        { "a table of one column", () => Dataset<double>.FromTable(new NumericTable([1.0, 2.0], 1), 0), "The table has 1 column; regression needs features and a target. (Parameter 'table')" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_refusal_says_what_was_wrong(string what, Action call, string message)
        => Refusal.Says(what, call, message, e => e is ArgumentException or NonFiniteGradientException);

    [Fact]
    public void Arrays_of_another_length_or_one_array_twice_from_the_callers_allocator_are_refused()
    {
        var shorter = Assert.Throws<InvalidOperationException>(() => Dataset<double>.FromTable(Table, 0, allocate: n => new double[n - 1]));
        Assert.Equal("allocate(6) returned an array of 5; expected a new array of 6.", shorter.Message);
        var none = Assert.Throws<InvalidOperationException>(() => Dataset<double>.FromTable(Table, 0, allocate: n => n == 3 ? null! : new double[n]));
        Assert.Equal("allocate(3) returned null; expected a new array of 3.", none.Message);
        var cached = new double[3];
        var twice = Assert.Throws<InvalidOperationException>(() => Dataset<double>.FromTable(new NumericTable([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2), 0, allocate: _ => cached));
        Assert.Equal("allocate returned the same array for the features and the labels; expected a new array each time.", twice.Message);
        // Features first (rows × features), then labels (rows); the arrays given are the data set's own.
        var lengths = new List<int>();
        var data = Dataset<double>.FromTable(Table, 0, rows: 2, allocate: n => { lengths.Add(n); return new double[n]; });
        Assert.Equal([4, 2], lengths);
        Assert.Equal(Dataset<double>.FromTable(Table, 0, rows: 2), data);
    }

    [Fact]
    public void A_policy_or_a_shuffle_that_does_not_exist_is_refused_by_name()
    {
        var options = new TrainingOptions(Optimizer.HeavyBall(0.1, 0.9));
        var policy = Assert.Throws<HyperparameterException>(() => (options with { OnNonFinite = (NonFinitePolicy)7 }).Validate(10));
        Assert.Equal((nameof(TrainingOptions), "OnNonFinite"), (policy.Transformation, policy.Name));
        Assert.Contains("must be Throw, Skip or Stop", policy.Message);
        var shuffle = Assert.Throws<HyperparameterException>(() => (options with { Shuffle = (ShuffleMode)7 }).Validate(10));
        Assert.Equal((nameof(TrainingOptions), "Shuffle"), (shuffle.Transformation, shuffle.Name));
        Assert.Contains("must be Rows, Batches or None", shuffle.Message);
        var order = Assert.Throws<ArgumentOutOfRangeException>(() => Minibatches.Order(10, 2, 0, 0, (ShuffleMode)7));
        Assert.Equal("shuffle", order.ParamName);
        Assert.StartsWith("must be Rows, Batches or None.", order.Message);
    }

    [Fact]
    public void A_state_of_another_objective_is_refused()
    {
        var data = new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], 1);
        var wide = new Dataset<double>([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], 2);
        var options = new TrainingOptions(Optimizer.HeavyBall(0.1, 0.9), BatchSize: 2);
        var state = Trainer.Init(new RegressionObjective<double>(wide), options, [0.0, 0.0, 0.0]);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Advance(new RegressionObjective<double>(data), options, state));
        Assert.Equal("the state is not of this objective and optimizer. (Parameter 'state')", e.Message);
        var other = options with { Optimizer = Optimizer.Nesterov(0.1, 0.9) };
        var stateless = Trainer.Init(new RegressionObjective<double>(data), options with { Optimizer = new Scale(-0.1) }, [0.0, 0.0]);
        Assert.Throws<ArgumentException>(() => Trainer.Advance(new RegressionObjective<double>(data), options, stateless));
        Assert.Equal(2, Trainer.Advance(new RegressionObjective<double>(data), other, Trainer.Init(new RegressionObjective<double>(data), other, [0.0, 0.0]), 1).Examples);
    }

    [Fact]
    public void A_data_set_in_half_precision_rounds_each_value_once()
    {
        var data = Dataset<Half>.FromTable(Table, 1);
        Assert.Equal([(Half)1.0, (Half)0.5, (Half)2.0, (Half)1.5, (Half)4.0, (Half)2.5], data.Features.ToArray());
        Assert.Equal([(Half)10.0, (Half)20.0, (Half)30.0], data.Labels.ToArray());
    }

    [Fact]
    public void Data_sets_and_tables_are_equal_exactly_when_every_part_is()
    {
        var data = new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.0], 2);
        Assert.Equal(data, new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.0], 2));
        Assert.Equal(data.GetHashCode(), new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.0], 2).GetHashCode());
        Assert.NotEqual(data, new Dataset<double>([1.0, 2.0, 3.0, 4.5], [1.0, 2.0], 2));
        Assert.NotEqual(data, new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.5], 2));
        Assert.NotEqual(data, new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], 1));
        Assert.False(data.Equals(null));

        var table = new NumericTable([1.0, 2.0, 3.0, 4.0], 2);
        object same = new NumericTable([ImmutableArray.Create(1.0, 2.0), ImmutableArray.Create(3.0, 4.0)], 2);
        Assert.True(table.Equals(same));
        Assert.Equal(table.GetHashCode(), same.GetHashCode());
        Assert.False(table.Equals((object)new NumericTable([1.0, 2.0, 3.0, 4.5], 2)));
        Assert.False(table.Equals((object)new NumericTable([1.0, 2.0, 3.0, 4.0], 1)));
        Assert.False(table.Equals((object)"a table"));
    }

    [Fact]
    public void Statistics_print_the_means_and_deviations_and_a_constant_column_its_value()
    {
        Assert.Equal("ColumnStatistics { Means = [2, 3], StandardDeviations = [1, 2] }",
            Standardization.Of(new NumericTable([1.0, 1.0, 3.0, 5.0], 2)).ToString());
        var e = Assert.Throws<ConstantColumnException>(() => Standardization.Of(new NumericTable([1.0, 7.0, 2.0, 7.0], 2)));
        Assert.Equal((1, 7.0), (e.Column, e.Value));
    }

    [Fact]
    public void Training_states_are_equal_exactly_when_every_part_but_the_derived_order_is()
    {
        var data = new Dataset<double>([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], 1);
        var options = new TrainingOptions(Optimizer.HeavyBall(0.1, 0.9), BatchSize: 2);
        var objective = new RegressionObjective<double>(data);
        var state = Trainer.Advance(objective, options, Trainer.Init(objective, options, [0.5, 0.0]), 1);
        var again = Trainer.Advance(objective, options, Trainer.Init(objective, options, [0.5, 0.0]), 1);
        Assert.Equal(state, again);
        Assert.Equal(state.GetHashCode(), again.GetHashCode());
        Assert.Equal(state, state with { Order = [3, 2, 1, 0] });
        Assert.NotEqual(state, state with { Epoch = 1 });
        Assert.NotEqual(state, state with { Batch = 0 });
        Assert.NotEqual(state, state with { Examples = 3 });
        Assert.NotEqual(state, state with { Fault = new TrainingFault(1, 0, double.NaN) });
        Assert.NotEqual(state, state with { Optimizer = Optimizer.HeavyBall(0.1, 0.9).Start<double>([0.5, 0.0]) });
        Assert.False(state.Equals(null));

        Assert.StartsWith("TrainingState { Epoch = 0, Batch = 1, Examples = 2, Optimizer = OptimizerState { Parameters = [", state.ToString());
        Assert.DoesNotContain("Fault", state.ToString());
        Assert.EndsWith(", Fault = TrainingFault { Step = 1, Index = 0, Value = NaN } }", (state with { Fault = new TrainingFault(1, 0, double.NaN) }).ToString());

        var result = new TrainingResult<double>([new LossPoint(2, 0.5, 0.25)], state);
        Assert.Equal(result, new TrainingResult<double>([new LossPoint(2, 0.5, 0.25)], again));
        Assert.Equal(result.GetHashCode(), new TrainingResult<double>([new LossPoint(2, 0.5, 0.25)], again).GetHashCode());
        Assert.NotEqual(result, new TrainingResult<double>([new LossPoint(2, 0.5, 0.5)], state));
        Assert.NotEqual(result, new TrainingResult<double>([new LossPoint(2, 0.5, 0.25)], state with { Epoch = 1 }));
        Assert.False(result.Equals(null));
        Assert.StartsWith("TrainingResult { History = 1 points (last LossPoint { Examples = 2, Epoch = 0.5, Loss = 0.25 }), Final = TrainingState { ", result.ToString());
        Assert.StartsWith("TrainingResult { History = 0 points, Final = TrainingState { ", new TrainingResult<double>([], state).ToString());
    }
}
