using System.Collections.Immutable;

namespace Momentum.Optimizers;

/// <summary>
/// The momentum family by name, each a <see cref="GradientTransformation"/> (Optax's <c>alias</c> module): build one,
/// chain it with others, fold it over steps, train with it.
/// </summary>
/// <example>
/// <code>
/// var qhm = Optimizer.Qhm(learningRate: 0.1, momentum: 0.9, nu: 0.7);
/// var clipped = new Chain(new ClipByGlobalNorm(1.0), qhm);
/// var state = clipped.Start&lt;double&gt;([1.0, -2.0]);
/// state = clipped.Step(state, gradient);
/// </code>
/// </example>
public static class Optimizer
{
    /// <summary>Gradient descent, x ← x − ηg (d2l §11.6.1): <see cref="Sgd"/> with β = 0.</summary>
    public static Sgd GradientDescent(Schedule learningRate) => new(learningRate);

    /// <summary>
    /// Heavy-ball momentum as d2l §11.6.2 writes it, v ← βv + g, x ← x − ηv, v₀ = 0 (Polyak, "Some methods of speeding up
    /// the convergence of iteration methods", 1964): <see cref="Sgd"/> with momentum β.
    /// </summary>
    public static Sgd HeavyBall(Schedule learningRate, Schedule momentum) => new(learningRate, momentum);

    /// <summary>
    /// Nesterov momentum in PyTorch's form, b ← βb + g, x ← x − η(g + βb) (Sutskever et al., ICML 2013, as reformulated
    /// in <c>torch.optim.SGD</c>).
    /// </summary>
    public static Sgd Nesterov(Schedule learningRate, Schedule momentum) => new(learningRate, momentum, nesterov: true);

    /// <summary><c>torch.optim.SGD</c> with every option (<see cref="Sgd"/>).</summary>
    public static Sgd Sgd(Schedule learningRate, Schedule? momentum = null, Schedule? dampening = null, Schedule? weightDecay = null,
        bool nesterov = false, bool maximize = false) =>
        new(learningRate, momentum, dampening, weightDecay, nesterov, maximize);

    /// <summary>
    /// SGDW, momentum with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
    /// Algorithm 1, as Optax chains AdamW): v ← βv + g, x ← x − η(v + λx) —
    /// <c>Chain(Trace(β), AddDecayedWeights(λ), ScaleByLearningRate(η))</c>. The paper multiplies λ by a schedule
    /// multiplier; here it is multiplied by η (Optax's and PyTorch's AdamW convention).
    /// </summary>
    public static Chain Sgdw(Schedule learningRate, Schedule momentum, Schedule weightDecay) =>
        new(new Trace(momentum), new AddDecayedWeights(weightDecay), new ScaleByLearningRate(learningRate));

    /// <summary>The Keras form, v ← βv − ηg, x ← x + v (<see cref="KerasMomentum"/>).</summary>
    public static KerasMomentum Keras(Schedule learningRate, Schedule momentum, bool nesterov = false) => new(learningRate, momentum, nesterov);

    /// <summary>Quasi-hyperbolic momentum (<see cref="Optimizers.Qhm"/>).</summary>
    public static Qhm Qhm(Schedule learningRate, Schedule momentum, Schedule nu) => new(learningRate, momentum, nu);

    /// <summary>Aggregated momentum (<see cref="Optimizers.AggMo"/>); the paper's default betas are 0, 0.9, 0.99.</summary>
    public static AggMo AggMo(Schedule learningRate, params double[] betas) => new(learningRate, [.. betas]);

    /// <summary>Lookahead around <paramref name="inner"/> (<see cref="Optimizers.Lookahead"/>).</summary>
    public static Lookahead Lookahead(IGradientTransformation inner, int syncPeriod = 5, double slowStepSize = 0.5) => new(inner, syncPeriod, slowStepSize);

    /// <summary>Schedule-Free SGD (<see cref="Optimizers.ScheduleFree"/>).</summary>
    public static ScheduleFree ScheduleFree(double learningRate, double momentum = 0.9, double weightDecay = 0, long warmupSteps = 0) =>
        new(learningRate, momentum, weightDecay, warmupSteps);

    /// <summary>
    /// Demon: heavy ball whose momentum decays as <see cref="DemonSchedule"/> (Chen et al., ICASSP 2022) from β₀ to 0 over
    /// <paramref name="steps"/> steps.
    /// </summary>
    public static Sgd Demon(Schedule learningRate, double initialMomentum, long steps, bool nesterov = false) =>
        new(learningRate, new DemonSchedule(initialMomentum, steps), nesterov: nesterov);

    /// <summary>An exponential moving average of <paramref name="inner"/>'s iterates beside them (<see cref="ParameterAverage"/>).</summary>
    public static ParameterAverage WithAverage(IGradientTransformation inner, Schedule decay) => new(inner, decay);

    /// <summary>Polyak–Ruppert averaging of <paramref name="inner"/>'s iterates (<see cref="RunningMeanSchedule"/>).</summary>
    public static ParameterAverage Polyak(IGradientTransformation inner) => new(inner, new RunningMeanSchedule());

    /// <summary><paramref name="inner"/> stepped with the mean gradient of every <paramref name="minibatches"/> minibatches (<see cref="MultiSteps"/>).</summary>
    public static MultiSteps Accumulate(IGradientTransformation inner, int minibatches) => new(inner, minibatches);

    /// <summary><paramref name="inner"/> skipping non-finite gradients, up to <paramref name="maxConsecutiveErrors"/> in a row (<see cref="ApplyIfFinite"/>).</summary>
    public static ApplyIfFinite SkipNonFinite(IGradientTransformation inner, int maxConsecutiveErrors) => new(inner, maxConsecutiveErrors);

    /// <summary>The default betas of AggMo's paper (Lucas et al. 2019, §4): 0, 0.9, 0.99.</summary>
    public static ImmutableArray<double> AggMoDefaultBetas { get; } = [0, 0.9, 0.99];
}
