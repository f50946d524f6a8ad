using System.Numerics;
using Momentum.Kernels;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>
/// The plain scalar loop the kernels must equal: <c>torch.optim.SGD</c>'s <c>_single_tensor_sgd</c> written element by
/// element, each <c>add(y, alpha=a)</c> as one fused multiply-add, <c>mul_</c> as a rounded product.
/// </summary>
internal static class Reference
{
    /// <summary>One step of <paramref name="o"/>'s hyperparameters at step 0 (constants), element by element.</summary>
    public static void Step<T>(Sgd o, bool initialized, T[] x, T[] v, T[] gradient, T[] xOut, T[] vOut)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var eta = T.CreateChecked(-o.LearningRate.At(0));
        var beta = T.CreateChecked(o.Momentum.At(0));
        var keep = T.CreateChecked(1 - o.Dampening.At(0));
        var decay = T.CreateChecked(o.WeightDecay.At(0));
        for (var i = 0; i < x.Length; i++)
        {
            var g = o.Maximize ? -gradient[i] : gradient[i];
            if (o.WeightDecay.At(0) != 0) g = T.FusedMultiplyAdd(x[i], decay, g);
            T d;
            if (o.Momentum.At(0) == 0)
                d = g; // no buffer: the velocity is not written
            else
            {
                var b = !initialized ? g : T.FusedMultiplyAdd(g, keep, beta * v[i]);
                vOut[i] = b;
                d = o.Nesterov ? T.FusedMultiplyAdd(b, beta, g) : b;
            }
            xOut[i] = T.FusedMultiplyAdd(d, eta, x[i]);
        }
    }

    /// <summary>The kernel's scalars for <paramref name="o"/>'s hyperparameters at step 0.</summary>
    internal static StepCoefficients<T> Coefficients<T>(Sgd o, bool initialized)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(o.LearningRate.At(0), o.Momentum.At(0), o.Dampening.At(0), o.WeightDecay.At(0), o.Nesterov, o.Maximize, initialized);

    /// <summary>Bitwise equality that treats every NaN as equal to every NaN.</summary>
    public static bool SameBits<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
            if (!(a[i].Equals(b[i]) || (T.IsNaN(a[i]) && T.IsNaN(b[i]))) || T.IsNegative(a[i]) != T.IsNegative(b[i]) && !T.IsNaN(a[i]))
                return false;
        return true;
    }

    public static T[] Cast<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(values, T.CreateSaturating);

    /// <summary>
    /// Checks a minibatch gradient against its definition, (1/B) Σᵢ rᵢ x̃ᵢ with rᵢ = xᵢ·w + b − yᵢ and x̃ = [x, 1], summed
    /// plainly row by row in double precision; each entry may differ by <paramref name="tolerance"/> (10⁻¹² by default) of
    /// the sum of its terms' magnitudes.
    /// </summary>
    public static Property MinibatchGradient<T>(Momentum.Training.Dataset<T> data, int[] batch, T[] parameters, T[] gradient, double tolerance = 1e-12)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var features = data.FeatureCount;
        for (var j = 0; j <= features; j++)
        {
            double expected = 0, scale = 0;
            foreach (var row in batch)
            {
                var x = data.Row(row);
                var r = double.CreateChecked(parameters[features]) - double.CreateChecked(data.Labels[row]);
                for (var k = 0; k < features; k++) r += double.CreateChecked(x[k]) * double.CreateChecked(parameters[k]);
                var term = r * (j < features ? double.CreateChecked(x[j]) : 1);
                expected += term;
                scale += Math.Abs(term) + 1;
            }
            var actual = double.CreateChecked(gradient[j]);
            if (Math.Abs(actual - expected / batch.Length) > tolerance * scale)
                return false.Label($"entry {j}: {actual:R} vs {expected / batch.Length:R}");
        }
        return true.ToProperty();
    }

    /// <summary>ℓ = (1/n) Σ ½(xᵢ·w + b − yᵢ)², every term in double precision, plainly: the reference a recorded loss is held to.</summary>
    public static double DirectLoss<T>(Momentum.Training.Dataset<T> data, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var total = 0.0;
        for (var i = 0; i < data.Rows; i++)
        {
            var r = double.CreateChecked(parameters[data.FeatureCount]) - double.CreateChecked(data.Labels[i]);
            var x = data.Row(i);
            for (var j = 0; j < data.FeatureCount; j++) r += double.CreateChecked(x[j]) * double.CreateChecked(parameters[j]);
            total += r * r;
        }
        return total / (2 * data.Rows);
    }
}
