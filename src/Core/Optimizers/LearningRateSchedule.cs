using System.Collections.Immutable;

namespace Momentum.Optimizers;

/// <summary>
/// A learning rate as a pure function of the step t = 0, 1, 2, … (the number of optimizer steps already taken).
/// The rate multiplies the velocity, x ← x − η_t v_t (the PyTorch/d2l form; see <see cref="SgdOptions"/>).
/// </summary>
public abstract record LearningRateSchedule
{
    private protected LearningRateSchedule() { }

    /// <summary>η_t, the learning rate of step <paramref name="step"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Evaluate(step);
    }

    /// <summary>η_t for a non-negative step.</summary>
    protected abstract double Evaluate(long step);

    /// <summary>η_t = η for every t.</summary>
    public static LearningRateSchedule Constant(double learningRate) => new ConstantSchedule(learningRate);

    /// <inheritdoc cref="StepDecaySchedule"/>
    public static LearningRateSchedule StepDecay(double initial, long stepSize, double gamma) => new StepDecaySchedule(initial, stepSize, gamma);

    /// <inheritdoc cref="ExponentialSchedule"/>
    public static LearningRateSchedule Exponential(double initial, double gamma) => new ExponentialSchedule(initial, gamma);

    /// <inheritdoc cref="WarmupCosineSchedule"/>
    public static LearningRateSchedule WarmupCosine(double initial, double peak, long warmupSteps, long decaySteps, double final) =>
        new WarmupCosineSchedule(initial, peak, warmupSteps, decaySteps, final);

    /// <inheritdoc cref="PiecewiseConstantSchedule"/>
    public static LearningRateSchedule PiecewiseConstant(IEnumerable<long> boundaries, IEnumerable<double> values) =>
        new PiecewiseConstantSchedule(boundaries.ToImmutableArray(), values.ToImmutableArray());

    private protected static double RequireRate(double value, string name) =>
        double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite, non-negative learning rate.");
}

/// <summary>η_t = η for every t.</summary>
public sealed record ConstantSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public ConstantSchedule(double learningRate) => LearningRate = RequireRate(learningRate, nameof(learningRate));

    /// <summary>η.</summary>
    public double LearningRate { get; }

    /// <inheritdoc />
    protected override double Evaluate(long step) => LearningRate;
}

/// <summary>
/// Step decay, η_t = η₀ · γ^⌊t / s⌋ (PyTorch's <c>StepLR</c>; d2l §12.11.3, "factor scheduler" with steps).
/// </summary>
public sealed record StepDecaySchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public StepDecaySchedule(double initial, long stepSize, double gamma)
    {
        Initial = RequireRate(initial, nameof(initial));
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        StepSize = stepSize;
        Gamma = RequireRate(gamma, nameof(gamma));
    }

    /// <summary>η₀.</summary>
    public double Initial { get; }

    /// <summary>s, steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>γ, the factor applied every s steps.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected override double Evaluate(long step) => Initial * Math.Pow(Gamma, step / StepSize);
}

/// <summary>Exponential decay, η_t = η₀ · γ^t (PyTorch's <c>ExponentialLR</c> applied every step).</summary>
public sealed record ExponentialSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public ExponentialSchedule(double initial, double gamma)
    {
        Initial = RequireRate(initial, nameof(initial));
        Gamma = RequireRate(gamma, nameof(gamma));
    }

    /// <summary>η₀.</summary>
    public double Initial { get; }

    /// <summary>γ, the factor per step.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected override double Evaluate(long step) => Initial * Math.Pow(Gamma, step);
}

/// <summary>
/// Linear warmup then cosine decay (Loshchilov and Hutter, "SGDR", ICLR 2017; Goyal et al. 2017 for the warmup;
/// Optax's <c>warmup_cosine_decay_schedule</c>; d2l §12.11.3.4):
/// η_t = η₀ + (η_peak − η₀)·t/W for t &lt; W;
/// η_t = η_end + (η_peak − η_end)·(1 + cos(π (t − W)/(T − W)))/2 for W ≤ t ≤ T; η_t = η_end after T.
/// </summary>
public sealed record WarmupCosineSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule; requires 0 ≤ W &lt; T.</summary>
    public WarmupCosineSchedule(double initial, double peak, long warmupSteps, long decaySteps, double final)
    {
        Initial = RequireRate(initial, nameof(initial));
        Peak = RequireRate(peak, nameof(peak));
        Final = RequireRate(final, nameof(final));
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(decaySteps, warmupSteps);
        WarmupSteps = warmupSteps;
        DecaySteps = decaySteps;
    }

    /// <summary>η₀, the rate at t = 0.</summary>
    public double Initial { get; }

    /// <summary>η_peak, reached at the end of the warmup.</summary>
    public double Peak { get; }

    /// <summary>W, the warmup length in steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>T, the step at which the cosine reaches <see cref="Final"/> (counted from t = 0, warmup included).</summary>
    public long DecaySteps { get; }

    /// <summary>η_end, the rate from T on.</summary>
    public double Final { get; }

    /// <inheritdoc />
    protected override double Evaluate(long step)
    {
        if (step < WarmupSteps)
            return Initial + (Peak - Initial) * step / WarmupSteps;
        if (step >= DecaySteps)
            return Final;
        var progress = (double)(step - WarmupSteps) / (DecaySteps - WarmupSteps);
        return Final + (Peak - Final) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }
}

/// <summary>
/// Piecewise constant: η_t = values[k], where k is the number of boundaries b ≤ t (so values[0] before the first
/// boundary); needs one more value than boundaries, and strictly increasing positive boundaries
/// (PyTorch's <c>MultiStepLR</c> with explicit values; Optax's <c>piecewise_constant_schedule</c>).
/// </summary>
public sealed record PiecewiseConstantSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentException">Counts do not match, or the boundaries are not strictly increasing and positive.</exception>
    public PiecewiseConstantSchedule(ImmutableArray<long> boundaries, ImmutableArray<double> values)
    {
        if (values.Length != boundaries.Length + 1)
            throw new ArgumentException($"{values.Length} values for {boundaries.Length} boundaries: need one more value than boundaries.", nameof(values));
        for (var i = 0; i < boundaries.Length; i++)
            if (boundaries[i] <= (i == 0 ? 0 : boundaries[i - 1]))
                throw new ArgumentException($"boundaries[{i}] = {boundaries[i]}: boundaries must be positive and strictly increasing.", nameof(boundaries));
        foreach (var v in values) RequireRate(v, nameof(values));
        Boundaries = boundaries;
        Values = values;
    }

    /// <summary>The steps at which the rate changes.</summary>
    public ImmutableArray<long> Boundaries { get; }

    /// <summary>The rates: <c>Values[k]</c> from <c>Boundaries[k − 1]</c> on.</summary>
    public ImmutableArray<double> Values { get; }

    /// <inheritdoc />
    protected override double Evaluate(long step)
    {
        var k = 0;
        while (k < Boundaries.Length && step >= Boundaries[k]) k++;
        return Values[k];
    }

    /// <inheritdoc />
    public bool Equals(PiecewiseConstantSchedule? other) =>
        other is not null && Boundaries.SequenceEqual(other.Boundaries) && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Boundaries.Length, Values.Length > 0 ? Values[0] : 0);
}
