using Momentum.Testing;
using System.Collections.Immutable;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// The iteration matrix read off each optimizer's own step (<see cref="LinearMethod"/>) equals the matrix its paper
/// writes, to 1e-12, for random hyperparameters: the theory cannot drift from the code. Over z = (x, buffer …),
/// with g = λx + ξ:
/// <code>
/// heavy ball, dampening d, coupled decay ω (d2l §11.6.3.2; PyTorch):   R = [[1 − η(1−d)(λ+ω), −ηβ], [(1−d)(λ+ω), β]],  b = (−η(1−d), 1−d)
/// SGDW, decoupled decay ω (Loshchilov and Hutter 2019):                  R = [[1 − η(λ+ω), −ηβ], [λ, β]],                b = (−η, 1)
/// PyTorch's Nesterov (Sutskever et al. 2013):                           R = [[1 − ηλ(1+β), −ηβ²], [λ, β]],              b = (−η(1+β), 1)
/// QHM (Ma and Yarats 2019; Gitman et al. 2019, eq. 3):                  R = [[1 − αλ(1−νβ), −ανβ], [(1−β)λ, β]],        b = (−α(1−νβ), 1−β)
/// AggMo (Lucas et al. 2019, eq. 2):                                     R = [[1 − γλ, −γβ₁/K … −γβ_K/K], [λ, β₁ …], …],  b = (−γ, 1 … 1)
/// Keras (Sutskever et al. 2013, eq. 1–2), Nesterov form:                R = [[1 − ηλ, β], [−ηλ, β]],  [[1 − ηλ(1+β), β²], [−ηλ, β]]
/// </code>
/// d2l writes heavy ball over (v, x) as [[β, λ], [−ηβ, 1 − ηλ]], the same matrix with the coordinates swapped.
/// </summary>
public class LinearMapProperties
{
    public sealed record Case(string Name, IGradientTransformation Method, double Lambda, double[,] R, double[] B)
    {
        public override string ToString() => $"{Name}: {Method}, λ={Lambda:R}";
    }

    private static readonly Gen<double> Beta = Generators.Momentum;
    private static readonly Gen<double> Eta = Gen.Frequency((4, Generators.LogUniform(1e-4, 2)), (1, Gen.Elements(0.0, 0.1, 0.6)));
    private static readonly Gen<double> Curvature = Gen.Frequency((4, Generators.LogUniform(1e-3, 1e3)), (1, Gen.Elements(0.0, -1.0, 1.0)));

    private static readonly Arbitrary<Case> Cases = Gen.OneOf(
        from eta in Eta from beta in Beta.Where(b => b > 0) from d in Gen.Frequency((1, Gen.Constant(0.0)), (2, Generators.Unit)) from w in Gen.Elements(0.0, 0.0, 0.01, 0.5) from l in Curvature
        select new Case("heavy ball with dampening and coupled decay", new Sgd(eta, beta, d, w), l,
            new[,] { { 1 - eta * (1 - d) * (l + w), -eta * beta }, { (1 - d) * (l + w), beta } }, [-eta * (1 - d), 1 - d]),
        from eta in Eta from beta in Beta.Where(b => b > 0) from w in Generators.LogUniform(1e-4, 1) from l in Curvature
        select new Case("SGDW", Optimizer.Sgdw(eta, beta, w), l,
            new[,] { { 1 - eta * (l + w), -eta * beta }, { l, beta } }, [-eta, 1]),
        from eta in Eta from beta in Beta.Where(b => b > 0) from l in Curvature
        select new Case("PyTorch's Nesterov", Optimizer.Nesterov(eta, beta), l,
            new[,] { { 1 - eta * l * (1 + beta), -eta * beta * beta }, { l, beta } }, [-eta * (1 + beta), 1]),
        from alpha in Eta from beta in Beta from nu in Gen.Frequency((3, Generators.Unit), (1, Gen.Elements(0.0, 1.0))) from l in Curvature
        select new Case("QHM", Optimizer.Qhm(alpha, beta, nu), l,
            new[,] { { 1 - alpha * l * (1 - nu * beta), -alpha * nu * beta }, { (1 - beta) * l, beta } }, [-alpha * (1 - nu * beta), 1 - beta]),
        from eta in Eta from beta in Beta from nesterov in Gen.Elements(false, true) from l in Curvature
        select new Case("Keras", Optimizer.Keras(eta, beta, nesterov), l,
            nesterov ? new[,] { { 1 - eta * l * (1 + beta), beta * beta }, { -eta * l, beta } } : new[,] { { 1 - eta * l, beta }, { -eta * l, beta } },
            nesterov ? [-eta * (1 + beta), -eta] : [-eta, -eta]),
        from gamma in Eta from k in Gen.Choose(1, 4) from betas in Gen.ArrayOf(Beta, k) from l in Curvature
        select AggMoCase(gamma, betas, l)).ToArbitrary();

    private static Case AggMoCase(double gamma, double[] betas, double lambda)
    {
        var k = betas.Length;
        var r = new double[k + 1, k + 1];
        r[0, 0] = 1 - gamma * lambda;
        for (var i = 0; i < k; i++)
        {
            r[0, i + 1] = -gamma * betas[i] / k;
            r[i + 1, 0] = lambda;
            r[i + 1, i + 1] = betas[i];
        }
        return new("AggMo", new AggMo(gamma, [.. betas]), lambda, r, [-gamma, .. Enumerable.Repeat(1.0, k)]);
    }

    [Property(MaxTest = 600)]
    public Property The_map_read_off_the_code_equals_the_papers_matrix_to_1e_12() =>
        Prop.ForAll(Cases, c =>
        {
            var map = LinearMethod.Of(c.Method).At(c.Lambda);
            var k = c.B.Length;
            if (map.Dimension != k) return false.Label($"dimension {map.Dimension}, paper {k}");
            var scale = 1 + Math.Abs(c.Lambda) + c.R.Cast<double>().Max(Math.Abs);
            for (var i = 0; i < k; i++)
            {
                if (Math.Abs(map.NoiseInput[i] - c.B[i]) > 1e-12 * scale) return false.Label($"b[{i}] = {map.NoiseInput[i]:R}, paper {c.B[i]:R}");
                for (var j = 0; j < k; j++)
                    if (Math.Abs(map[i, j] - c.R[i, j]) > 1e-12 * scale) return false.Label($"R[{i},{j}] = {map[i, j]:R}, paper {c.R[i, j]:R}");
            }
            return true.ToProperty();
        });

    [Property(MaxTest = 300)]
    public Property Heavy_ball_is_d2ls_R_of_beta_eta_lambda_with_the_coordinates_swapped() =>
        Prop.ForAll(Eta.ToArbitrary(), Beta.Where(b => b > 0).ToArbitrary(), Curvature.ToArbitrary(), (eta, beta, lambda) =>
        {
            // (β = 0 has no velocity in PyTorch's form: the buffer is never written, where d2l's v is the gradient.)
            var map = LinearMethod.Of(Optimizer.HeavyBall(eta, beta)).At(lambda);
            var d2l = MomentumMatrix.Of(beta, eta, lambda); // over (v, x)
            var scale = 1 + Math.Abs(lambda);
            return (Math.Abs(map[0, 0] - d2l[1, 1]) <= 1e-12 * scale && Math.Abs(map[0, 1] - d2l[1, 0]) <= 1e-12 * scale
                    && Math.Abs(map[1, 0] - d2l[0, 1]) <= 1e-12 * scale && Math.Abs(map[1, 1] - d2l[0, 0]) <= 1e-12 * scale)
                .Label($"code [[{map[0, 0]}, {map[0, 1]}], [{map[1, 0]}, {map[1, 1]}]]");
        });

    [Property(MaxTest = 300)]
    public Property Iterating_the_map_reproduces_the_optimizers_run_with_a_noisy_gradient() =>
        Prop.ForAll(Cases, Gen.ArrayOf(Generators.Normal, 30).ToArbitrary(), (c, noise) =>
        {
            // The span-level step on f = ½λx² with g = λx + ξₜ, against z₁ = R₀ s x₀ + b₀ξ₀, then z ← R z + b ξ.
            var map = LinearMethod.Of(c.Method).At(c.Lambda);
            var x = new[] { 0.7 };
            var (vectors, scalars) = (new double[c.Method.Shape.VectorLength(1)], new double[c.Method.Shape.Scalars.Length]);
            c.Method.Init<double>(x, new StateBuffers<double>(vectors, scalars, 1));
            var z = map.AfterFirstStep(0.7).Select((v, i) => v + map.FirstNoiseInput[i] * noise[0]).ToArray();
            var size = 1.0;
            for (var t = 0; t < noise.Length; t++)
            {
                c.Method.Step<double>([c.Lambda * x[0] + noise[t]], new StateBuffers<double>(vectors, scalars, 1), x, t);
                if (t > 0) z = [.. map.Apply(z, noise[t])];
                size = Math.Max(size, z.Max(Math.Abs));
                if (!double.IsFinite(size) || size > 1e100) break;
                if (Math.Abs(x[0] - z[0]) > 1e-11 * size) return false.Label($"step {t}: optimizer {x[0]:R}, map {z[0]:R}");
                for (var i = 1; i < z.Length; i++)
                    if (Math.Abs(vectors[i - 1] - z[i]) > 1e-11 * size) return false.Label($"step {t}: {map.State[i]} {vectors[i - 1]:R}, map {z[i]:R}");
            }
            return true.ToProperty();
        });

    [Fact]
    public void PyTorchs_first_step_with_dampening_is_read_as_its_own_map()
    {
        // b₁ = g₀ undampened, then b ← βb + (1 − d)g: the first step's gradient input is (−η, 1), the others' (−η(1−d), 1−d).
        var method = LinearMethod.Of(new Sgd(0.1, 0.9, dampening: 0.25));
        Assert.Equal([-0.1, 1], method.FirstGradientInput.ToArray());
        Assert.Equal([-0.1 * 0.75, 0.75], method.GradientInput.ToArray());
        Assert.Equal([1, 0], method.InitialState.ToArray());
    }

    [Fact]
    public void Gradient_descents_unwritten_buffer_and_QHMs_unread_buffer_are_not_relevant()
    {
        Assert.Equal([0], LinearMethod.Of(Optimizer.GradientDescent(0.1)).Relevant.ToArray());
        Assert.Equal([0], LinearMethod.Of(Optimizer.Qhm(0.1, 0.9, 0.0)).Relevant.ToArray());
        Assert.Equal([0, 1], LinearMethod.Of(Optimizer.Qhm(0.1, 0.9, 0.5)).Relevant.ToArray());
        // AggMo's buffer with β = 0 holds only the last gradient, which x has already used.
        Assert.Equal([0, 2, 3], LinearMethod.Of(Optimizer.AggMo(0.1, 0, 0.9, 0.99)).Relevant.ToArray());
        // An average of the iterates is read by nobody: x's map is the inner method's.
        var averaged = LinearMethod.Of(Optimizer.WithAverage(Optimizer.HeavyBall(0.1, 0.9), 0.9));
        Assert.Equal(["x", "average", "inner.trace"], averaged.State.ToArray());
        Assert.Equal([0, 2], averaged.Relevant.ToArray());
        Assert.Equal(LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9)).At(3).SpectralRadius(), averaged.At(3).SpectralRadius());
    }

    [Fact]
    public void Gradient_descent_with_its_unused_buffer_still_converges_where_one_minus_eta_lambda_is_below_one()
    {
        // The buffer's eigenvalue 1 belongs to a coordinate x never sees; ρ is |1 − ηλ| = 0.8.
        Assert.Equal(0.8, LinearMethod.Of(Optimizer.GradientDescent(0.1)).At(2).SpectralRadius(), 15);
    }

    public static TheoryData<string, IGradientTransformation, NonlinearReason> Refused => new()
    {
        { "clipping by value", new Chain(new ClipByValue(0.5), Optimizer.HeavyBall(0.1, 0.9)), NonlinearReason.NotLinear },
        { "clipping by norm", new Chain(new ClipByGlobalNorm(1e3), Optimizer.HeavyBall(0.1, 0.9)), NonlinearReason.NotLinear },
        { "ApplyIfFinite's counters", Optimizer.SkipNonFinite(Optimizer.HeavyBall(0.1, 0.9), 2), NonlinearReason.VariesWithStep },
        { "Schedule-Free's averaging weights", Optimizer.ScheduleFree(0.1), NonlinearReason.VariesWithStep },
        { "Lookahead's period 5", Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.9), 5), NonlinearReason.VariesWithStep },
        { "Lookahead's period 200", Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.9), 200), NonlinearReason.VariesWithStep },
        { "Lookahead's period 31 (seen only by probing every step to 256)", Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.9), 31), NonlinearReason.VariesWithStep },
        { "MultiSteps' accumulation", Optimizer.Accumulate(Optimizer.HeavyBall(0.1, 0.9), 3), NonlinearReason.VariesWithStep },
        { "Demon's decaying momentum", Optimizer.Demon(0.1, 0.9, 100), NonlinearReason.VariesWithStep },
        { "a step decay at step 10⁴", Optimizer.HeavyBall(Schedule.StepDecay(0.1, 10_000, 0.5), 0.9), NonlinearReason.VariesWithStep },
        { "Polyak averaging's running mean", Optimizer.Polyak(Optimizer.HeavyBall(0.1, 0.9)), NonlinearReason.VariesWithStep },
        { "a learning rate and decay too large for double precision", new Sgd(1e308, 0.9, weightDecay: 1e308), NonlinearReason.NotFinite },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_transformation_that_is_not_a_fixed_linear_map_is_refused_saying_why(string why, IGradientTransformation method, NonlinearReason reason)
    {
        var e = Assert.Throws<NonlinearMethodException>(() => LinearMethod.Of(method));
        Assert.True(reason == e.Reason, $"{why}: {e.Message}");
        Assert.Equal("method", e.ParamName);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_constant_schedule_and_a_chain_of_the_same_links_give_the_same_map()
    {
        var fused = LinearMethod.Of(new Sgd(0.05, 0.8, 0.1, 0.01)).At(2);
        var chained = LinearMethod.Of(new Sgd(0.05, 0.8, 0.1, 0.01).AsChain()).At(2);
        Assert.Equal(fused.Matrix.ToArray(), chained.Matrix.ToArray());
        Assert.Equal(fused.NoiseInput.ToArray(), chained.NoiseInput.ToArray());
        var scheduled = LinearMethod.Of(Optimizer.HeavyBall(Schedule.PiecewiseConstant([], [0.05]), 0.8)).At(2);
        Assert.Equal(LinearMethod.Of(Optimizer.HeavyBall(0.05, 0.8)).At(2).Matrix.ToArray(), scheduled.Matrix.ToArray());
    }

    [Fact]
    public void A_new_linear_transformation_written_by_a_user_is_read_like_the_library_s()
    {
        // Heavy ball as the user's own record: its map is the library's heavy ball's.
        var own = LinearMethod.Of(new UserHeavyBall(0.1, 0.9)).At(4);
        Assert.Equal(LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9)).At(4).ToArray(), own.ToArray());
    }

    private sealed record UserHeavyBall(double LearningRate, double Momentum) : GradientTransformation
    {
        public override StateShape Shape => StateShape.Of(["velocity"]);

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
        {
            var v = state.Vector(0);
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = T.CreateChecked(Momentum) * v[i] + updates[i];
                updates[i] = -T.CreateChecked(LearningRate) * v[i];
            }
        }
    }
}
