using Momentum.Testing;
using System.Collections.Immutable;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>Data preparation and the training fold (d2l §11.5, <c>get_data_ch11</c> and <c>train_ch11</c>).</summary>
public class TrainingProperties
{
    public sealed record TableCase(int Rows, int Columns, double[] Values)
    {
        public override string ToString() => $"{Rows}×{Columns}";
    }

    private static readonly Arbitrary<TableCase> Tables =
        (from rows in Gen.Choose(2, 60)
         from columns in Gen.Choose(1, 6)
         from scale in Generators.LogUniform(1e-3, 1e4)
         from values in Gen.ArrayOf(Generators.Normal.Select(v => v * scale + 7), rows * columns)
         select new TableCase(rows, columns, values)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Standardised_columns_have_mean_zero_and_population_deviation_one() =>
        Prop.ForAll(Tables, t =>
        {
            var standardized = Standardization.Standardize(new NumericTable([.. t.Values], t.Columns)).Table;
            return Enumerable.Range(0, t.Columns).All(j =>
            {
                var column = Enumerable.Range(0, t.Rows).Select(i => standardized[i, j]).ToArray();
                var mean = column.Average();
                var variance = column.Sum(v => (v - mean) * (v - mean)) / t.Rows;
                // The column's mean m is rounded (a few ulps of max |x| per row summed), and every z = (x − m)/σ carries
                // that error over σ: two rows 8e-6 apart around 7 give a mean z of 1.1e-10 with a correct standardisation.
                var raw = Enumerable.Range(0, t.Rows).Select(i => t.Values[i * t.Columns + j]).ToArray();
                var rawMean = raw.Average();
                var deviation = Math.Sqrt(raw.Sum(v => (v - rawMean) * (v - rawMean)) / t.Rows);
                var meanTolerance = 1e-10 + 4 * t.Rows * Math.ScaleB(1.0, -53) * raw.Max(Math.Abs) / deviation;
                return Math.Abs(mean) <= meanTolerance && Math.Abs(variance - 1) < 1e-10;
            });
        });

    [Property(MaxTest = 300)]
    public Property Standardising_row_by_row_gives_the_bits_of_a_pass_down_each_column() =>
        Prop.ForAll(Tables, t =>
        {
            // The textbook pass, one column at a time: sum, mean, squared deviations, divide.
            var expected = new double[t.Values.Length];
            for (var j = 0; j < t.Columns; j++)
            {
                var sum = 0.0;
                for (var i = 0; i < t.Rows; i++) sum += t.Values[i * t.Columns + j];
                var mean = sum / t.Rows;
                var squares = 0.0;
                for (var i = 0; i < t.Rows; i++) squares += (t.Values[i * t.Columns + j] - mean) * (t.Values[i * t.Columns + j] - mean);
                var deviation = Math.Sqrt(squares / t.Rows);
                for (var i = 0; i < t.Rows; i++) expected[i * t.Columns + j] = (t.Values[i * t.Columns + j] - mean) / deviation;
            }
            var actual = Standardization.Standardize(new NumericTable([.. t.Values], t.Columns)).Table.ToArray();
            return System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()));
        });

    [Fact]
    public void Columns_are_refused_in_order_a_column_that_cannot_divide_before_a_later_constant_one()
    {
        var e = Record.Exception(() => Standardization.Standardize(new NumericTable([double.NaN, 5, 1, 5], 2)));
        Assert.IsNotType<ConstantColumnException>(e);
        Assert.Equal(0, Assert.IsType<ColumnException>(e).Column);
        Assert.Equal(0, Assert.Throws<ConstantColumnException>(() => Standardization.Standardize(new NumericTable([5, double.NaN, 5, 1], 2))).Column);
    }

    [Property(MaxTest = 200)]
    public Property A_column_of_one_repeated_value_is_refused_whatever_rounding_its_mean_suffers() =>
        Prop.ForAll(Generators.Value.ToArbitrary(), Gen.Choose(2, 3000).ToArbitrary(), (value, rows) =>
        {
            // 0.1 repeated 1500 times has a computed mean a few ulps off 0.1, and a "deviation" of 1e-15, not 0.
            var values = new double[rows * 2];
            for (var i = 0; i < rows; i++) (values[2 * i], values[2 * i + 1]) = (i, value);
            var e = Record.Exception(() => Standardization.Standardize(new NumericTable([.. values], 2)));
            return e is ConstantColumnException { Column: 1 };
        });

    [Fact]
    public void A_constant_column_is_refused_naming_it()
    {
        var e = Assert.Throws<ConstantColumnException>(() => Standardization.Standardize(new NumericTable([1, 5, 2, 5, 3, 5], 2)));
        Assert.Equal(1, e.Column);
        Assert.Contains("column 2 is constant", e.Message);
    }

    [Property(MaxTest = 300)]
    public Property Each_epochs_order_is_a_permutation_fixed_by_seed_and_epoch() =>
        Prop.ForAll(Gen.Choose(0, 3000).ToArbitrary(), Gen.Choose(int.MinValue, int.MaxValue).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (rows, seed, epoch) =>
        {
            var order = Minibatches.Order(rows, seed, epoch);
            return order.Order().SequenceEqual(Enumerable.Range(0, rows))
                && order.SequenceEqual(Minibatches.Order(rows, seed, epoch))
                && (rows < 20 || !order.SequenceEqual(Minibatches.Order(rows, seed, epoch + 1)));
        });

    [Fact]
    public void Every_order_of_three_rows_is_about_equally_likely_over_seeds()
    {
        // 6000 seeds, 6 permutations: each expected 1000 times; ±150 is over four standard deviations (σ ≈ 29).
        var counts = Enumerable.Range(0, 6000)
            .GroupBy(seed => string.Join(",", Minibatches.Order(3, seed, 0)))
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 850, 1150));
    }

    private static Dataset<T> Synthetic<T>(int rows, int features, int seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Dataset<T>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(rows, features, seed)).Table, features);

    public sealed record RunCase(int Rows, int Features, int BatchSize, int Epochs, int Seed, Sgd Optimizer)
    {
        public override string ToString() => $"{Rows}×{Features}, batch {BatchSize}, {Epochs} epochs, seed {Seed}, {Optimizer}";
    }

    private static readonly Arbitrary<RunCase> Runs =
        (from rows in Gen.Choose(2, 120)
         from features in Gen.Choose(1, 7)
         from batch in Gen.Choose(1, rows)
         from epochs in Gen.Choose(1, 3)
         from seed in Gen.Choose(0, 1000)
         from lr in Generators.LogUniform(1e-3, 0.1)
         from momentum in Gen.Elements(0.0, 0.5, 0.9)
         from nesterov in Gen.Elements(false, true)
         select new RunCase(rows, features, batch, epochs, seed, Optimizer.Sgd(lr, momentum, nesterov: nesterov && momentum > 0))).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property The_fold_equals_a_hand_written_loop_of_record_level_steps() =>
        Prop.ForAll(Runs, r =>
        {
            var data = Synthetic<float>(r.Rows, r.Features, r.Seed);
            var options = new TrainingOptions(r.Optimizer, r.BatchSize, r.Epochs, r.Seed, RecordEvery: 7);
            var start = RegressionObjective<float>.InitialParameters(r.Features, r.Seed);
            var objective = new RegressionObjective<float>(data);
            var result = Trainer.Train(objective, options, start);

            // The same steps and records by hand: the rows of each minibatch in the epoch's shuffled order, the gradient
            // by its definition's kernel, the record level's step, and the objective's loss when a multiple of 7 is passed.
            var state = r.Optimizer.Start<float>(start);
            var gradient = new float[r.Features + 1];
            var history = new List<LossPoint>();
            long examples = 0;
            for (var epoch = 0; epoch < r.Epochs; epoch++)
            {
                var order = Minibatches.Order(r.Rows, r.Seed, epoch);
                for (var b = 0; b < Minibatches.PerEpoch(r.Rows, r.BatchSize); b++)
                {
                    var rows = Minibatches.Rows(order.AsSpan(), r.BatchSize, b);
                    LinearRegression.Gradient(data, rows, state.Parameters.AsSpan(), gradient);
                    state = r.Optimizer.Step(state, gradient);
                    var before = examples;
                    examples += rows.Length;
                    if (examples / 7 > before / 7)
                        history.Add(new LossPoint(examples, (double)examples / r.Rows, objective.Loss(state.Parameters.AsSpan())));
                }
            }
            return (result.Final.Optimizer.Equals(state).Label($"state {result.Final.Optimizer} vs {state}")
                .And(result.History.SequenceEqual(history).Label($"history {string.Join(";", result.History)} vs {string.Join(";", history)}"))
                .And((result.Final.Examples == examples).Label("examples")));
        });

    [Property(MaxTest = 200)]
    public Property The_mean_squared_error_trains_exactly_like_the_half_loss_at_twice_the_learning_rate() =>
        Prop.ForAll(Runs, r =>
        {
            // train_concise_ch11's nn.MSELoss doubles every gradient; with momentum that is the same as doubling η (exact in binary).
            var data = Synthetic<float>(r.Rows, r.Features, r.Seed);
            var start = RegressionObjective<float>.InitialParameters(r.Features, r.Seed);
            var options = new TrainingOptions(r.Optimizer, r.BatchSize, r.Epochs, r.Seed, 3);
            var a = Trainer.Train(new RegressionObjective<float>(data, RegressionLoss.SquaredError), options, start);
            var doubled = options with { Optimizer = r.Optimizer with { LearningRate = 2 * r.Optimizer.LearningRate.At(0) } };
            var b = Trainer.Train(new RegressionObjective<float>(data), doubled, start);
            // Both record ℓ = ½·mean squared error, d2l's loss, whatever loss the gradients are taken of.
            return a.History.SequenceEqual(b.History).Label($"{string.Join(";", a.History)} vs {string.Join(";", b.History)}")
                .And(a.Final.Optimizer.Parameters.SequenceEqual(b.Final.Optimizer.Parameters).Label("parameters"));
        });

    public sealed record GradientCase(int Rows, int Features, int[] Batch, double[] Parameters, int Seed)
    {
        public override string ToString() =>
            $"{Rows}×{Features}, batch of {Batch.Length} in {Momentum.Kernels.RegressionKernel.Parts(Batch.Length, Features)} part(s)";
    }

    private static Arbitrary<GradientCase> GradientCases(int minFeatures, int maxFeatures, int minRows, int maxRows, int minBatch, int maxBatch) =>
        (from features in Gen.Choose(minFeatures, maxFeatures)
         from rows in Gen.Choose(minRows, maxRows)
         from size in Gen.Choose(minBatch, maxBatch)
         from batch in Gen.ArrayOf(Gen.Choose(0, rows - 1), size)
         from parameters in Gen.ArrayOf(Generators.Normal, features + 1)
         from seed in Gen.Choose(0, 1000)
         select new GradientCase(rows, features, batch, parameters, seed)).ToArbitrary();

    private static Property GradientIsItsDefinition(GradientCase c)
    {
        var table = SyntheticData.LinearRegression(Math.Max(c.Rows, 2), c.Features, c.Seed);
        var data = Dataset<double>.FromTable(table, c.Features, c.Rows == 1 ? 1 : c.Rows);
        var gradient = new double[c.Features + 1];
        LinearRegression.Gradient<double>(data, c.Batch, c.Parameters, gradient);
        return Reference.MinibatchGradient(data, c.Batch, c.Parameters, gradient);
    }

    // Every feature count crosses the SIMD widths and the four-row blocks; repeated rows are allowed.
    [Property(MaxTest = 300)]
    public Property The_minibatch_gradient_is_the_mean_of_residual_times_row_with_the_bias_as_a_constant_feature() =>
        Prop.ForAll(GradientCases(1, 40, 1, 60, 1, 13), GradientIsItsDefinition);

    // Large minibatches are summed in parts (RegressionKernel.Parts); the sum of the parts is the same gradient.
    [Property(MaxTest = 100)]
    public Property A_gradient_summed_in_parts_is_the_mean_of_residual_times_row() =>
        Prop.ForAll(GradientCases(40, 130, 60, 400, 60, 400), GradientIsItsDefinition);

    // float32 takes the same kernel's single-precision loops (eight lanes, the four-row reduction), to float accuracy.
    [Property(MaxTest = 200)]
    public Property The_float32_gradient_is_its_definition_to_single_precision() =>
        Prop.ForAll(GradientCases(1, 130, 1, 400, 1, 300), c =>
        {
            var data = Dataset<float>.FromTable(SyntheticData.LinearRegression(Math.Max(c.Rows, 2), c.Features, c.Seed), c.Features, c.Rows == 1 ? 1 : c.Rows);
            var parameters = c.Parameters.Select(p => (float)p).ToArray();
            var gradient = new float[c.Features + 1];
            LinearRegression.Gradient<float>(data, c.Batch, parameters, gradient);
            return Reference.MinibatchGradient(data, c.Batch, parameters, gradient, tolerance: 1e-5);
        });

    [Fact]
    public void The_books_setting_records_fifteen_points_over_two_epochs_of_1500_rows()
    {
        var data = Synthetic<float>(1500, 5, 0);
        var result = Trainer.Train(new RegressionObjective<float>(data), new TrainingOptions(Optimizer.HeavyBall(0.005, 0.9)), RegressionObjective<float>.InitialParameters(5, 0));
        Assert.Equal(15, result.History.Length);
        Assert.Equal(200, result.History[0].Examples);
        Assert.Equal(2.0, result.History[^1].Epoch);
        Assert.Equal(300, result.Final.Optimizer.Step);
        Assert.True(result.History[^1].Loss < result.History[0].Loss);
    }

    [Fact]
    public void Initial_weights_are_small_and_seeded_and_the_bias_starts_at_zero()
    {
        var a = RegressionObjective<double>.InitialParameters(200, 1);
        var b = RegressionObjective<double>.InitialParameters(200, 1);
        Assert.True(a.SequenceEqual(b));
        Assert.Equal(0, a[^1]);
        var weights = a[..^1];
        var sd = Math.Sqrt(weights.Sum(w => w * w) / weights.Length);
        Assert.InRange(sd, 0.008, 0.012);
        Assert.False(a.SequenceEqual(RegressionObjective<double>.InitialParameters(200, 2)));
    }

    [Fact]
    public void A_non_finite_gradient_stops_the_run_with_a_fault_before_the_step_or_is_skipped()
    {
        // A learning rate far past 2/λ_max overflows the parameters, and then the gradient.
        var objective = new RegressionObjective<float>(Synthetic<float>(200, 3, 0));
        var start = RegressionObjective<float>.InitialParameters(3, 0);
        var options = new TrainingOptions(Optimizer.HeavyBall(50, 0.9), Epochs: 5, OnNonFinite: NonFinitePolicy.Stop);
        var stop = Trainer.Train(objective, options, start);
        Assert.NotNull(stop.Final.Fault);
        Assert.Equal(stop.Final.Optimizer.Step, stop.Final.Fault!.Step);
        Assert.True(Trainer.IsFinished(options, stop.Final));

        var skip = Trainer.Train(objective, options with { OnNonFinite = NonFinitePolicy.Skip }, start);
        Assert.Null(skip.Final.Fault);
        Assert.True(skip.Final.Optimizer.SkippedSteps > 0);
        Assert.Equal(5 * 20, skip.Final.Optimizer.Step + skip.Final.Optimizer.SkippedSteps);
    }

    [Fact]
    public void Options_out_of_range_are_refused_naming_them()
    {
        var options = new TrainingOptions(Optimizer.GradientDescent(0.1));
        Assert.Equal("BatchSize", Assert.Throws<HyperparameterException>(() => (options with { BatchSize = 11 }).Validate(10)).ParamName);
        Assert.Equal("Epochs", Assert.Throws<HyperparameterException>(() => (options with { Epochs = 0 }).Validate(10)).ParamName);
        Assert.Equal("RecordEvery", Assert.Throws<HyperparameterException>(() => (options with { RecordEvery = 0 }).Validate(10)).ParamName);
    }

    [Fact]
    public void The_Hessian_of_the_loss_is_the_second_moment_of_the_features_with_a_bias_column()
    {
        var data = new Dataset<double>([1, 2, 3, 4], [0, 0], 2);
        var h = LinearRegression.Hessian(data);
        Assert.Equal(new double[,] { { 5, 7, 2 }, { 7, 10, 3 }, { 2, 3, 1 } }, h);
    }
}
