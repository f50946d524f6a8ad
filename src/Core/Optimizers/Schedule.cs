using System.Collections.Immutable;
using System.Globalization;

namespace Momentum.Optimizers;

/// <summary>
/// A hyperparameter as a pure function of the step t = 0, 1, 2, … (the number of updates the transformation has already
/// made): a learning rate η_t, a momentum β_t (Demon), a weight decay λ_t. Any hyperparameter of a transformation is a
/// schedule, and a plain number is the constant schedule (<c>Trace momentum = 0.9</c> converts implicitly), in the
/// manner of Optax's <c>inject_hyperparams</c>.
/// </summary>
/// <remarks>
/// Open for your own schedules: derive a record and override <see cref="Evaluate"/>. Keep it a pure function of the step —
/// resumed runs and the record and span levels rely on it — and keep its state in its properties (records compare and
/// serialise by them). <see cref="FromFunction"/> wraps a delegate when a record is more than needed (such a schedule cannot
/// be written to JSON).
/// </remarks>
public abstract record Schedule
{
    /// <summary>For derived schedules.</summary>
    protected Schedule() { }

    /// <summary>The value at step <paramref name="step"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Evaluate(step);
    }

    /// <summary>The value at a non-negative step.</summary>
    protected abstract double Evaluate(long step);

    /// <summary>A number is the constant schedule of that number.</summary>
    public static implicit operator Schedule(double value) => new ConstantSchedule(value);

    /// <summary>The value v at every step.</summary>
    public static Schedule Constant(double value) => new ConstantSchedule(value);

    /// <inheritdoc cref="StepDecaySchedule"/>
    public static Schedule StepDecay(double initial, long stepSize, double gamma) => new StepDecaySchedule(initial, stepSize, gamma);

    /// <inheritdoc cref="ExponentialSchedule"/>
    public static Schedule Exponential(double initial, double gamma) => new ExponentialSchedule(initial, gamma);

    /// <inheritdoc cref="WarmupCosineSchedule"/>
    public static Schedule WarmupCosine(double initial, double peak, long warmupSteps, long decaySteps, double final) =>
        new WarmupCosineSchedule(initial, peak, warmupSteps, decaySteps, final);

    /// <inheritdoc cref="PiecewiseConstantSchedule"/>
    public static Schedule PiecewiseConstant(IEnumerable<long> boundaries, IEnumerable<double> values) =>
        new PiecewiseConstantSchedule(boundaries.ToImmutableArray(), values.ToImmutableArray());

    /// <inheritdoc cref="JoinedSchedule"/>
    public static Schedule Join(IEnumerable<Schedule> schedules, IEnumerable<long> boundaries) =>
        new JoinedSchedule(schedules.ToImmutableArray(), boundaries.ToImmutableArray());

    /// <inheritdoc cref="DemonSchedule"/>
    public static Schedule Demon(double initial, long steps) => new DemonSchedule(initial, steps);

    /// <inheritdoc cref="RunningMeanSchedule"/>
    public static Schedule RunningMean() => new RunningMeanSchedule();

    /// <summary>
    /// A schedule from a delegate, for experiments: <c>Schedule.FromFunction(t => 0.1 / Math.Sqrt(t + 1), "0.1/√(t+1)")</c>.
    /// It is compared by reference and cannot be written to JSON; derive a record for one that can.
    /// </summary>
    public static Schedule FromFunction(Func<long, double> value, string description) => new FunctionSchedule(value, description);

    /// <summary>Checks a rate-like value: finite and non-negative.</summary>
    private protected static double RequireRate(double value, string owner, string name) =>
        Require.In(value, ValueRange.NonNegative, owner, name);

    /// <summary>Checks the steps at which a piecewise schedule changes: positive and strictly increasing.</summary>
    private protected static void RequireIncreasing(ImmutableArray<long> boundaries)
    {
        for (var i = 0; i < boundaries.Length; i++)
            if (boundaries[i] <= (i == 0 ? 0 : boundaries[i - 1]))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"boundaries[{i}] = {boundaries[i]}: boundaries must be positive and strictly increasing."), nameof(boundaries));
    }
}

/// <summary>v at every step.</summary>
public sealed record ConstantSchedule : Schedule
{
    /// <summary>Creates the schedule, checking its values.</summary>
    /// <param name="value">The value (the transformation using it checks it against its own range).</param>
    /// <exception cref="HyperparameterException">A value is outside its range.</exception>
    public ConstantSchedule(double value)
    {
        Value = value;
    }

    /// <summary>The value.</summary>
    public double Value { get; init; }

    /// <inheritdoc />
    protected override double Evaluate(long step) => Value;

    /// <inheritdoc />
    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Step decay, v_t = v₀ · γ^⌊t / s⌋ (PyTorch's <c>StepLR</c>; d2l §12.11.3, "factor scheduler" with steps).
/// </summary>
public sealed record StepDecaySchedule : Schedule
{
    /// <summary>Creates the schedule, checking its values.</summary>
    /// <param name="initial">v₀.</param>
    /// <param name="stepSize">s, steps between decays (≥ 1).</param>
    /// <param name="gamma">γ ≥ 0, the factor applied every s steps.</param>
    /// <exception cref="HyperparameterException">A value is outside its range.</exception>
    public StepDecaySchedule(double initial, long stepSize, double gamma)
    {
        Initial = initial;
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>v₀.</summary>
    public double Initial { get; init => field = RequireRate(value, nameof(StepDecaySchedule), nameof(Initial)); }

    /// <summary>s, steps between decays.</summary>
    public long StepSize { get; init => field = Require.AtLeast(value, 1, nameof(StepDecaySchedule), nameof(StepSize)); }

    /// <summary>γ, the factor applied every s steps.</summary>
    public double Gamma { get; init => field = RequireRate(value, nameof(StepDecaySchedule), nameof(Gamma)); }

    /// <inheritdoc />
    protected override double Evaluate(long step) => Initial * Math.Pow(Gamma, step / StepSize);
}

/// <summary>Exponential decay, v_t = v₀ · γ^t (PyTorch's <c>ExponentialLR</c> applied every step).</summary>
public sealed record ExponentialSchedule : Schedule
{
    /// <summary>Creates the schedule, checking its values.</summary>
    /// <param name="initial">v₀.</param>
    /// <param name="gamma">γ ≥ 0, the factor per step.</param>
    /// <exception cref="HyperparameterException">A value is outside its range.</exception>
    public ExponentialSchedule(double initial, double gamma)
    {
        Initial = initial;
        Gamma = gamma;
    }

    /// <summary>v₀.</summary>
    public double Initial { get; init => field = RequireRate(value, nameof(ExponentialSchedule), nameof(Initial)); }

    /// <summary>γ, the factor per step.</summary>
    public double Gamma { get; init => field = RequireRate(value, nameof(ExponentialSchedule), nameof(Gamma)); }

    /// <inheritdoc />
    protected override double Evaluate(long step) => Initial * Math.Pow(Gamma, step);
}

/// <summary>
/// Linear warmup then cosine decay (Loshchilov and Hutter, "SGDR", ICLR 2017; Goyal et al. 2017 for the warmup;
/// Optax's <c>warmup_cosine_decay_schedule</c>; d2l §12.11.3.4):
/// v_t = v₀ + (v_peak − v₀)·t/W for t &lt; W;
/// v_t = v_end + (v_peak − v_end)·(1 + cos(π (t − W)/(T − W)))/2 for W ≤ t ≤ T; v_t = v_end after T.
/// </summary>
public sealed record WarmupCosineSchedule : Schedule
{
    /// <summary>Creates the schedule, checking its values.</summary>
    /// <param name="initial">v₀, the value at t = 0.</param>
    /// <param name="peak">v_peak, reached at the end of the warmup.</param>
    /// <param name="warmupSteps">W ≥ 0, the warmup length in steps.</param>
    /// <param name="decaySteps">T &gt; W, the step at which the cosine reaches <paramref name="final"/> (warmup included).</param>
    /// <param name="final">v_end, the value from T on.</param>
    /// <exception cref="HyperparameterException">A value is outside its range.</exception>
    public WarmupCosineSchedule(double initial, double peak, long warmupSteps, long decaySteps, double final)
    {
        Initial = initial;
        Peak = peak;
        WarmupSteps = warmupSteps;
        DecaySteps = decaySteps;
        Final = final;
        if (DecaySteps <= WarmupSteps)
            throw new HyperparameterException(nameof(WarmupCosineSchedule), nameof(DecaySteps), DecaySteps, $"must be greater than WarmupSteps = {WarmupSteps}");
    }

    /// <summary>v₀, the value at t = 0.</summary>
    public double Initial { get; init => field = RequireRate(value, nameof(WarmupCosineSchedule), nameof(Initial)); }

    /// <summary>v_peak, reached at the end of the warmup.</summary>
    public double Peak { get; init => field = RequireRate(value, nameof(WarmupCosineSchedule), nameof(Peak)); }

    /// <summary>W, the warmup length in steps.</summary>
    public long WarmupSteps { get; init => field = Require.AtLeast(value, 0, nameof(WarmupCosineSchedule), nameof(WarmupSteps)); }

    /// <summary>T, the step at which the cosine reaches <see cref="Final"/> (counted from t = 0, warmup included).</summary>
    public long DecaySteps { get; init => field = Require.AtLeast(value, 1, nameof(WarmupCosineSchedule), nameof(DecaySteps)); }

    /// <summary>v_end, the value from T on.</summary>
    public double Final { get; init => field = RequireRate(value, nameof(WarmupCosineSchedule), nameof(Final)); }

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
/// Piecewise constant: v_t = values[k], where k is the number of boundaries b ≤ t (so values[0] before the first
/// boundary); needs one more value than boundaries, and strictly increasing positive boundaries
/// (PyTorch's <c>MultiStepLR</c> with explicit values; Optax's <c>piecewise_constant_schedule</c>).
/// </summary>
public sealed record PiecewiseConstantSchedule : Schedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentException">Counts do not match, or the boundaries are not strictly increasing and positive.</exception>
    public PiecewiseConstantSchedule(ImmutableArray<long> boundaries, ImmutableArray<double> values)
    {
        if (boundaries.IsDefault) boundaries = [];
        if (values.IsDefault || values.Length != boundaries.Length + 1)
            throw new ArgumentException($"{(values.IsDefault ? 0 : values.Length)} values for {boundaries.Length} boundaries: need one more value than boundaries.", nameof(values));
        RequireIncreasing(boundaries);
        foreach (var v in values) RequireRate(v, nameof(PiecewiseConstantSchedule), nameof(Values));
        Boundaries = boundaries;
        Values = values;
    }

    /// <summary>The steps at which the value changes.</summary>
    public ImmutableArray<long> Boundaries { get; }

    /// <summary>The values: <c>Values[k]</c> from <c>Boundaries[k − 1]</c> on.</summary>
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

    /// <inheritdoc />
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Boundaries = [").AppendJoin(", ", Boundaries).Append("], Values = [")
            .AppendJoin(", ", Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append(']');
        return true;
    }
}

/// <summary>
/// Schedules one after another (Optax's <c>join_schedules</c>): schedule 0 before boundary 0, then schedule k from
/// boundary k − 1 on, each evaluated at the steps since its own start, v_t = s_k(t − b_{k−1}). Needs one more schedule
/// than boundaries, and strictly increasing positive boundaries.
/// </summary>
public sealed record JoinedSchedule : Schedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentException">Counts do not match, or the boundaries are not strictly increasing and positive.</exception>
    public JoinedSchedule(ImmutableArray<Schedule> schedules, ImmutableArray<long> boundaries)
    {
        if (boundaries.IsDefault) boundaries = [];
        if (schedules.IsDefault || schedules.Length != boundaries.Length + 1)
            throw new ArgumentException($"{(schedules.IsDefault ? 0 : schedules.Length)} schedules for {boundaries.Length} boundaries: need one more schedule than boundaries.", nameof(schedules));
        RequireIncreasing(boundaries);
        foreach (var s in schedules) ArgumentNullException.ThrowIfNull(s, nameof(schedules));
        Schedules = schedules;
        Boundaries = boundaries;
    }

    /// <summary>The schedules, in order.</summary>
    public ImmutableArray<Schedule> Schedules { get; }

    /// <summary>The steps at which the next schedule starts.</summary>
    public ImmutableArray<long> Boundaries { get; }

    /// <inheritdoc />
    protected override double Evaluate(long step)
    {
        var k = 0;
        while (k < Boundaries.Length && step >= Boundaries[k]) k++;
        return Schedules[k].At(k == 0 ? step : step - Boundaries[k - 1]);
    }

    /// <inheritdoc />
    public bool Equals(JoinedSchedule? other) =>
        other is not null && Boundaries.SequenceEqual(other.Boundaries) && Schedules.SequenceEqual(other.Schedules);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Boundaries.Length, Schedules.Length);

    /// <inheritdoc />
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Schedules = [").AppendJoin(", ", Schedules).Append("], Boundaries = [").AppendJoin(", ", Boundaries).Append(']');
        return true;
    }
}

/// <summary>
/// Demon, decaying momentum (Chen, Wolfe, Kyrillidis, "Demon: Improved Neural Network Training with Momentum Decay",
/// ICASSP 2022, eq. 3): the total weight a gradient receives, β/(1 − β), decays linearly to zero over T steps,
/// β_t/(1 − β_t) = (1 − t/T)·β₀/(1 − β₀), that is β_t = β₀(1 − t/T) / ((1 − β₀) + β₀(1 − t/T)), and β_t = 0 from T on.
/// β₀ = 0.9, T = 100 give β₅₀ = 9/11 ≈ 0.818182 and β₉₀ = 9/19 ≈ 0.473684.
/// </summary>
public sealed record DemonSchedule : Schedule
{
    /// <summary>Creates the schedule, checking its values.</summary>
    /// <param name="initial">β₀ ∈ [0, 1).</param>
    /// <param name="steps">T ≥ 1, the step at which the momentum reaches 0.</param>
    /// <exception cref="HyperparameterException">A value is outside its range.</exception>
    public DemonSchedule(double initial, long steps)
    {
        Initial = initial;
        Steps = steps;
    }

    /// <summary>β₀.</summary>
    public double Initial { get; init => field = Require.In(value, ValueRange.UnitInterval, nameof(DemonSchedule), nameof(Initial)); }

    /// <summary>T, the step at which the momentum reaches 0.</summary>
    public long Steps { get; init => field = Require.AtLeast(value, 1, nameof(DemonSchedule), nameof(Steps)); }

    /// <inheritdoc />
    protected override double Evaluate(long step)
    {
        if (step >= Steps) return 0;
        var remaining = 1 - (double)step / Steps;
        return Initial * remaining / (1 - Initial + Initial * remaining);
    }
}

/// <summary>
/// v_t = t/(t + 1): as the decay of a parameter average (<see cref="ParameterAverage"/>) it gives the plain mean of the
/// iterates so far, Polyak–Ruppert averaging (Polyak and Juditsky, "Acceleration of stochastic approximation by
/// averaging", SIAM J. Control Optim. 1992): x̄_t = x̄_{t−1}·t/(t + 1) + x_{t+1}/(t + 1).
/// </summary>
public sealed record RunningMeanSchedule : Schedule
{
    /// <inheritdoc />
    protected override double Evaluate(long step) => step / (step + 1.0);
}

/// <summary>A schedule computed by a delegate; compared by reference, never written to JSON.</summary>
/// <param name="Function">t ↦ v_t.</param>
/// <param name="Description">What it computes, for people (e.g. "0.1/√(t+1)").</param>
public sealed record FunctionSchedule(Func<long, double> Function, string Description) : Schedule
{
    /// <summary>t ↦ v_t.</summary>
    public Func<long, double> Function { get; init; } = Function ?? throw new ArgumentNullException(nameof(Function));

    /// <inheritdoc />
    protected override double Evaluate(long step) => Function(step);

    /// <inheritdoc />
    public override string ToString() => $"FunctionSchedule {{ {Description} }}";
}
