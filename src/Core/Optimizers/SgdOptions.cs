namespace Momentum.Optimizers;

/// <summary>
/// Hyperparameters of stochastic gradient descent with momentum, with exactly the option set and semantics of
/// <c>torch.optim.SGD</c> (PyTorch documentation, "SGD"; <c>torch/optim/sgd.py</c>, <c>_single_tensor_sgd</c>).
/// </summary>
/// <remarks>
/// <para>One step, given the gradient g, parameters x and momentum buffer b, computes</para>
/// <code>
/// g ← −g                            if Maximize
/// g ← g + λ_wd·x                    if WeightDecay ≠ 0   (coupled L2 decay, before momentum)
/// b ← g                             at the first step    (the buffer is not dampened)
/// b ← β·b + (1 − dampening)·g       afterwards           (β = Momentum)
/// d ← g + β·b  if Nesterov, else b  (d = g when β = 0: no buffer)
/// x ← x − η·d                       (η = LearningRate)
/// </code>
/// <para>
/// With <c>Dampening = 0</c> this is the chapter's momentum method (d2l §11.6.2, eq. 11.6.2):
/// v_t = β v_{t−1} + g_t, x_t = x_{t−1} − η v_t with v_0 = 0, since β·0 + g_1 = g_1 is exactly the first-step rule.
/// With <c>Momentum = 0</c> it is (stochastic) gradient descent, x ← x − η g.
/// </para>
/// <para>
/// The learning rate multiplies the velocity (the PyTorch and d2l form). The Keras form
/// v ← βv − ηg, x ← x + v (<see cref="KerasMomentum"/>) keeps −η·v instead: the two are identical while η is
/// constant and differ once η changes, because Keras's velocity remembers the learning rates of past steps.
/// </para>
/// </remarks>
/// <param name="LearningRate">η ≥ 0, the step size.</param>
/// <param name="Momentum">β ≥ 0, the leak of the velocity; the chapter's theory covers β ∈ [0, 1).</param>
/// <param name="Dampening">Scales the gradient in the buffer update after the first step; PyTorch's default is 0.</param>
/// <param name="WeightDecay">Coupled L2 penalty λ_wd ≥ 0, added to the gradient before momentum.</param>
/// <param name="Nesterov">Nesterov momentum in PyTorch's form d = g + β b; requires β &gt; 0 and zero dampening.</param>
/// <param name="Maximize">Ascend the objective instead of descending it (negates the gradient).</param>
public readonly record struct SgdOptions(
    double LearningRate,
    double Momentum = 0.0,
    double Dampening = 0.0,
    double WeightDecay = 0.0,
    bool Nesterov = false,
    bool Maximize = false)
{
    /// <summary>Gradient descent, x ← x − η g (d2l §11.6.1).</summary>
    public static SgdOptions GradientDescent(double learningRate) => new(learningRate);

    /// <summary>
    /// The heavy-ball momentum method as d2l §11.6.2 writes it: v_t = β v_{t−1} + g_t, x_t = x_{t−1} − η v_t, v_0 = 0
    /// (Polyak, "Some methods of speeding up the convergence of iteration methods", 1964).
    /// </summary>
    public static SgdOptions HeavyBall(double learningRate, double momentum) => new(learningRate, momentum);

    /// <summary>
    /// Nesterov momentum in PyTorch's form (Sutskever et al., ICML 2013, as reformulated in <c>torch.optim.SGD</c>):
    /// b_t = β b_{t−1} + g_t, x_t = x_{t−1} − η (g_t + β b_t).
    /// </summary>
    public static SgdOptions NesterovMomentum(double learningRate, double momentum) =>
        new(learningRate, momentum, Nesterov: true);

    /// <summary>
    /// Checks the options the way <c>torch.optim.SGD</c>'s constructor does, and that every number is finite.
    /// </summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite, naming the option.</exception>
    /// <exception cref="ArgumentException">Nesterov with β = 0 or with non-zero dampening.</exception>
    public SgdOptions Validate()
    {
        RequireNonNegative(LearningRate, nameof(LearningRate));
        RequireNonNegative(Momentum, nameof(Momentum));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
        if (!double.IsFinite(Dampening))
            throw new ArgumentOutOfRangeException(nameof(Dampening), Dampening, "Dampening must be finite.");
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            throw new ArgumentException(
                $"Nesterov momentum requires Momentum > 0 and Dampening = 0 (got Momentum = {Momentum}, Dampening = {Dampening}).",
                nameof(Nesterov));
        return this;
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and non-negative.");
    }
}
