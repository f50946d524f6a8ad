using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Momentum.Kernels;
using Momentum.Training;

namespace Momentum.Problems;

/// <summary>
/// Linear regression ŷ = Xw + b with the squared loss ½(ŷ − y)² averaged over examples (d2l §3.4, <c>linreg</c> and
/// <c>squared_loss</c>, as used by <c>train_ch11</c>). Parameters are laid out as [w₁ … w_F, b].
/// </summary>
public static class LinearRegression
{
    /// <summary>
    /// The most workers of an <see cref="Training.IWorkerTeam"/> that a <see cref="RegressionObjective{T}"/> keeps busy:
    /// the parts a full minibatch's gradient is summed in, or those of the moments' pass over the rows, whichever has more.
    /// More workers than this never change a result, and never make a run faster.
    /// </summary>
    /// <param name="batchSize">Rows per minibatch.</param>
    /// <param name="featureCount">Features per row.</param>
    /// <param name="rows">Rows of the data set.</param>
    public static int UsefulWorkers(int batchSize, int featureCount, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        return Math.Max(Kernels.RegressionKernel.Parts(batchSize, featureCount), RegressionMoments.PartsOf(rows));
    }

    /// <summary>F + 1: the weights and the bias.</summary>
    public static int ParameterCount(int featureCount) => featureCount + 1;

    /// <summary>ℓ(w, b) = (1/n) Σᵢ ½(xᵢ·w + b − yᵢ)² over every row, summed in double precision.</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not F + 1 long.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Loss<T>(Dataset<T> data, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireParameters(data, parameters.Length, nameof(parameters));
        var bias = parameters[data.FeatureCount];
        var labels = data.Labels.AsSpan();
        var f = (nuint)data.FeatureCount;
        ref var w = ref MemoryMarshal.GetReference(parameters);
        ref var x = ref MemoryMarshal.GetReference(data.Features.AsSpan());
        var sum = 0.0;
        for (var i = 0; i < data.Rows; i++)
        {
            var residual = double.CreateTruncating(RegressionKernel.Dot(ref Unsafe.Add(ref x, (nuint)i * f), ref w, f) + bias - labels[i]);
            sum += residual * residual;
        }
        return sum / (2 * data.Rows);
    }

    /// <summary>
    /// The gradient of the minibatch mean loss: ∇_w = (c/B) Σ_{i∈batch} rᵢ xᵢ, ∇_b = (c/B) Σ rᵢ with rᵢ = xᵢ·w + b − yᵢ,
    /// where c = 1 for d2l's ½(ŷ − y)² and c = 2 for the mean squared error (PyTorch's <c>nn.MSELoss</c>).
    /// </summary>
    /// <param name="data">The data set.</param>
    /// <param name="rows">The rows of the minibatch (non-empty).</param>
    /// <param name="parameters">[w, b].</param>
    /// <param name="gradient">Receives [∇_w, ∇_b]; must not overlap <paramref name="parameters"/>.</param>
    /// <param name="loss">Which loss the gradient is of.</param>
    /// <exception cref="ArgumentException">Wrong lengths, or an empty minibatch.</exception>
    public static void Gradient<T>(Dataset<T> data, ReadOnlySpan<int> rows, ReadOnlySpan<T> parameters, Span<T> gradient, RegressionLoss loss = RegressionLoss.HalfSquaredError)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireParameters(data, parameters.Length, nameof(parameters));
        RequireParameters(data, gradient.Length, nameof(gradient));
        if (rows.IsEmpty) throw new ArgumentException("A minibatch needs at least one row.", nameof(rows));
        foreach (var row in rows)
            if ((uint)row >= (uint)data.Rows)
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"A minibatch row must be in [0, {data.Rows}).");
        RegressionKernel.Gradient(data.Features.AsSpan(), data.FeatureCount, data.Labels.AsSpan(), rows, parameters, Scale<T>(loss, rows.Length), gradient);
    }

    /// <summary>c/B: the factor of the summed gradient for a minibatch of B rows (c = 2 for the mean squared error).</summary>
    internal static T Scale<T>(RegressionLoss loss, int batch)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateChecked(loss == RegressionLoss.SquaredError ? 2 : 1) / T.CreateChecked(batch);

    /// <summary>
    /// The Hessian of the full-data loss the gradients are taken of: H = (1/n) X̃ᵀX̃ with X̃ = [X, 1] for ½(ŷ − y)², twice
    /// that for the squared error (PyTorch's <c>nn.MSELoss</c>). The loss is the quadratic of d2l §11.6.3.1 with Q = H, so
    /// its eigenvalues decide which learning rates converge (0 &lt; ηλ &lt; 2 + 2β for every eigenvalue λ, heavy ball).
    /// </summary>
    /// <param name="data">The data set.</param>
    /// <param name="loss">The per-example loss.</param>
    public static double[,] Hessian<T>(Dataset<T> data, RegressionLoss loss = RegressionLoss.HalfSquaredError)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var moments = RegressionMoments.Of(data);
        var factor = loss == RegressionLoss.SquaredError ? 2.0 : 1.0;
        var h = new double[moments.Dimension, moments.Dimension];
        for (var a = 0; a < moments.Dimension; a++)
            for (var b = 0; b < moments.Dimension; b++)
                h[a, b] = factor * moments[a, b];
        return h;
    }

    private static void RequireParameters<T>(Dataset<T> data, int length, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (length != data.FeatureCount + 1)
            throw new ArgumentException($"{name} has {length} elements; {data.FeatureCount} features need {data.FeatureCount + 1} (weights and bias).", name);
    }
}

/// <summary>The per-example loss that minibatch gradients are taken of.</summary>
public enum RegressionLoss
{
    /// <summary>½(ŷ − y)², d2l's <c>squared_loss</c>, used by <c>train_ch11</c>.</summary>
    HalfSquaredError,

    /// <summary>(ŷ − y)², PyTorch's <c>nn.MSELoss</c>, used by d2l's <c>train_concise_ch11</c>: twice the gradient.</summary>
    SquaredError,
}
