using System.Numerics;
using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// Rescales the updates to Euclidean norm at most c (Pascanu, Mikolov, Bengio, "On the difficulty of training recurrent
/// neural networks", ICML 2013; Optax's <c>clip_by_global_norm</c>): u ← u when ‖u‖ &lt; c, else u ← (u / ‖u‖)·c.
/// The norm is accumulated in double precision with scaling, so it neither overflows nor underflows for finite updates;
/// a non-finite norm leaves the updates as they are (pair with <see cref="ApplyIfFinite"/> to skip such steps). Stateless.
/// </summary>
public sealed record ClipByGlobalNorm : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="maxNorm">c &gt; 0.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public ClipByGlobalNorm(double maxNorm)
    {
        MaxNorm = maxNorm;
    }

    /// <summary>c &gt; 0.</summary>
    public double MaxNorm { get; init => field = Require.In(value, ValueRange.Positive, nameof(ClipByGlobalNorm), nameof(MaxNorm)); }

    /// <inheritdoc />
    public override StateShape Shape => StateShape.Empty;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var norm = Norm<T>(updates);
        if (!(norm >= MaxNorm) || !double.IsFinite(norm)) return;
        TensorPrimitives.Divide(updates, T.CreateChecked(norm), updates);
        TensorPrimitives.Multiply(updates, T.CreateChecked(MaxNorm), updates);
    }

    /// <summary>
    /// ‖u‖₂ in double precision, scaled by m = max|uᵢ| as BLAS's nrm2 does (m·√Σ(uᵢ/m)²), so squares neither overflow nor
    /// underflow; NaN when an element is NaN, +∞ when one is infinite.
    /// </summary>
    internal static double Norm<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var largest = 0.0;
        foreach (var v in values)
        {
            var a = Math.Abs(double.CreateChecked(v));
            if (double.IsNaN(a)) return double.NaN;
            largest = Math.Max(largest, a);
        }
        if (largest == 0 || double.IsInfinity(largest)) return largest;
        var sum = 0.0;
        foreach (var v in values)
        {
            var d = double.CreateChecked(v) / largest;
            sum += d * d;
        }
        return largest * Math.Sqrt(sum);
    }
}
