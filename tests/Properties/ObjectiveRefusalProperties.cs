using System.Numerics;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// What the objectives refuse, and the small rules they state: a span of the wrong length, a row outside the data, an empty
/// minibatch, a label that is not a class, each refused naming the argument and saying what is allowed; the parameter
/// count, the workers worth lending, when the moments are read instead of a pass, and equality by value.
/// </summary>
public class ObjectiveRefusalProperties
{
    // Five rows of three features: parameters [w₁, w₂, w₃, b].
    private static readonly Dataset<double> Data = new([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [1.0, 0, 1, 1, 0], 3);

    private static readonly LogisticRegression<double> Logistic = new(Data);

    private static readonly RegressionObjective<double> Regression = new(Data);

    // The same data with enough record points ahead (10⁸ / (5 · 4)) that the loss is read from the second moments.
    private static readonly RegressionObjective<double> ReadingMoments = new(Data, expectedEvaluations: 10_000_000);

    public static TheoryData<string, string, Action> Refusals => new()
    {
        { "eigenvalues", "At least one eigenvalue is needed", () => _ = new DiagonalQuadratic([]) },
        { "eigenvalues", "eigenvalues[1] = NaN is not finite", () => _ = new DiagonalQuadratic([1.0, double.NaN]) },
        { "n", "", () => DiagonalQuadratic.Exercise2(0) },
        { "x", "x has 1 elements; this problem has 2", () => new DiagonalQuadratic([1.0, 2]).Value([1.0]) },
        { "x", "x has 3 elements; this problem has 2", () => new DiagonalQuadratic([1.0, 2]).Gradient([1.0, 2, 3], new double[2]) },
        { "gradient", "gradient has 1 elements; this problem has 2", () => new DiagonalQuadratic([1.0, 2]).Gradient([1.0, 2], new double[1]) },
        { "x", "x has 3 elements; this problem has 2", () => TwoDimensionalQuadratic.Chapter.Value([1.0, 2, 3]) },
        { "x", "x has 1 elements; this problem has 2", () => TwoDimensionalQuadratic.Chapter.Gradient([1.0], new double[2]) },
        { "gradient", "gradient has 3 elements; this problem has 2", () => TwoDimensionalQuadratic.Chapter.Gradient([1.0, 2], new double[3]) },
        { "data", "", () => LinearRegression.Loss<double>(null!, new double[4]) },
        { "parameters", "parameters has 3 elements; 3 features need 4 (weights and bias)", () => LinearRegression.Loss<double>(Data, new double[3]) },
        { "data", "", () => LinearRegression.Gradient<double>(null!, [0], new double[4], new double[4]) },
        { "parameters", "parameters has 5 elements; 3 features need 4", () => LinearRegression.Gradient<double>(Data, [0], new double[5], new double[4]) },
        { "gradient", "gradient has 3 elements; 3 features need 4", () => LinearRegression.Gradient<double>(Data, [0], new double[4], new double[3]) },
        { "rows", "A minibatch needs at least one row", () => LinearRegression.Gradient<double>(Data, [], new double[4], new double[4]) },
        { "rows", "A minibatch row must be in [0, 5)", () => LinearRegression.Gradient<double>(Data, [0, 5], new double[4], new double[4]) },
        { "rows", "A minibatch row must be in [0, 5)", () => LinearRegression.Gradient<double>(Data, [-1], new double[4], new double[4]) },
        { "batchSize", "", () => LinearRegression.UsefulWorkers(0, 1, 1) },
        { "featureCount", "", () => LinearRegression.UsefulWorkers(1, 0, 1) },
        { "rows", "", () => LinearRegression.UsefulWorkers(1, 1, 0) },
        { "data", "", () => _ = new LogisticRegression<double>(null!) },
        { "data", "row 2: the label is 0.5; logistic regression needs labels 0 or 1", () => _ = new LogisticRegression<double>(new Dataset<double>([1.0, 2], [1.0, 0.5], 1)) },
        { "parameters", "parameters has length 3; 4 are expected.", () => Logistic.Gradient(new double[3], [0], default, new double[4]) },
        { "gradient", "gradient has length 5", () => Logistic.Gradient(new double[4], [0], default, new double[5]) },
        { "rows", "A minibatch needs at least one row", () => Logistic.Gradient(new double[4], [], default, new double[4]) },
        { "rows", "A row must be in [0, 5)", () => Logistic.Gradient(new double[4], [4, 5], default, new double[4]) },
        { "parameters", "parameters has length 2", () => Logistic.Loss(new double[2]) },
        { "parameters", "parameters has length 5", () => Logistic.Accuracy(new double[5]) },
        { "data", "", () => _ = new RegressionObjective<double>(null!) },
        { "expectedEvaluations", "", () => _ = new RegressionObjective<double>(Data, expectedEvaluations: -1) },
        { "featureCount", "", () => RegressionObjective<double>.InitialParameters(0, 1) },
        { "parameters", "parameters has length 3", () => Regression.Gradient(new double[3], [0], default, new double[4]) },
        { "gradient", "gradient has length 3", () => Regression.Gradient(new double[4], [0], default, new double[3]) },
        { "rows", "A minibatch needs at least one row", () => Regression.Gradient(new double[4], [], default, new double[4]) },
        { "parameters", "parameters has length 5", () => Regression.Evaluate(new double[5]) },
        { "parameters", "parameters has length 5", () =>
            {
                Assert.NotNull(ReadingMoments.Moments);
                _ = ReadingMoments.Evaluate(new double[5]);
            }
        },
        { "parameters", "parameters has length 2", () => Regression.DirectLoss(new double[2]) },
        { "data", "", () => RegressionMoments.Of<double>(null!) },
        { "parameters", "parameters has 3 elements; the moments are for 4", () => RegressionMoments.Of(Data).Loss<double>(new double[3]) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_objective_refuses_a_wrong_argument_naming_it_and_saying_what_is_allowed(string parameter, string message, Action call)
    {
        var e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_regression_has_a_weight_per_feature_and_a_bias()
    {
        Assert.Equal(6, LinearRegression.ParameterCount(5));
        Assert.Equal(4, Regression.ParameterCount);
        Assert.Equal(4, Logistic.ParameterCount);
        Assert.Equal(4, RegressionObjective<double>.InitialParameters(3, 7).Length);
    }

    [Fact]
    public void The_useful_workers_are_the_parts_of_a_full_minibatch_or_of_the_moments_pass_whichever_has_more()
    {
        // d2l's airfoil run (1500 rows, batches of 10, 5 features): one part each way, so no worker helps.
        Assert.Equal(1, LinearRegression.UsefulWorkers(10, 5, 1500));
        // One moments part per 16 384 rows, at most 8.
        Assert.Equal(5, LinearRegression.UsefulWorkers(10, 5, 5 * 16_384 + 1));
        Assert.Equal(8, LinearRegression.UsefulWorkers(10, 5, 100 * 16_384));
        // A minibatch of 4096 rows of 100 features is summed in 8 parts.
        Assert.Equal(8, LinearRegression.UsefulWorkers(4096, 100, 1500));
    }

    [Fact]
    public void The_moments_are_read_only_above_a_hundred_million_multiply_adds_of_direct_passes()
    {
        // 1000 rows × (9 + 1) parameters × 10 000 evaluations is exactly 10⁸: not above it.
        var data = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(1000, 9, 1)).Table, 9);
        Assert.Null(new RegressionObjective<float>(data, expectedEvaluations: 10_000).Moments);
        Assert.NotNull(new RegressionObjective<float>(data, expectedEvaluations: 10_001).Moments);
        Assert.Null(new RegressionObjective<float>(data).Moments);
    }

    [Fact]
    public void A_logit_of_exactly_zero_predicts_the_positive_class()
    {
        // θ = 0: p = ½ for every row, counted as class 1 (p ≥ ½): three of the five labels are 1.
        Assert.Equal(0.6, Logistic.Accuracy(new double[4]));
        Assert.Equal(Math.Log(2), Logistic.Loss(new double[4]), 15);
    }

    [Fact]
    public void Quadratics_are_equal_by_their_coefficients()
    {
        var a = new DiagonalQuadratic([1.0, 0.25]);
        Assert.Equal(a, new DiagonalQuadratic([1.0, 0.25]));
        Assert.Equal(a.GetHashCode(), new DiagonalQuadratic([1.0, 0.25]).GetHashCode());
        Assert.NotEqual(a, new DiagonalQuadratic([1.0, 0.5]));
        Assert.False(a.Equals(null));
        Assert.Equal([1.0, 0.5, 0.25], DiagonalQuadratic.Exercise2(3).Eigenvalues.ToArray());
        Assert.Equal([0.2, 4.0], TwoDimensionalQuadratic.Chapter.HessianEigenvalues.ToArray());
    }

    [Property(MaxTest = 200)]
    public Property The_direct_loss_is_the_mean_half_squared_residual_in_double_for_every_feature_count_and_precision() =>
        Prop.ForAll(Gen.Choose(1, 40).ToArbitrary(), Gen.Choose(1, 11).ToArbitrary(), Gen.Choose(0, 999).ToArbitrary(), (rows, features, seed) =>
        {
            // Odd and even feature counts: float rows are summed two features at a time with a tail.
            bool Holds<T>() where T : unmanaged, IFloatingPointIeee754<T>
            {
                var data = TrainerProperties.RandomData<T>(rows, features, seed);
                var random = new Random(seed);
                var theta = Enumerable.Range(0, features + 1).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
                var direct = new RegressionObjective<T>(data).DirectLoss(theta);
                var reference = Reference.DirectLoss(data, theta);
                return Math.Abs(direct - reference) <= 1e-13 * (1 + reference);
            }
            return Holds<double>() && Holds<float>();
        });

    [Property(MaxTest = 200)]
    public Property The_regression_objectives_gradient_is_its_definition_and_the_squared_error_doubles_it() =>
        Prop.ForAll(Gen.Choose(1, 60).ToArbitrary(), Gen.Choose(1, 12).ToArbitrary(), Gen.Choose(0, 999).ToArbitrary(), (rows, features, seed) =>
        {
            var data = TrainerProperties.RandomData<double>(rows, features, seed);
            var random = new Random(seed);
            var theta = Enumerable.Range(0, features + 1).Select(_ => random.NextDouble() - 0.5).ToArray();
            var batch = Enumerable.Range(0, 1 + random.Next(2 * rows)).Select(_ => random.Next(rows)).ToArray();
            var (half, full) = (new double[features + 1], new double[features + 1]);
            var loss = new RegressionObjective<double>(data).Gradient(theta, batch, default, half);
            new RegressionObjective<double>(data, RegressionLoss.SquaredError).Gradient(theta, batch, default, full);
            return (double.IsNaN(loss) && full.Zip(half).All(p => p.First == 2 * p.Second)).Label("(ŷ − y)² is twice ½(ŷ − y)²")
                .And(Reference.MinibatchGradient(data, batch, theta, half));
        });

    /// <summary>A team that runs its workers one after another on the calling thread and counts what it was asked.</summary>
    private sealed class CountingTeam(int workers) : IWorkerTeam
    {
        public int Runs { get; private set; }

        public int Workers => workers;

        public void Run(Action<int> work)
        {
            Runs++;
            for (var w = 0; w < workers; w++) work(w);
        }
    }

    [Fact]
    public void A_lent_team_sums_the_parts_of_large_minibatches_and_of_the_moments_pass_and_nothing_else()
    {
        var data = Dataset<double>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(3 * 16_384, 8, 2)).Table, 8);
        var theta = RegressionObjective<double>.InitialParameters(8, 2);
        var (large, small) = (Enumerable.Range(0, 4096).ToArray(), Enumerable.Range(0, 10).ToArray());
        var (alone, together) = (new double[9], new double[9]);

        var team = new CountingTeam(3);
        var objective = new RegressionObjective<double>(data, team: team);
        objective.Gradient(theta, small, default, together);
        Assert.Equal(0, team.Runs);                                   // one part: nothing to share
        objective.Gradient(theta, large, default, together);
        Assert.Equal(1, team.Runs);                                   // eight parts, shared
        new RegressionObjective<double>(data).Gradient(theta, large, default, alone);
        Assert.Equal(alone, together);                                // the same bits

        var one = new CountingTeam(1);
        new RegressionObjective<double>(data, team: one).Gradient(theta, large, default, together);
        Assert.Equal(0, one.Runs);                                    // a team of one is the calling thread

        var moments = new CountingTeam(2);
        var (single, shared) = (RegressionMoments.Of(data), RegressionMoments.Of(data, moments));
        Assert.Equal(single.C.ToArray(), shared.C.ToArray());         // the same bits
        Assert.Equal(single.S, shared.S);
        Assert.Equal(1, moments.Runs);                                // three parts of 16 384 rows, shared
        var few = Dataset<double>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(16_383, 2, 2)).Table, 2);
        RegressionMoments.Of(few, moments);
        Assert.Equal(1, moments.Runs);                                // one part: not shared
    }
}
