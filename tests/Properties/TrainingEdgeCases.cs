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
        { "a data set of 0 features", () => _ = new Dataset<double>([1.0], [1.0], 0), "featureCount ('0') must be greater than or equal to '1'. (Parameter 'featureCount')" + Environment.NewLine + "Actual value was 0." },
        { "a data set of no labels", () => _ = new Dataset<double>([1.0], default, 1), "A data set needs at least one row. (Parameter 'labels')" },
        { "a data set from no table", () => Dataset<double>.FromTable(null!, 0), "Value cannot be null. (Parameter 'table')" },
        { "a data set whose target is column 4 of 3", () => Dataset<double>.FromTable(Table, 3), "targetColumn ('3') must be less than '3'. (Parameter 'targetColumn')" + Environment.NewLine + "Actual value was 3." },
        { "a data set of the first 0 rows", () => Dataset<double>.FromTable(Table, 0, rows: 0), "rows ('0') must be greater than or equal to '1'. (Parameter 'rows')" + Environment.NewLine + "Actual value was 0." },
        { "a data set of the first 4 rows of 3", () => Dataset<double>.FromTable(Table, 0, rows: 4), "rows ('4') must be less than or equal to '3'. (Parameter 'rows')" + Environment.NewLine + "Actual value was 4." },
        { "an objective of 0 rows", () => MinibatchObjective.From<double>(0, 2, Zero, Nought), "rows ('0') must be greater than or equal to '1'. (Parameter 'rows')" + Environment.NewLine + "Actual value was 0." },
        { "an objective of 0 parameters", () => MinibatchObjective.From<double>(3, 0, Zero, Nought), "parameterCount ('0') must be greater than or equal to '1'. (Parameter 'parameterCount')" + Environment.NewLine + "Actual value was 0." },
        { "an objective with no gradient", () => MinibatchObjective.From<double>(3, 2, null!, Nought), "Value cannot be null. (Parameter 'gradient')" },
        { "an objective with no loss", () => MinibatchObjective.From<double>(3, 2, Zero, null!), "Value cannot be null. (Parameter 'loss')" },
        { "an order in minibatches of 0", () => Minibatches.Order(3, 0, 0, 0, ShuffleMode.Rows), "batchSize ('0') must be greater than or equal to '1'. (Parameter 'batchSize')" + Environment.NewLine + "Actual value was 0." },
        { "minibatches of 0 per epoch", () => Minibatches.PerEpoch(3, 0), "batchSize ('0') must be greater than or equal to '1'. (Parameter 'batchSize')" + Environment.NewLine + "Actual value was 0." },
        { "a table of no blocks", () => _ = new NumericTable((IEnumerable<ImmutableArray<double>>)null!, 2), "Value cannot be null. (Parameter 'blocks')" },
        { "a table of 0 columns", () => _ = new NumericTable([1.0, 2.0], 0), "columns ('0') must be greater than or equal to '1'. (Parameter 'columns')" + Environment.NewLine + "Actual value was 0." },
        { "the first row of block 1 of 1", () => Table.FirstRowOf(1), "index ('1') must be less than '1'. (Parameter 'index')" + Environment.NewLine + "Actual value was 1." },
        { "row 3 of 3", () => _ = Table.Row(3).Length, "row ('3') must be less than '3'. (Parameter 'row')" + Environment.NewLine + "Actual value was 3." },
        { "the statistics of no table", () => Standardization.Of(null!), "Value cannot be null. (Parameter 'table')" },
        { "the statistics of a table of no rows", () => Standardization.Of(new NumericTable(ImmutableArray<double>.Empty, 2)), "The table has no rows to standardise. (Parameter 'table')" },
        { "the statistics of a column holding ∞", () => Standardization.Of(new NumericTable([1.0, 2.0, 3.0, double.PositiveInfinity], 2)), "column 2: holds NaN or ∞; only finite numbers can be standardised." },
        { "a logistic regression of label −0.5", () => _ = new LogisticRegression<double>(new Dataset<double>([1.0, 2.0], [1.0, -0.5], 1)), "row 2: the label is -0.5; logistic regression needs labels 0 or 1. (Parameter 'data')" },
        { "the statistics of a constant column", () => Standardization.Of(new NumericTable([1.0, -2.5, 3.0, -2.5], 2)), "column 2 is constant (-2.5 in every row): standardising it would divide by zero." },
        { "standardising values that are not whole rows", () => Standardization.Of(Table).Apply(new double[4], new double[4]), "4 values are not whole rows of 3 columns. (Parameter 'source')" },
        { "standardising into a shorter destination", () => Standardization.Of(Table).Apply(new double[6], new double[5]), "The destination holds 5 values; the source has 6. (Parameter 'destination')" },
        { "a synthetic table of 0 rows", () => SyntheticData.LinearRegression(0, 2, 0), "rows ('0') must be greater than or equal to '1'. (Parameter 'rows')" + Environment.NewLine + "Actual value was 0." },
        { "a synthetic table of 0 features", () => SyntheticData.LinearRegression(3, 0, 0), "features ('0') must be greater than or equal to '1'. (Parameter 'features')" + Environment.NewLine + "Actual value was 0." },
        { "a synthetic table of noise −1", () => SyntheticData.LinearRegression(3, 2, 0, -1), "σ must be finite and non-negative. (Parameter 'noise')" + Environment.NewLine + "Actual value was -1." },
        { "synthetic block 1 of 1", () => SyntheticData.Block(1, 3, 2, 0), "index ('1') must be less than '1'. (Parameter 'index')" + Environment.NewLine + "Actual value was 1." },
        { "synthetic block 0 of a table of 0 rows", () => SyntheticData.Block(0, 0, 2, 0), "rows ('0') must be greater than or equal to '1'. (Parameter 'rows')" + Environment.NewLine + "Actual value was 0." },
        { "synthetic rows of 0 features", () => SyntheticData.FillRows(0, 0, 0, new double[2]), "features ('0') must be greater than or equal to '1'. (Parameter 'features')" + Environment.NewLine + "Actual value was 0." },
        { "synthetic rows of noise NaN", () => SyntheticData.FillRows(2, 0, 0, new double[3], double.NaN), "σ must be finite and non-negative. (Parameter 'noise')" + Environment.NewLine + "Actual value was NaN." },
        { "synthetic rows of noise ∞", () => SyntheticData.FillRows(2, 0, 0, new double[3], double.PositiveInfinity), "σ must be finite and non-negative. (Parameter 'noise')" + Environment.NewLine + "Actual value was Infinity." },
        { "synthetic rows of noise −0.5", () => SyntheticData.FillRows(2, 0, 0, new double[3], -0.5), "σ must be finite and non-negative. (Parameter 'noise')" + Environment.NewLine + "Actual value was -0.5." },
        { "synthetic rows that are not whole rows", () => SyntheticData.FillRows(2, 0, 0, new double[4]), "4 values are not whole rows of 3 columns. (Parameter 'destination')" },
        { "a run of no objective", () => Trainer.Init(null!, Options, [0.0, 0.0]), "Value cannot be null. (Parameter 'objective')" },
        { "a run of no options", () => Trainer.Init(Objective, null!, [0.0, 0.0]), "Value cannot be null. (Parameter 'options')" },
        { "a run from 3 parameters of 2", () => Trainer.Init(Objective, Options, [0.0, 0.0, 0.0]), "initialParameters has length 3; 2 are expected. (Parameter 'initialParameters')" },
        { "a run of minibatches of 4 rows of 3", () => Trainer.Init(Objective, Options with { BatchSize = 4 }, [0.0, 0.0]), "TrainingOptions.BatchSize = 4: must be in [1, 3], the number of rows" },
        { "advancing in minibatches of 4 rows of 3", () => Trainer.Advance(Objective, Options with { BatchSize = 4 }, Trainer.Init(Objective, Options, [0.0, 0.0])), "TrainingOptions.BatchSize = 4: must be in [1, 3], the number of rows" },
        { "whether a run of no options is finished", () => Trainer.IsFinished(null!, Trainer.Init(Objective, Options, [0.0, 0.0])), "Value cannot be null. (Parameter 'options')" },
        { "whether no state is finished", () => Trainer.IsFinished<double>(Options, null!), "Value cannot be null. (Parameter 'state')" },
        { "whether a record is due with no options", () => Trainer.RecordDue(null!, 0, 1), "Value cannot be null. (Parameter 'options')" },
        { "a record of no objective", () => Trainer.Record(null!, Trainer.Init(Objective, Options, [0.0, 0.0])), "Value cannot be null. (Parameter 'objective')" },
        { "a record of no state", () => Trainer.Record<double>(Objective, null!), "Value cannot be null. (Parameter 'state')" },
        { "advancing no objective", () => Trainer.Advance(null!, Options, Trainer.Init(Objective, Options, [0.0, 0.0])), "Value cannot be null. (Parameter 'objective')" },
        { "advancing with no options", () => Trainer.Advance(Objective, null!, Trainer.Init(Objective, Options, [0.0, 0.0])), "Value cannot be null. (Parameter 'options')" },
        { "advancing no state", () => Trainer.Advance<double>(Objective, Options, null!), "Value cannot be null. (Parameter 'state')" },
        { "advancing a finished run with no objective", () => Trainer.Advance(null!, Options, Trainer.Init(Objective, Options, [0.0, 0.0]) with { Epoch = 2 }), "Value cannot be null. (Parameter 'objective')" },
        { "training on a gradient with NaN at step 2", () => Trainer.Train(MinibatchObjective.From<double>(3, 2, NaNAtThirdCall(), Nought), Options, [0.0, 0.0]), "gradient[1] is NaN at step 2: the step was not taken." },
        { "the record points of minibatches of 4 rows of 3", () => (Options with { BatchSize = 4 }).Records(3), "TrainingOptions.BatchSize = 4: must be in [1, 3], the number of rows" },
        { "the record points of a run over no rows", () => (Options with { RecordEvery = 1 }).Records(0), "TrainingOptions.BatchSize = 1: must be in [1, 0], the number of rows" },
        { "options of no optimizer", () => new TrainingOptions(null!).Validate(3), "Value cannot be null. (Parameter 'Optimizer')" },
        { "options of minibatches of 0", () => (Options with { BatchSize = 0 }).Validate(3), "TrainingOptions.BatchSize = 0: must be in [1, 3], the number of rows" },
        { "options of 0 epochs", () => (Options with { Epochs = 0 }).Validate(3), "TrainingOptions.Epochs = 0: must be an integer ≥ 1" },
        { "options recording every 0 examples", () => (Options with { RecordEvery = 0 }).Validate(3), "TrainingOptions.RecordEvery = 0: must be an integer ≥ 1" },
    };

    // A model of 2 parameters over 3 rows whose gradient is 0 everywhere, and its loss 0.
    private static double Zero(ReadOnlySpan<double> parameters, ReadOnlySpan<int> rows, Span<double> gradient)
    {
        gradient.Clear();
        return 0;
    }

    private static double Nought(ReadOnlySpan<double> parameters) => 0;

    private static readonly IMinibatchObjective<double> Objective = MinibatchObjective.From<double>(3, 2, Zero, Nought);

    private static readonly TrainingOptions Options = new(Optimizer.HeavyBall(0.1, 0.9), BatchSize: 1);

    // The gradient (0, NaN) on the third minibatch, step 2 (the two before it are 0).
    private static MinibatchGradient<double> NaNAtThirdCall()
    {
        var calls = 0;
        return (parameters, rows, gradient) =>
        {
            gradient.Clear();
            if (++calls == 3) gradient[1] = double.NaN;
            return 0;
        };
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_refusal_says_what_was_wrong(string what, Action call, string message)
        => Refusal.Says(what, call, message, e => e is ArgumentException or NonFiniteGradientException);

    /// <summary>Negative counts, refused by the runtime's own checks, which write the value in the caller's culture.</summary>
    public static TheoryData<string, Action, string> NegativeCounts() => new()
    {
        { "a data set whose target is column −1", () => Dataset<double>.FromTable(Table, -1), "targetColumn ('-1') must be a non-negative value. (Parameter 'targetColumn')" + Environment.NewLine + "Actual value was -1." },
        { "an order of −1 rows", () => Minibatches.Order(-1, 0, 0), "rows ('-1') must be a non-negative value. (Parameter 'rows')" + Environment.NewLine + "Actual value was -1." },
        { "an order for epoch −1", () => Minibatches.Order(3, 0, -1), "epoch ('-1') must be a non-negative value. (Parameter 'epoch')" + Environment.NewLine + "Actual value was -1." },
        { "an order of −1 rows in file order", () => Minibatches.Order(-1, 1, 0, 0, ShuffleMode.None), "rows ('-1') must be a non-negative value. (Parameter 'rows')" + Environment.NewLine + "Actual value was -1." },
        { "an order of −1 rows in shuffled minibatches", () => Minibatches.Order(-1, 1, 0, 0, ShuffleMode.Batches), "rows ('-1') must be a non-negative value. (Parameter 'rows')" + Environment.NewLine + "Actual value was -1." },
        { "an order for epoch −1 in shuffled minibatches", () => Minibatches.Order(4, 2, 0, -1, ShuffleMode.Batches), "epoch ('-1') must be a non-negative value. (Parameter 'epoch')" + Environment.NewLine + "Actual value was -1." },
        { "minibatches per epoch of −1 rows", () => Minibatches.PerEpoch(-1, 1), "rows ('-1') must be a non-negative value. (Parameter 'rows')" + Environment.NewLine + "Actual value was -1." },
        { "the first row of block −1", () => Table.FirstRowOf(-1), "index ('-1') must be a non-negative value. (Parameter 'index')" + Environment.NewLine + "Actual value was -1." },
        { "row −1 of a table", () => _ = Table.Row(-1).Length, "row ('-1') must be a non-negative value. (Parameter 'row')" + Environment.NewLine + "Actual value was -1." },
        { "normal numbers from index −1", () => StandardNormal.Fill(1, -1, new double[2]), "first ('-1') must be a non-negative value. (Parameter 'first')" + Environment.NewLine + "Actual value was -1." },
        { "a synthetic table of −1 features", () => SyntheticData.LinearRegression(3, -1, 0), "features ('-1') must be greater than or equal to '1'. (Parameter 'features')" + Environment.NewLine + "Actual value was -1." },
        { "the blocks of −1 features", () => SyntheticData.BlockRows(-1), "features ('-1') must be greater than or equal to '1'. (Parameter 'features')" + Environment.NewLine + "Actual value was -1." },
        { "synthetic block −1", () => SyntheticData.Block(-1, 3, 2, 0), "index ('-1') must be a non-negative value. (Parameter 'index')" + Environment.NewLine + "Actual value was -1." },
        { "the blocks of −1 rows", () => SyntheticData.BlockCount(-1, 2), "rows ('-1') must be a non-negative value. (Parameter 'rows')" + Environment.NewLine + "Actual value was -1." },
        { "synthetic rows from row −1", () => SyntheticData.FillRows(2, 0, -1, new double[3]), "firstRow ('-1') must be a non-negative value. (Parameter 'firstRow')" + Environment.NewLine + "Actual value was -1." },
        { "advancing −1 steps", () => Trainer.Advance(Objective, Options, Trainer.Init(Objective, Options, [0.0, 0.0]), -1), "maxSteps ('-1') must be a non-negative value. (Parameter 'maxSteps')" + Environment.NewLine + "Actual value was -1." },
    };

    [Theory]
    [MemberData(nameof(NegativeCounts))]
    public void Every_negative_count_is_refused_by_name(string what, Action call, string message)
        => Refusal.SaysInvariant(what, call, message);

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
    public void A_table_holds_int_MaxValue_rows_and_not_one_more()
    {
        // The blocks are kept, not copied: 2047 references to one block of 2²⁰ one-number rows, and a last block one row
        // short of it, make 2³¹ − 1 rows in 16 MB.
        var full = ImmutableArray.Create(new double[1 << 20]);
        var largest = new NumericTable([.. Enumerable.Repeat(full, 2047), ImmutableArray.Create(new double[(1 << 20) - 1])], 1);
        Assert.Equal(int.MaxValue, largest.Rows);
        Assert.Equal(int.MaxValue - ((1 << 20) - 1), largest.FirstRowOf(2047));
        var tooLong = Assert.Throws<InvalidOperationException>(largest.ToArray);
        Assert.Equal("The table holds 2147483647 numbers, more than one array can (2147483591); read it block by block.", tooLong.Message);
        var e = Assert.Throws<ArgumentException>(() => new NumericTable(Enumerable.Repeat(full, 2048), 1));
        Assert.Equal("A table holds at most 2147483647 rows. (Parameter 'blocks')", e.Message);
    }

    private sealed class Asked(int length) : Exception
    {
        public int Length => length;
    }

    [Fact]
    public void A_data_set_holds_at_most_one_arrays_worth_of_features_and_says_so()
    {
        // 2³¹ − 1 rows of 2 columns in 16 MB (one block of 2²⁰ rows kept 2047 times, as above): one feature a row.
        var full = ImmutableArray.Create(new double[2 << 20]);
        var table = new NumericTable([.. Enumerable.Repeat(full, 2047), ImmutableArray.Create(new double[2 * ((1 << 20) - 1)])], 2);
        var e = Assert.Throws<InvalidOperationException>(() => Dataset<float>.FromTable(table, 1));
        Assert.Equal("The features of 2147483647 rows are 2147483647 numbers, more than one array can (2147483591); keep fewer rows.", e.Message);
        // Array.MaxLength features exactly are asked of the allocator (which throws here instead of allocating 8 GB); one
        // more is refused before it is asked.
        var asked = Assert.Throws<Asked>(() => Dataset<float>.FromTable(table, 1, 2_147_483_591, allocate: length => throw new Asked(length)));
        Assert.Equal(2_147_483_591, asked.Length);
        e = Assert.Throws<InvalidOperationException>(() => Dataset<float>.FromTable(table, 1, 2_147_483_592, allocate: length => throw new Asked(length)));
        Assert.StartsWith("The features of 2147483592 rows are 2147483592 numbers", e.Message);
    }

    [Fact]
    public void A_data_set_is_filled_by_the_given_executor_once_per_block_that_holds_a_kept_row()
    {
        // Three blocks of 2 rows of 3 columns; the target is the middle column.
        (double, double, double)[] rows = [(1, 10, 0.5), (2, 20, 1.5), (4, 30, 2.5), (5, 40, 3.5), (6, 50, 4.5), (7, 60, 5.5)];
        var table = new NumericTable(
            [.. rows.Chunk(2).Select(pair => ImmutableArray.CreateRange(pair.SelectMany(r => new[] { r.Item1, r.Item2, r.Item3 })))], 3);
        foreach (var (kept, blocks) in new[] { (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3) })
        {
            var counts = new List<int>();
            var data = Dataset<double>.FromTable(table, 1, kept, forEach: (count, body) =>
            {
                counts.Add(count);
                for (var k = count - 1; k >= 0; k--) body(k); // backwards: any order gives the same data set
            });
            Assert.Equal([blocks], counts);
            Assert.Equal(rows.Take(kept).SelectMany(r => new[] { r.Item1, r.Item3 }), data.Features);
            Assert.Equal(rows.Take(kept).Select(r => r.Item2), data.Labels);
        }
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
        // A shell names the column its own way, in the message's words.
        Assert.Equal("column 2 (k) is constant (7 in every row): standardising it would divide by zero", e.Describe("column 2 (k)"));
        Assert.Equal(e.Message, e.Describe("column 2") + ".");
        var nan = Assert.Throws<ColumnException>(() => Standardization.Of(new NumericTable([double.NaN, 7.0, 2.0, 8.0], 2)));
        Assert.Equal("column 1 (x): holds NaN or ∞; only finite numbers can be standardised", nan.Describe("column 1 (x)"));
        Assert.Equal(nan.Message, nan.Describe("column 1") + ".");
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
        Assert.EndsWith(" } }", result.ToString()); // the state's closing brace, then the result's, each after a space
    }
}
