using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MathNet.Numerics.Distributions;
using Momentum.Kernels;
using Momentum.Training;

namespace Momentum.Problems;

/// <summary>How a recorded loss was computed.</summary>
public enum LossForm
{
    /// <summary>A pass over every row, residuals and sums in double precision.</summary>
    Direct,

    /// <summary>From the data's second moments (<see cref="RegressionMoments"/>), used only where its error bound allows.</summary>
    Moments,
}

/// <summary>A recorded loss and how it was computed.</summary>
/// <param name="Loss">ℓ over the whole data set.</param>
/// <param name="Form">Direct, or from the moments.</param>
public readonly record struct RecordedLoss(double Loss, LossForm Form);

/// <summary>
/// Linear regression as a minibatch objective, d2l's <c>train_ch11</c> model (d2l §3.4 and §11.5.4): ŷ = Xw + b with the
/// loss ½(ŷ − y)² (or PyTorch's <c>nn.MSELoss</c>, (ŷ − y)²) averaged over the minibatch; parameters [w₁ … w_F, b].
/// The gradient is summed four rows at a time in parts fixed by the minibatch's shape (<see cref="RegressionKernel"/>),
/// optionally by a shell's <see cref="IWorkerTeam"/>: the same bits with or without it.
/// </summary>
/// <remarks>
/// <para>
/// The recorded loss is the mean of ½(xᵢ·w + b − yᵢ)² over every row (½·MSE, as the book plots it, whichever loss the
/// gradient is of), computed in double precision. When many evaluations are expected (<c>expectedEvaluations</c> × rows ×
/// features above 10⁸ multiply-adds), the data's second moments are computed once and a loss is read from them in O(F²)
/// — but only when the moments' rounding bound is below 10⁻⁶ of the value; otherwise (a loss far below the data's scale,
/// where the quadratic form cancels) that point is computed directly. Either way the recorded loss is the direct loss to
/// 10⁻⁶ relative; <see cref="Evaluate"/> says which form gave it.
/// </para>
/// <para>One instance serves one fold at a time (it keeps the parts' buffers); it shares the data set with others.</para>
/// </remarks>
public sealed class RegressionObjective<T> : IMinibatchObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Above this many multiply-adds of direct evaluation over a run (about a tenth of a second), the moments are computed.</summary>
    internal const double DirectBudget = 1e8;

    /// <summary>The largest relative rounding bound at which a loss is read from the moments.</summary>
    internal const double MomentsTolerance = 1e-6;

    private readonly T[] features, labels;
    private readonly int featureCount;
    private readonly IWorkerTeam? team;
    private readonly Action<int> sum;

    // The minibatch being summed by the team: rows order[start..start + length) in parts; the parts' buffers are made on first need.
    private readonly T[]?[] partials = new T[RegressionKernel.MaxParts][];
    private T[] batchParameters = [];
    private int[] batchRows = [];
    private int[] upcomingRows = [];
    private int parts, threads;

    /// <summary>Creates the objective over <paramref name="data"/>.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="loss">The loss the gradients are taken of.</param>
    /// <param name="team">Threads that share each large minibatch's gradient, or null for the calling thread alone.</param>
    /// <param name="expectedEvaluations">How many full losses the run will record (to decide whether the moments pay off); 0 for direct only.</param>
    /// <param name="momentsTeam">
    /// Threads that sum the moments when they are computed (<see cref="ReadsMoments"/>), in one pass before any step:
    /// nothing waits on it, so it may be a larger team than <paramref name="team"/>; null for <paramref name="team"/>.
    /// The moments are the same bits with any team.
    /// </param>
    public RegressionObjective(Dataset<T> data, RegressionLoss loss = RegressionLoss.HalfSquaredError, IWorkerTeam? team = null, long expectedEvaluations = 0,
        IWorkerTeam? momentsTeam = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedEvaluations);
        Data = data;
        LossKind = loss;
        this.team = team is { Workers: > 1 } ? team : null;
        features = ImmutableCollectionsMarshal.AsArray(data.Features)!;
        labels = ImmutableCollectionsMarshal.AsArray(data.Labels)!;
        featureCount = data.FeatureCount;
        sum = Sum;
        if (ReadsMoments(data.Rows, data.FeatureCount, expectedEvaluations))
            Moments = RegressionMoments.Of(data, momentsTeam ?? this.team);
    }

    /// <summary>
    /// Whether an objective over <paramref name="rows"/> rows of <paramref name="featureCount"/> features computes the
    /// moments: when <paramref name="expectedEvaluations"/> direct passes would be over 10⁸ multiply-adds.
    /// </summary>
    public static bool ReadsMoments(int rows, int featureCount, long expectedEvaluations) =>
        (double)expectedEvaluations * rows * (featureCount + 1) > DirectBudget;

    /// <summary>The data set.</summary>
    public Dataset<T> Data { get; }

    /// <summary>The loss the gradients are taken of.</summary>
    public RegressionLoss LossKind { get; }

    /// <summary>The data's second moments when losses may be read from them; null when every loss is direct.</summary>
    public RegressionMoments? Moments { get; }

    /// <inheritdoc />
    public int Rows => Data.Rows;

    /// <inheritdoc />
    public int ParameterCount => featureCount + 1;

    /// <summary>d2l's initial parameters: w ~ N(0, 0.01²) drawn from <paramref name="seed"/>, b = 0 (d2l §11.5.4).</summary>
    public static T[] InitialParameters(int featureCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        var random = new Random(Seeds.Derive(seed, Seeds.Stream.Initialization, 0));
        var parameters = new T[featureCount + 1];
        for (var j = 0; j < featureCount; j++) parameters[j] = T.CreateChecked(Normal.Sample(random, 0, 0.01));
        return parameters;
    }

    /// <summary>
    /// The gradient of the minibatch mean loss, ∇_w = (c/B) Σ rᵢ xᵢ, ∇_b = (c/B) Σ rᵢ with rᵢ = xᵢ·w + b − yᵢ and c = 1
    /// for ½(ŷ − y)², 2 for the squared error. The minibatch loss itself is not computed (NaN is returned).
    /// </summary>
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<int> rows, ReadOnlySpan<int> upcoming, Span<T> gradient)
    {
        SpanChecks.RequireParameterCount(parameters.Length, ParameterCount);
        SpanChecks.RequireLength(gradient.Length, ParameterCount, nameof(gradient));
        if (rows.IsEmpty) throw new ArgumentException("A minibatch needs at least one row.", nameof(rows));
        var scale = LinearRegression.Scale<T>(LossKind, rows.Length);
        if (team is null || RegressionKernel.Parts(rows.Length, featureCount) == 1)
        {
            RegressionKernel.Gradient<T>(features, featureCount, labels, rows, parameters, scale, gradient, upcoming);
            return double.NaN;
        }
        SharedGradient(parameters, rows, upcoming, gradient);
        TensorPrimitives.Multiply(gradient, scale, gradient);
        return double.NaN;
    }

    /// <inheritdoc />
    public double Loss(ReadOnlySpan<T> parameters) => Evaluate(parameters).Loss;

    /// <summary>The mean of ½(xᵢ·w + b − yᵢ)² over every row, and how it was computed.</summary>
    public RecordedLoss Evaluate(ReadOnlySpan<T> parameters)
    {
        SpanChecks.RequireParameterCount(parameters.Length, ParameterCount);
        if (Moments is not null)
        {
            var (value, bound) = Moments.LossWithBound(parameters);
            if (bound <= MomentsTolerance * value) return new(value, LossForm.Moments);
        }
        return new(DirectLoss(parameters), LossForm.Direct);
    }

    /// <summary>ℓ(w, b) = (1/n) Σᵢ ½(xᵢ·w + b − yᵢ)², each residual and the sum in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double DirectLoss(ReadOnlySpan<T> parameters)
    {
        SpanChecks.RequireParameterCount(parameters.Length, ParameterCount);
        Span<double> w = featureCount <= 512 ? stackalloc double[featureCount] : new double[featureCount];
        for (var j = 0; j < featureCount; j++) w[j] = double.CreateChecked(parameters[j]);
        var bias = double.CreateChecked(parameters[featureCount]);
        var total = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var residual = DotInDouble(features.AsSpan(i * featureCount, featureCount), w) + bias - double.CreateChecked(labels[i]);
            total += residual * residual;
        }
        return total / (2 * labels.Length);
    }

    // Σ xⱼwⱼ with each xⱼ widened to double (exact for float) and fused multiply-adds in double.
    private static double DotInDouble(ReadOnlySpan<T> x, ReadOnlySpan<double> w)
    {
        if (typeof(T) == typeof(double)) return TensorPrimitives.Dot(MemoryMarshal.Cast<T, double>(x), w);
        var (a, b) = (0.0, 0.0);
        var j = 0;
        for (; j + 1 < x.Length; j += 2)
        {
            a = Math.FusedMultiplyAdd(double.CreateChecked(x[j]), w[j], a);
            b = Math.FusedMultiplyAdd(double.CreateChecked(x[j + 1]), w[j + 1], b);
        }
        if (j < x.Length) a = Math.FusedMultiplyAdd(double.CreateChecked(x[j]), w[j], a);
        return a + b;
    }

    // The parts of a large minibatch summed by the team: worker t sums parts t, t + T, … into their own buffers, then the
    // parts are added in order, exactly as RegressionKernel.Gradient does alone.
    private void SharedGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<int> rows, ReadOnlySpan<int> upcoming, Span<T> gradient)
    {
        parts = RegressionKernel.Parts(rows.Length, featureCount);
        threads = Math.Min(team!.Workers, parts);
        if (batchRows.Length < rows.Length) batchRows = new int[Math.Max(rows.Length, 2 * batchRows.Length)];
        if (upcomingRows.Length < upcoming.Length) upcomingRows = new int[Math.Max(upcoming.Length, 2 * upcomingRows.Length)];
        if (batchParameters.Length != parameters.Length) batchParameters = new T[parameters.Length];
        rows.CopyTo(batchRows);
        upcoming.CopyTo(upcomingRows);
        parameters.CopyTo(batchParameters);
        (length, upcomingLength) = (rows.Length, upcoming.Length);
        for (var k = 0; k < parts; k++) partials[k] ??= new T[parameters.Length];
        team.Run(sum);
        partials[0]!.CopyTo(gradient);
        for (var k = 1; k < parts; k++) TensorPrimitives.Add(gradient, partials[k]!, gradient);
    }

    private int length, upcomingLength;

    // A worker beyond the parts (threads = parts < Workers) finds no part k = worker < parts, so it returns at once.
    private void Sum(int worker)
    {
        var rows = batchRows.AsSpan(0, length);
        for (var k = worker; k < parts; k += threads)
        {
            // Each worker prefetches its own next part: its following part here, else its part of the next minibatch; and,
            // a minibatch ahead, the same part of the next minibatch.
            var upcoming = upcomingRows.AsSpan(0, upcomingLength);
            var ahead = k + threads < parts ? rows[RegressionKernel.Part(length, parts, k + threads)] : RegressionKernel.SamePart(upcoming, featureCount, worker);
            var far = RegressionKernel.SamePart(upcoming, featureCount, k);
            RegressionKernel.Sums<T>(features, featureCount, labels, rows[RegressionKernel.Part(length, parts, k)], batchParameters, partials[k]!, ahead, far);
        }
    }
}
