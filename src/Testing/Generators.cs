using MathNet.Numerics.LinearAlgebra;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Testing;

/// <summary>
/// FsCheck generators that reach the edges a claim about momentum is usually about: span lengths 0 and 1 and every length
/// through several SIMD widths with their tails; β = 0, β → 1 and β ≥ 1; ηλ → 0, ηλ ≤ 0, ηλ → 2 + 2β from both sides, and
/// both sides of the critical-damping curves and of the trace's sign change (the regime borders of d2l §11.6.3.2 and
/// Goh 2017); hyperparameters of every member of the momentum family; quadratics of a given condition number, diagonal
/// or rotated.
/// </summary>
/// <example>
/// <code>
/// [Property] public Property My_claim() => Prop.ForAll(Generators.Momentum.ToArbitrary(), beta => …);
/// </code>
/// </example>
public static class Generators
{
    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public static Gen<double> Unit { get; } =
        Gen.Zip(Gen.Choose(0, (1 << 26) - 1), Gen.Choose(0, (1 << 27) - 1))
            .Select(p => (p.Item1 * (double)(1 << 27) + p.Item2) / (1L << 53));

    /// <summary>Uniform in [a, b).</summary>
    public static Gen<double> Uniform(double a, double b) => Unit.Select(u => a + (b - a) * u);

    /// <summary>Log-uniform in [a, b), for scales spanning decades.</summary>
    public static Gen<double> LogUniform(double a, double b) => Unit.Select(u => a * Math.Pow(b / a, u));

    /// <summary>A standard normal value (Box–Muller), for vectors without special structure.</summary>
    public static Gen<double> Normal { get; } =
        Gen.Zip(Unit, Unit).Select(p => Math.Sqrt(-2 * Math.Log(1 - p.Item1)) * Math.Cos(2 * Math.PI * p.Item2));

    /// <summary>Span lengths: 0 through 70 (past every vector width, float and double, with each tail) and around the chunk boundaries.</summary>
    public static Gen<int> Length { get; } = Gen.Frequency(
        (8, Gen.Choose(0, 70)),
        (1, Gen.Choose(500, 530)),
        (1, Gen.Choose(1010, 1040)),
        (1, Gen.Choose(2040, 2060)));

    /// <summary>Values of mixed magnitude and sign, zeros included.</summary>
    public static Gen<double> Value { get; } = Gen.Frequency(
        (6, Normal),
        (2, Gen.Zip(Normal, Gen.Choose(-30, 30)).Select(p => p.Item1 * Math.Pow(10, p.Item2))),
        (1, Gen.Elements(0.0, -0.0, 1.0, -1.0)));

    /// <summary>n values.</summary>
    public static Gen<double[]> Vector(int n) => Gen.ArrayOf(Value, n);

    /// <summary>β ∈ [0, 1): uniform, exactly 0, 1 − 10⁻ᵏ close to 1 (k = 1 … 8), and the book's values 0.25, 0.5, 0.9, 0.99.</summary>
    public static Gen<double> Momentum { get; } = Gen.Frequency(
        (4, Unit),
        (1, Gen.Constant(0.0)),
        (2, Gen.Choose(1, 8).Select(k => 1 - Math.Pow(10, -k))),
        (1, Gen.Elements(0.25, 0.5, 0.9, 0.99)));

    /// <summary>
    /// β ≥ 1, where no heavy-ball setting converges (det R = β, d2l §11.6.3.2): exactly 1, 1 + 10⁻ᵏ just above it
    /// (k = 1 … 12), and far above it (up to 5). For claims that β ≥ 1 is refused or never converges.
    /// </summary>
    public static Gen<double> MomentumAtLeastOne { get; } = Gen.Frequency(
        (1, Gen.Constant(1.0)),
        (2, Gen.Choose(1, 12).Select(k => 1 + Math.Pow(10, -k))),
        (2, Uniform(1, 5)));

    /// <summary>
    /// The smallest relative distance from a border of the (ηλ, β) plane that double precision resolves at β: near β = 1
    /// two roots of heavy ball's R lie within 1 − β of each other (−1 and −β at the upper end, 1 − ηλ/(1 − β) and β at
    /// the lower end), so a computed spectral radius carries an error of about 10⁻¹⁶/(1 − β). It is 10⁻⁹ for β up to
    /// 0.9999 and grows as β → 1; the edge generators never come closer to a border than this.
    /// </summary>
    /// <param name="momentum">β.</param>
    public static double Margin(double momentum) => Math.Max(1e-9, 1e-13 / (1 - Math.Min(momentum, 1 - 1e-15)));

    private static Gen<double> Margins(double momentum) =>
        Gen.Choose(1, 9).Select(k => Math.Max(Math.Pow(10, -k), Margin(momentum)));

    /// <summary>
    /// ηλ strictly inside heavy ball's stable interval (0, 2 + 2β) (d2l §11.6.3.2), weighted toward the edges of each
    /// claim about it: uniform; 10⁻ᵏ near 0 (k = 1 … 12); (2 + 2β)(1 − δ) just inside the bound; both sides of the
    /// critical-damping curves ηλ = (1 ± √β)² (Goh 2017) and of ηλ = 1 + β, where the trace of R changes sign (the
    /// border between the monotone and the oscillating regime). The relative distances δ run from 10⁻¹ to
    /// <see cref="Margin"/>(β).
    /// </summary>
    /// <param name="momentum">β ∈ [0, 1).</param>
    public static Gen<double> EtaLambdaInside(double momentum)
    {
        var bound = 2 + 2 * momentum;
        var (lower, upper) = (Math.Pow(1 - Math.Sqrt(momentum), 2), Math.Pow(1 + Math.Sqrt(momentum), 2));
        Gen<double> Near(double point) =>
            from d in Margins(momentum) from sign in Gen.Elements(-1.0, 1.0) select point * (1 + sign * d);
        return Gen.Frequency(
            (4, Unit.Where(u => u > 0).Select(u => u * bound)),
            (2, Gen.Choose(1, 12).Select(k => Math.Pow(10, -k))),
            (2, Margins(momentum).Select(d => bound * (1 - d))),
            (1, lower > 0 ? Near(lower) : Gen.Constant(bound / 2)),
            (1, Near(upper).Select(x => Math.Min(x, bound * (1 - Margin(momentum))))),
            (1, Near(1 + momentum)));
    }

    /// <summary>
    /// ηλ outside heavy ball's stable interval (0, 2 + 2β): exactly 0 (the gradient vanishes: ρ = 1), below 0 (tiny, −10⁻ᵏ,
    /// and down to −3), and at or beyond 2 + 2β from a relative <see cref="Margin"/>(β) (at least 10⁻⁹) to 3 times it.
    /// </summary>
    /// <param name="momentum">β ∈ [0, 1).</param>
    public static Gen<double> EtaLambdaOutside(double momentum)
    {
        var bound = 2 + 2 * momentum;
        return Gen.Frequency(
            (1, Gen.Constant(0.0)),
            (1, Gen.Choose(1, 12).Select(k => -Math.Pow(10, -k))),
            (1, Uniform(-3, 0)),
            (3, Margins(momentum).Select(d => bound * (1 + d))),
            (2, Uniform(1, 3).Select(f => bound * f)));
    }

    /// <summary>An eigenvalue λ &gt; 0 over six decades (10⁻³ … 10³), and exactly 1.</summary>
    public static Gen<double> Eigenvalue { get; } = Gen.Frequency((4, LogUniform(1e-3, 1e3)), (1, Gen.Constant(1.0)));

    /// <summary>
    /// Points (β, ηλ, λ) of one eigen-direction: β from <paramref name="momentum"/>, ηλ from <paramref name="etaLambda"/>
    /// at that β, λ from <see cref="Eigenvalue"/>, negated when ηλ is negative, so that η = ηλ/λ ≥ 0 as every optimizer
    /// requires (the gradient then points uphill).
    /// </summary>
    /// <param name="momentum">β, e.g. <see cref="Momentum"/> or <see cref="MomentumAtLeastOne"/>.</param>
    /// <param name="etaLambda">β ↦ ηλ, e.g. <see cref="EtaLambdaInside"/> or <see cref="EtaLambdaOutside"/>.</param>
    /// <example><code>Generators.Settings(Generators.Momentum, Generators.EtaLambdaInside).ToArbitrary()</code></example>
    public static Gen<QuadraticSetting> Settings(Gen<double> momentum, Func<double, Gen<double>> etaLambda)
    {
        ArgumentNullException.ThrowIfNull(momentum);
        ArgumentNullException.ThrowIfNull(etaLambda);
        return from beta in momentum
               from el in etaLambda(beta)
               from lambda in Eigenvalue
               select new QuadraticSetting(beta, el, el < 0 ? -lambda : lambda);
    }

    /// <summary>
    /// A value near <paramref name="bound"/> from both sides, at relative distances 10⁻¹ … 10⁻⁹, for claims that change at
    /// a boundary (ηλ = 2 + 2β, critical damping): probe both sides of it, not ±10 %.
    /// </summary>
    public static Gen<double> Around(double bound) =>
        from k in Gen.Choose(1, 9)
        from side in Gen.Elements(-1.0, 1.0)
        select bound * (1 + side * Math.Pow(10, -k));

    /// <summary>An offset into a larger buffer (0 … 17 elements), so spans start at every alignment.</summary>
    public static Gen<int> Offset { get; } = Gen.Choose(0, 17);

    /// <summary>
    /// <paramref name="steps"/> gradient-noise vectors of <paramref name="dimension"/> independent N(0, σ²) values (the
    /// additive noise of d2l §11.6's exercise 4).
    /// </summary>
    public static Gen<double[][]> GradientNoise(int dimension, int steps, double sigma) =>
        Gen.ArrayOf(Gen.ArrayOf(Normal.Select(z => sigma * z), dimension), steps);

    /// <summary>
    /// Eigenvalues of a quadratic with condition number <paramref name="conditionNumber"/>: μ = 1 and L = κ always among
    /// them, the others log-uniform between.
    /// </summary>
    public static Gen<double[]> Spectrum(int dimension, double conditionNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        if (!(conditionNumber >= 1)) throw new ArgumentOutOfRangeException(nameof(conditionNumber), conditionNumber, "κ must be at least 1.");
        return Gen.ArrayOf(LogUniform(1, conditionNumber), dimension - 2).Select(inner => (double[])[1.0, .. inner, conditionNumber]);
    }

    /// <summary>f(x) = ½ Σ λᵢxᵢ² with a <see cref="Spectrum"/> of condition number κ.</summary>
    public static Gen<DiagonalQuadratic> DiagonalQuadratic(int dimension, double conditionNumber) =>
        Spectrum(dimension, conditionNumber).Select(l => new DiagonalQuadratic([.. l]));

    /// <summary>
    /// f(x) = ½ xᵀQx with Q = Oᵀ diag(λ) O for a random orthogonal O: the same spectrum as
    /// <see cref="DiagonalQuadratic"/>, in a rotated basis (d2l §11.6.3.1).
    /// </summary>
    public static Gen<(Quadratic Problem, double[,] Rotation, double[] Eigenvalues)> RotatedQuadratic(int dimension, double conditionNumber) =>
        from eigenvalues in Spectrum(dimension, conditionNumber)
        from rotation in Orthogonal(dimension)
        select (Quadratic.FromEigenbasis(rotation, eigenvalues, new double[dimension]), rotation, eigenvalues);

    /// <summary>
    /// A method of the family whose update is linear in its state, with constant hyperparameters: gradient descent, heavy
    /// ball with dampening and coupled weight decay, SGDW, Nesterov, QHM, AggMo, the Keras form.
    /// </summary>
    public static Gen<IGradientTransformation> LinearMethod { get; } = Gen.Frequency(
        (1, LogUniform(1e-3, 1).Select(lr => (IGradientTransformation)Optimizer.GradientDescent(lr))),
        (2, from lr in LogUniform(1e-3, 1) from b in Momentum from d in Gen.Frequency((2, Gen.Constant(0.0)), (1, Unit))
            from wd in Gen.Frequency((2, Gen.Constant(0.0)), (1, LogUniform(1e-4, 0.1)))
            select (IGradientTransformation)Optimizer.Sgd(lr, b, d, wd)),
        (1, from lr in LogUniform(1e-3, 1) from b in Momentum.Where(b => b > 0) select (IGradientTransformation)Optimizer.Nesterov(lr, b)),
        (1, from lr in LogUniform(1e-3, 1) from b in Momentum from wd in LogUniform(1e-4, 0.1) select (IGradientTransformation)Optimizer.Sgdw(lr, b, wd)),
        (1, from lr in LogUniform(1e-3, 1) from b in Momentum from nu in Unit select (IGradientTransformation)Optimizer.Qhm(lr, b, nu)),
        (1, from lr in LogUniform(1e-3, 1) from k in Gen.Choose(1, 3) from betas in Gen.ArrayOf(Momentum, k) select (IGradientTransformation)Optimizer.AggMo(lr, betas)),
        (1, from lr in LogUniform(1e-3, 1) from b in Momentum from nesterov in Gen.Elements(false, true) select (IGradientTransformation)Optimizer.Keras(lr, b, nesterov)));

    /// <summary>
    /// <see cref="Sgd"/> over <c>torch.optim.SGD</c>'s whole option set with constant hyperparameters (η sometimes 0 or a
    /// round value; β, dampening, coupled weight decay sometimes 0; Nesterov only where PyTorch allows it; maximize).
    /// </summary>
    public static Gen<Sgd> ConstantSgd { get; } =
        from lr in Gen.Frequency((3, LogUniform(1e-4, 1)), (1, Gen.Elements(0.0, 0.1, 0.6)))
        from momentum in Gen.Frequency((2, Momentum), (1, Gen.Constant(0.0)))
        from dampening in Gen.Frequency((3, Gen.Constant(0.0)), (2, Unit), (1, Gen.Constant(1.0)))
        from weightDecay in Gen.Frequency((2, Gen.Constant(0.0)), (2, LogUniform(1e-5, 0.5)))
        from nesterov in Gen.Elements(false, true)
        from maximize in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        let canNesterov = nesterov && momentum > 0
        select new Sgd(lr, momentum, canNesterov ? 0 : dampening, weightDecay, canNesterov, maximize);

    /// <summary>A random orthogonal n×n matrix: the Q factor of a Gaussian matrix (Haar-distributed up to signs).</summary>
    public static Gen<double[,]> Orthogonal(int n) =>
        Gen.ArrayOf(Normal, n * n).Select(values =>
            Matrix<double>.Build.Dense(n, n, values).QR().Q.ToArray());

    /// <summary>A learning rate: log-uniform over four decades, sometimes 0 or a round value.</summary>
    public static Gen<double> LearningRate { get; } = Gen.Frequency((4, LogUniform(1e-4, 1)), (1, Gen.Elements(0.0, 0.1, 0.6)));

    /// <summary>A schedule for a hyperparameter in [lo, hi]: mostly constant, sometimes varying every step or piecewise.</summary>
    public static Gen<Schedule> ScheduleIn(Gen<double> values) => Gen.Frequency(
        (6, values.Select(v => (Schedule)v)),
        (1, Gen.ArrayOf(values, 4).Select(v => Schedule.PiecewiseConstant([2, 3, 5], v.Select(Math.Abs)))),
        (1, Gen.Zip(values, values).Select(p => Schedule.Join([p.Item1, p.Item2], [3]))));

    /// <summary><see cref="ConstantSgd"/> with a scheduled learning rate sometimes.</summary>
    public static Gen<Sgd> TorchSgd { get; } =
        from sgd in ConstantSgd
        from lr in Gen.Frequency((3, Gen.Constant(sgd.LearningRate)), (1, ScheduleIn(LogUniform(1e-4, 1))))
        select sgd with { LearningRate = lr };

    /// <summary>One member of the momentum family (or a wrapper or chain of members), with random hyperparameters.</summary>
    public static Gen<IGradientTransformation> Transformation { get; } = TransformationOfDepth(2);

    private static Gen<IGradientTransformation> TransformationOfDepth(int depth)
    {
        var beta = Momentum;
        var leaves = new List<(int, Gen<IGradientTransformation>)>
        {
            (4, TorchSgd.Select(s => (IGradientTransformation)s)),
            (1, from lr in LearningRate from b in beta from nu in Unit select (IGradientTransformation)Optimizer.Qhm(lr, b, nu)),
            (1, from lr in LearningRate from k in Gen.Choose(1, 3) from betas in Gen.ArrayOf(beta, k) select (IGradientTransformation)new AggMo(lr, [.. betas])),
            (1, from lr in LearningRate from b in beta from nesterov in Gen.Elements(false, true) select (IGradientTransformation)Optimizer.Keras(lr, b, nesterov)),
            (1, from lr in LearningRate from b in beta from wd in LogUniform(1e-5, 0.1) select (IGradientTransformation)Optimizer.Sgdw(lr, b, wd)),
            (1, from lr in LearningRate from b in Uniform(0.05, 0.95) from w in Gen.Choose(0, 4) select (IGradientTransformation)new ScheduleFree(lr, b, warmupSteps: w)),
            (1, from lr in LearningRate from b in beta from t in Gen.Choose(1, 20) select (IGradientTransformation)Optimizer.Demon(lr, b, t)),
            (1, Gen.Elements<IGradientTransformation>(new ClipByValue(0.5), new ClipByGlobalNorm(1.0), new Scale(-1.0), new AddDecayedWeights(0.01))),
        };
        if (depth == 0) return Gen.Frequency(leaves.ToArray());
        var inner = TransformationOfDepth(depth - 1);
        leaves.Add((1, from t in inner from k in Gen.Choose(1, 4) from a in Uniform(0.1, 1) select (IGradientTransformation)new Lookahead(t, k, a)));
        leaves.Add((1, from t in inner from k in Gen.Choose(1, 3) select (IGradientTransformation)new MultiSteps(t, k)));
        leaves.Add((1, from t in inner from k in Gen.Choose(0, 2) select (IGradientTransformation)new ApplyIfFinite(t, k)));
        leaves.Add((1, from t in inner from d in Unit select (IGradientTransformation)new ParameterAverage(t, d)));
        leaves.Add((1, from a in inner from b in inner select (IGradientTransformation)new Chain(a, b)));
        return Gen.Frequency(leaves.ToArray());
    }
}
