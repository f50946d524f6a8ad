using FsCheck;
using FsCheck.Xunit;
using Momentum.Testing;
using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>The minibatch fold for any objective and any transformation, and the objectives it ships with.</summary>
public class TrainerProperties
{
    /// <summary>A random regression set: rows × features, labels from a random linear model plus noise of the given size.</summary>
    public static Dataset<T> RandomData<T>(int rows, int features, int seed, double noise = 0.5, double scale = 1, bool binary = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var w = Enumerable.Range(0, features).Select(_ => Normal()).ToArray();
        var x = new T[rows * features];
        var y = new T[rows];
        for (var i = 0; i < rows; i++)
        {
            var target = 0.3;
            for (var j = 0; j < features; j++)
            {
                x[i * features + j] = T.CreateChecked(scale * Normal());
                target += double.CreateChecked(x[i * features + j]) * w[j];
            }
            target += noise * scale * Normal();
            y[i] = binary ? (target > 0 ? T.One : T.Zero) : T.CreateChecked(target);
        }
        return new Dataset<T>([.. x], [.. y], features);
    }

    private static readonly Arbitrary<(IGradientTransformation Optimizer, int Rows, int Features, int Batch, int Seed)> Runs =
        (from optimizer in Generators.Transformation
         from rows in Gen.Choose(8, 60)
         from features in Gen.Choose(1, 6)
         from batch in Gen.Choose(1, 12)
         from seed in Gen.Choose(0, 1000)
         select (optimizer, rows, features, Math.Min(batch, rows), seed)).ToArbitrary();

    private static TrainingOptions Options(IGradientTransformation optimizer, int batch, int seed, ShuffleMode shuffle = ShuffleMode.Rows) =>
        new(optimizer, batch, Epochs: 3, Seed: seed, RecordEvery: 7, OnNonFinite: NonFinitePolicy.Skip, Shuffle: shuffle);

    [Property(MaxTest = 200)]
    public Property A_run_cut_into_any_pieces_reaches_the_same_state_bit_for_bit() =>
        Prop.ForAll(Runs, Gen.Choose(1, 9).ToArbitrary(), (run, piece) =>
        {
            var data = RandomData<float>(run.Rows, run.Features, run.Seed);
            var objective = new RegressionObjective<float>(data);
            var options = Options(run.Optimizer, run.Batch, run.Seed);
            var start = RegressionObjective<float>.InitialParameters(run.Features, run.Seed);
            var whole = Trainer.Train(objective, options, start);
            var state = Trainer.Init(objective, options, start);
            while (!Trainer.IsFinished(options, state)) state = Trainer.Advance(objective, options, state, piece);
            return state.Equals(whole.Final) && state.Minibatches == options.TotalSteps(run.Rows);
        });

    private static readonly Arbitrary<(int Rows, int Batch, int Epochs, int Every)> Schedules =
        (from rows in Gen.Choose(1, 40)
         from batch in Gen.Choose(1, 40)
         from epochs in Gen.Choose(1, 3)
         from every in Gen.Choose(1, 50)
         select (Rows: rows, Batch: Math.Min(batch, rows), Epochs: epochs, Every: every)).ToArbitrary();

    /// <summary>
    /// The examples seen after each step that passes at least one multiple of RecordEvery, written out here: each epoch
    /// takes minibatches of Batch rows, the last one what is left.
    /// </summary>
    private static List<long> RecordPoints((int Rows, int Batch, int Epochs, int Every) run)
    {
        var points = new List<long>();
        long examples = 0;
        for (var epoch = 0; epoch < run.Epochs; epoch++)
            for (var first = 0; first < run.Rows; first += run.Batch)
            {
                var before = examples;
                examples += Math.Min(run.Batch, run.Rows - first);
                if (examples / run.Every > before / run.Every) points.Add(examples);
            }
        return points;
    }

    [Property(MaxTest = 300)]
    public Property A_run_records_at_each_step_that_reaches_a_multiple_of_RecordEvery_and_as_many_times_as_Records_says() =>
        Prop.ForAll(Schedules, run =>
            {
                var objective = MinibatchObjective.From<double>(run.Rows, 1, (_, _, g) => { g[0] = 0; return 0; }, _ => 0);
                var options = new TrainingOptions(Optimizer.GradientDescent(0.1), run.Batch, run.Epochs, RecordEvery: run.Every);
                var history = Trainer.Train(objective, options, [0.0]).History;
                var expected = RecordPoints(run);
                return (history.Select(p => p.Examples).SequenceEqual(expected)
                        && history.All(p => p.Epoch == (double)p.Examples / run.Rows)
                        && history.Length == options.Records(run.Rows))
                    .Label($"history {string.Join(", ", history.Select(p => p.Examples))}; expected {string.Join(", ", expected)}; Records {options.Records(run.Rows)}");
            });

    [Property(MaxTest = 300)]
    public Property Advance_with_no_step_limit_stops_at_each_record_point_and_at_the_end_and_the_state_holds_its_epochs_order() =>
        Prop.ForAll(Schedules, Gen.Elements(ShuffleMode.Rows, ShuffleMode.Batches).ToArbitrary(), (run, shuffle) =>
        {
            var objective = MinibatchObjective.From<double>(run.Rows, 1, (_, _, g) => { g[0] = 1; return 0; }, _ => 0);
            var options = new TrainingOptions(Optimizer.GradientDescent(0.1), run.Batch, run.Epochs, Seed: run.Rows, RecordEvery: run.Every, Shuffle: shuffle);
            var state = Trainer.Init(objective, options, [0.0]);
            var stops = new List<long>();
            var orders = true;
            while (!Trainer.IsFinished(options, state))
            {
                state = Trainer.Advance(objective, options, state);
                stops.Add(state.Examples);
                // The epoch under way, or the last one once the run is over.
                var epoch = Math.Min(state.Epoch, run.Epochs - 1);
                orders &= state.Order.SequenceEqual(Minibatches.Order(run.Rows, run.Batch, run.Rows, epoch, shuffle));
            }
            var expected = RecordPoints(run);
            long total = (long)run.Rows * run.Epochs;
            if (expected.Count == 0 || expected[^1] != total) expected.Add(total);
            return (stops.SequenceEqual(expected) && orders && state.Epoch == run.Epochs && state.Batch == 0)
                .Label($"stops {string.Join(", ", stops)}; expected {string.Join(", ", expected)}; orders {orders}; epoch {state.Epoch}, batch {state.Batch}");
        });

    /// <summary>An objective of zero gradient that writes down the rows and upcoming rows of each call.</summary>
    private sealed class Recording(int rows) : IMinibatchObjective<double>
    {
        public List<(int[] Rows, int[] Upcoming)> Calls { get; } = [];
        public int Rows => rows;
        public int ParameterCount => 1;

        public double Gradient(ReadOnlySpan<double> parameters, ReadOnlySpan<int> batch, ReadOnlySpan<int> upcoming, Span<double> gradient)
        {
            Calls.Add((batch.ToArray(), upcoming.ToArray()));
            gradient[0] = 0;
            return 0;
        }

        public double Loss(ReadOnlySpan<double> parameters) => 0;
    }

    [Property(MaxTest = 200)]
    public Property Each_minibatch_is_asked_for_with_the_next_one_of_its_epoch_as_upcoming_and_an_epochs_last_with_none() =>
        Prop.ForAll(Schedules, run =>
        {
            var objective = new Recording(run.Rows);
            var options = new TrainingOptions(Optimizer.GradientDescent(0.1), run.Batch, run.Epochs, Seed: run.Every, RecordEvery: run.Every);
            Trainer.Train(objective, options, [0.0]);
            var perEpoch = (run.Rows + run.Batch - 1) / run.Batch;
            var calls = objective.Calls;
            return (calls.Count == perEpoch * run.Epochs
                    && calls.Select((call, i) => (i + 1) % perEpoch == 0 ? call.Upcoming.Length == 0 : call.Upcoming.SequenceEqual(calls[i + 1].Rows)).All(ok => ok))
                .Label($"{calls.Count} calls, {perEpoch} an epoch");
        });

    [Fact]
    public void A_finished_run_and_a_run_advanced_by_no_steps_are_returned_as_they_are()
    {
        var objective = MinibatchObjective.From<double>(5, 1, (_, _, g) => { g[0] = 1; return 0; }, _ => 0);
        var options = new TrainingOptions(Optimizer.HeavyBall(0.1, 0.9), BatchSize: 2, Epochs: 2);
        var finished = Trainer.Train(objective, options, [0.0]).Final;
        Assert.True(Trainer.IsFinished(options, finished));
        Assert.Same(finished, Trainer.Advance(objective, options, finished));
        Assert.Same(finished, Trainer.Advance(objective, options, finished, 1));
        var start = Trainer.Init(objective, options, [0.0]);
        Assert.Same(start, Trainer.Advance(objective, options, start, 0));
    }

    [Fact]
    public void A_non_finite_gradient_throws_skips_or_stops_as_the_policy_says()
    {
        var bad = MinibatchObjective.From<double>(4, 1, (x, rows, g) => { g[0] = rows[0] == 2 ? double.NaN : 1; return 0; }, _ => 0);
        var options = new TrainingOptions(Optimizer.GradientDescent(0.1), BatchSize: 1, Epochs: 1, Shuffle: ShuffleMode.None);
        var e = Assert.Throws<NonFiniteGradientException>(() => Trainer.Train(bad, options, [0.0]));
        Assert.Equal((2L, 0), (e.Step, e.Index));
        var skipped = Trainer.Train(bad, options with { OnNonFinite = NonFinitePolicy.Skip }, [0.0]).Final;
        Assert.Equal((3L, 1L, null), (skipped.Optimizer.Step, skipped.Optimizer.SkippedSteps, skipped.Fault));
        Assert.Equal(4L, skipped.Minibatches); // every minibatch processed: 3 steps taken and 1 skipped
        var stopped = Trainer.Train(bad, options with { OnNonFinite = NonFinitePolicy.Stop }, [0.0]).Final;
        Assert.Equal(new TrainingFault(2, 0, double.NaN), stopped.Fault);
        Assert.Equal((2L, 2L, 0), (stopped.Optimizer.Step, stopped.Examples, stopped.Epoch));
    }

    [Fact]
    public void Shuffling_whole_minibatches_keeps_adjacent_rows_together_and_none_keeps_the_file_order()
    {
        var batches = Minibatches.Order(23, 5, seed: 3, epoch: 1, ShuffleMode.Batches);
        for (var k = 0; k < 4; k++)
        {
            var block = batches.AsSpan(k * 5, 5).ToArray();
            Assert.Equal(0, block[0] % 5);
            Assert.Equal(Enumerable.Range(block[0], 5), block);
        }
        Assert.Equal([20, 21, 22], batches.AsSpan(20, 3).ToArray());
        Assert.Equal(Enumerable.Range(0, 23), Minibatches.Order(23, 5, 3, 1, ShuffleMode.None));
        Assert.Equal(Minibatches.Order(23, 3, 1).ToArray(), Minibatches.Order(23, 5, 3, 1, ShuffleMode.Rows).ToArray());
        Assert.NotEqual(Minibatches.Order(23, 5, 3, 1, ShuffleMode.Batches), Minibatches.Order(23, 5, 3, 2, ShuffleMode.Batches));
    }

    [Property(MaxTest = 100)]
    public Property The_logistic_gradient_is_the_derivative_of_its_loss() =>
        Prop.ForAll(Gen.Choose(2, 30).ToArbitrary(), Gen.Choose(1, 5).ToArbitrary(), Gen.Choose(0, 999).ToArbitrary(), (rows, features, seed) =>
        {
            var data = RandomData<double>(rows, features, seed, binary: true);
            var objective = new LogisticRegression<double>(data);
            var random = new Random(seed);
            var theta = Enumerable.Range(0, features + 1).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var batch = Enumerable.Range(0, rows).Where(i => random.Next(2) == 0).DefaultIfEmpty(0).ToArray();
            var gradient = new double[features + 1];
            var loss = objective.Gradient(theta, batch, default, gradient);
            double LossAt(double[] t) => objective.Gradient(t, batch, default, new double[features + 1]);
            for (var j = 0; j <= features; j++)
            {
                // Central differences: error O(h²) from the third derivative, plus rounding of the loss over 2h.
                const double h = 1e-5;
                var (up, down) = ((double[])theta.Clone(), (double[])theta.Clone());
                up[j] += h;
                down[j] -= h;
                var numeric = (LossAt(up) - LossAt(down)) / (2 * h);
                if (Math.Abs(numeric - gradient[j]) > 1e-7 * (1 + Math.Abs(gradient[j])))
                    return false.Label($"∂/∂θ{j}: {gradient[j]:R} vs finite difference {numeric:R}");
            }
            return (Math.Abs(loss - LossAt(theta)) == 0).Label("the returned loss is the minibatch loss");
        });

    [Fact]
    public void Logistic_regression_trained_by_nesterov_separates_separable_classes()
    {
        var data = RandomData<double>(400, 2, seed: 7, noise: 0, binary: true);
        var objective = new LogisticRegression<double>(data);
        var result = Trainer.Train(objective, new TrainingOptions(Optimizer.Nesterov(0.5, 0.9), BatchSize: 20, Epochs: 30, RecordEvery: 400), [0.0, 0.0, 0.0]);
        Assert.True(objective.Accuracy(result.Final.Parameters.AsSpan()) >= 0.98, $"accuracy {objective.Accuracy(result.Final.Parameters.AsSpan())}");
        Assert.True(result.History[^1].Loss < 0.5 * result.History[0].Loss);
        Assert.Throws<ArgumentException>(() => new LogisticRegression<double>(RandomData<double>(5, 1, 1)));
    }

    [Property(MaxTest = 100)]
    public Property The_recorded_loss_is_the_direct_loss_to_a_millionth_down_to_1e_minus_30() =>
        Prop.ForAll(Gen.Choose(0, 999).ToArbitrary(), Gen.Elements(0.0, 1e-16, 1e-8, 0.5).ToArbitrary(), Generators.LogUniform(1e-3, 1e3).ToArbitrary(), (seed, noise, scale) =>
        {
            bool Holds<T>() where T : unmanaged, IFloatingPointIeee754<T>
            {
                var data = RandomData<T>(4000, 6, seed, noise, scale);
                var objective = new RegressionObjective<T>(data, expectedEvaluations: 10_000);
                Assert.NotNull(objective.Moments);
                // The least-squares fit in double (normal equations), then points approaching it: losses down to ~1e-30.
                var fit = LeastSquares(data);
                foreach (var t in new[] { 1.0, 1e-3, 1e-8, 1e-12, 1e-15, 0 })
                {
                    var theta = fit.Select((v, j) => T.CreateChecked(v + t * scale * (j % 2 == 0 ? 1 : -1))).ToArray();
                    var recorded = objective.Evaluate(theta).Loss;
                    var direct = Reference.DirectLoss(data, theta);
                    if (!(Math.Abs(recorded - direct) <= 1e-6 * direct || typeof(T) == typeof(double) && Math.Abs(recorded - direct) <= 1e-12))
                        return false;
                }
                return true;
            }
            return Holds<double>() && Holds<float>();
        });

    [Property(MaxTest = 12)]
    public Property On_many_rows_the_cascaded_moments_serve_noisy_data_and_stay_within_a_millionth() =>
        Prop.ForAll(Gen.Choose(0, 999).ToArbitrary(), Gen.Elements(1e-2, 0.1, 1.0).ToArbitrary(), (seed, noise) =>
        {
            // 120 000 rows in 7 parts: one running sum's bound (n ε) would send every point near the fit to the direct
            // pass; the cascade's (64 + 64 + 5 groups + 7 parts) keeps the moments wherever the loss is the noise's, and honest.
            var data = RandomData<double>(120_000, 10, seed, noise);
            var objective = new RegressionObjective<double>(data, expectedEvaluations: 10_000);
            var fit = LeastSquares(data);
            var atFit = objective.Evaluate(fit);
            var held = (atFit.Form == LossForm.Moments).Label($"at the fit (loss {atFit.Loss:R}) the form is {atFit.Form}");
            foreach (var t in new[] { 1.0, 1e-2, 1e-4, 0 })
            {
                var theta = fit.Select((v, j) => v + t * (j % 2 == 0 ? 1 : -1)).ToArray();
                var recorded = objective.Evaluate(theta).Loss;
                var direct = Reference.DirectLoss(data, theta);
                held = held.And((Math.Abs(recorded - direct) <= 1e-6 * direct).Label($"t = {t}: recorded {recorded:R}, direct {direct:R}"));
            }
            return held;
        });

    [Fact]
    public void The_moments_are_used_where_their_bound_allows_and_the_direct_pass_where_it_does_not()
    {
        var noisy = RandomData<float>(4000, 6, 1, noise: 0.5);
        var exact = RandomData<float>(4000, 6, 1, noise: 0);
        var (a, b) = (new RegressionObjective<float>(noisy, expectedEvaluations: 10_000), new RegressionObjective<float>(exact, expectedEvaluations: 10_000));
        Assert.Equal(LossForm.Moments, a.Evaluate([.. LeastSquares(noisy).Select(v => (float)v)]).Form);
        Assert.Equal(LossForm.Direct, b.Evaluate([.. LeastSquares(exact).Select(v => (float)v)]).Form);
        Assert.Null(new RegressionObjective<float>(noisy, expectedEvaluations: 2).Moments);
    }

    private static double[] LeastSquares<T>(Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The normal equations [X 1]ᵀ[X 1] θ = [X 1]ᵀ y, summed row by row in double.
        var p = data.FeatureCount + 1;
        var a = new double[p, p];
        var b = new double[p];
        var x = new double[p];
        x[p - 1] = 1;
        for (var i = 0; i < data.Rows; i++)
        {
            var row = data.Row(i);
            for (var j = 0; j < row.Length; j++) x[j] = double.CreateChecked(row[j]);
            var y = double.CreateChecked(data.Labels[i]);
            for (var r = 0; r < p; r++)
            {
                b[r] += x[r] * y;
                for (var c = 0; c < p; c++) a[r, c] += x[r] * x[c];
            }
        }
        return [.. MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(a).Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(b))];
    }

    [Fact]
    public void A_users_objective_trains_through_the_same_fold()
    {
        // Least squares on y = 3x written by hand: the fold finds the slope.
        var xs = Enumerable.Range(0, 50).Select(i => i / 50.0).ToArray();
        var objective = MinibatchObjective.From<double>(50, 1,
            (theta, rows, g) =>
            {
                var (loss, sum) = (0.0, 0.0);
                foreach (var i in rows) { var r = theta[0] * xs[i] - 3 * xs[i]; loss += r * r / 2; sum += r * xs[i]; }
                g[0] = sum / rows.Length;
                return loss / rows.Length;
            },
            theta => { var slope = theta[0]; return xs.Sum(x => Math.Pow(slope * x - 3 * x, 2) / 2) / xs.Length; });
        var result = Trainer.Train(objective, new TrainingOptions(Optimizer.Qhm(0.5, 0.9, 0.7), BatchSize: 5, Epochs: 60), [0.0]);
        Assert.Equal(3, result.Final.Parameters[0], 6);
    }

    [Fact]
    public void The_trajectory_of_the_chapters_momentum_ends_where_the_book_prints()
    {
        var f = TwoDimensionalQuadratic.Chapter;
        var points = Trajectory.Collect(f, Optimizer.HeavyBall(0.6, 0.5), [-5.0, -2.0], 20);
        Assert.Equal(21, points.Length);
        Assert.Equal("0.007188, 0.002553", $"{points[^1].Point[0]:F6}, {points[^1].Point[1]:F6}");
        var thinned = Trajectory.Collect(f, Optimizer.HeavyBall(0.6, 0.5), [-5.0, -2.0], 20, every: 6);
        Assert.Equal([0L, 6, 12, 18, 20], thinned.Select(p => p.Step));
        Assert.Equal(points[18], thinned[3]);
        var visited = 0;
        Trajectory.Run(f, Optimizer.HeavyBall(0.6, 0.5), [-5.0, -2.0], 1_000_000, (t, x, v) => ++visited < 7);
        Assert.Equal(7, visited);
        var e = Assert.Throws<NonFiniteGradientException>(() => Trajectory.Collect(f, Optimizer.GradientDescent(2), [-5.0, -2.0], 5000));
        Assert.True(e.Step > 100);
        Assert.False(double.IsFinite(e.Value));
        Assert.Equal("Step = 20, Point = [" + string.Join(", ", points[^1].Point.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "], Value = "
            + points[^1].Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), points[^1].ToString()[("Iterate { ".Length)..^" }".Length]);
        Assert.Equal(points[18].GetHashCode(), thinned[3].GetHashCode());
        var wrong = Assert.Throws<ArgumentException>(() => Trajectory.Run(f, Optimizer.GradientDescent(0.1), [1.0, 2.0, 3.0], 5, (t, x, v) => true));
        Assert.Equal("start has 3 coordinates; the objective has 2. (Parameter 'start')", wrong.Message);
    }

    [Theory]
    [InlineData(1.0, 100.0, false)]
    [InlineData(1.0, 100.00000000000001, true)]
    [InlineData(0.5, 49.0, false)]
    [InlineData(0.5, 51.0, true)]
    [InlineData(1.0, double.NaN, true)]
    [InlineData(1.0, double.PositiveInfinity, true)]
    [InlineData(1.0, 0.0, false)]
    public void A_run_has_diverged_when_its_loss_is_not_finite_or_passes_100_times_its_start(double initial, double loss, bool exploded) =>
        Assert.Equal(exploded, Divergence.HasExploded(initial, loss));

    [Property(MaxTest = 200)]
    public void The_squared_errors_Hessian_is_twice_the_half_squared_errors(PositiveInt rows)
    {
        var data = Dataset<double>.FromTable(SyntheticData.LinearRegression(rows.Get % 50 + 2, 3, rows.Get), 3);
        var half = LinearRegression.Hessian(data);
        var full = LinearRegression.Hessian(data, RegressionLoss.SquaredError);
        for (var a = 0; a < 4; a++)
            for (var b = 0; b < 4; b++)
                Assert.Equal(2 * half[a, b], full[a, b]);
    }
}
