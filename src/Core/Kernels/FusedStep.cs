using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Momentum.Kernels;

/// <summary>
/// The SGD step in one pass over memory: each element of x, v and g is loaded once and x', v' stored once, with the
/// widest SIMD width the machine accelerates (512, then 256, then 128 bits for what remains) and a scalar tail. The
/// operations and their rounding are those of <see cref="SgdKernel.StepComposed{T}"/>, element for element.
/// </summary>
internal static class FusedStep
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(in StepCoefficients<T> c, ReadOnlySpan<T> x, ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> xOut, Span<T> vOut)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var rv = ref MemoryMarshal.GetReference(v);
        ref var rg = ref MemoryMarshal.GetReference(g);
        ref var rxo = ref MemoryMarshal.GetReference(xOut);
        ref var rvo = ref MemoryMarshal.GetReference(vOut);
        var n = (nuint)x.Length;
        nuint i = 0;
        if (Simd512<T>.IsAccelerated) i = Loop<Simd512<T>, T>(c, ref rx, ref rv, ref rg, ref rxo, ref rvo, i, n);
        if (Simd256<T>.IsAccelerated) i = Loop<Simd256<T>, T>(c, ref rx, ref rv, ref rg, ref rxo, ref rvo, i, n);
        if (Simd128<T>.IsAccelerated) i = Loop<Simd128<T>, T>(c, ref rx, ref rv, ref rg, ref rxo, ref rvo, i, n);
        for (; i < n; i++)
        {
            var xi = Unsafe.Add(ref rx, i);
            var gi = Unsafe.Add(ref rg, i);
            if (c.Maximize) gi = -gi;
            if (c.HasWeightDecay) gi = T.FusedMultiplyAdd(xi, c.WeightDecay, gi);
            T d;
            if (!c.HasMomentum)
                d = gi; // no buffer while β = 0 (PyTorch keeps momentum_buffer as it was)
            else
            {
                var b = !c.BufferInitialized ? gi
                    : c.Undampened ? c.Momentum * Unsafe.Add(ref rv, i) + gi
                    : T.FusedMultiplyAdd(gi, c.OneMinusDampening, c.Momentum * Unsafe.Add(ref rv, i));
                Unsafe.Add(ref rvo, i) = b;
                d = c.Nesterov ? T.FusedMultiplyAdd(b, c.Momentum, gi) : b;
            }
            Unsafe.Add(ref rxo, i) = T.FusedMultiplyAdd(d, c.NegativeLearningRate, xi);
        }
    }

    // The six options become type arguments, so each combination in use gets its own loop without branches; the
    // dispatch below picks it once per call. Each width is compiled on its own (not inlined into Run), fully optimised
    // from the first call: a tiered first version would cost more than the step itself for small N.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static nuint Loop<TV, T>(in StepCoefficients<T> c, ref T x, ref T v, ref T g, ref T xOut, ref T vOut, nuint i, nuint n)
        where TV : struct, ISimd<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n - i < (nuint)TV.Count) return i;
        return c.Maximize
            ? Decay<TV, T, Yes>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n)
            : Decay<TV, T, No>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Decay<TV, T, TMax>(in StepCoefficients<T> c, ref T x, ref T v, ref T g, ref T xOut, ref T vOut, nuint i, nuint n)
        where TV : struct, ISimd<TV, T> where T : unmanaged, IFloatingPointIeee754<T> where TMax : struct, IFlag =>
        c.HasWeightDecay
            ? Momentum<TV, T, TMax, Yes>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n)
            : Momentum<TV, T, TMax, No>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Momentum<TV, T, TMax, TDecay>(in StepCoefficients<T> c, ref T x, ref T v, ref T g, ref T xOut, ref T vOut, nuint i, nuint n)
        where TV : struct, ISimd<TV, T> where T : unmanaged, IFloatingPointIeee754<T> where TMax : struct, IFlag where TDecay : struct, IFlag
    {
        if (!c.HasMomentum) return Run<TV, T, TMax, TDecay, No, No, No, No>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n);
        if (!c.BufferInitialized)
            return c.Nesterov
                ? Run<TV, T, TMax, TDecay, Yes, No, Yes, Yes>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n)
                : Run<TV, T, TMax, TDecay, Yes, No, Yes, No>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n);
        if (c.Nesterov) return Run<TV, T, TMax, TDecay, Yes, Yes, Yes, Yes>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n);
        return c.Undampened
            ? Run<TV, T, TMax, TDecay, Yes, Yes, Yes, No>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n)
            : Run<TV, T, TMax, TDecay, Yes, Yes, No, No>(c, ref x, ref v, ref g, ref xOut, ref vOut, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static nuint Run<TV, T, TMax, TDecay, TMomentum, TInitialized, TUndampened, TNesterov>(
        in StepCoefficients<T> c, ref T x, ref T v, ref T g, ref T xOut, ref T vOut, nuint i, nuint n)
        where TV : struct, ISimd<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMax : struct, IFlag
        where TDecay : struct, IFlag
        where TMomentum : struct, IFlag
        where TInitialized : struct, IFlag
        where TUndampened : struct, IFlag
        where TNesterov : struct, IFlag
    {
        var count = (nuint)TV.Count;
        var eta = TV.Create(c.NegativeLearningRate);
        var beta = TV.Create(c.Momentum);
        var keep = TV.Create(c.OneMinusDampening);
        var decay = TV.Create(c.WeightDecay);
        for (; i + count <= n; i += count)
        {
            var xi = TV.Load(ref x, i);
            var gi = TV.Load(ref g, i);
            if (TMax.Value) gi = TV.Negate(gi);
            if (TDecay.Value) gi = TV.FusedMultiplyAdd(xi, decay, gi);
            TV d;
            if (!TMomentum.Value)
                d = gi;
            else
            {
                TV b;
                if (!TInitialized.Value) b = gi;
                else
                {
                    var scaled = TV.Multiply(TV.Load(ref v, i), beta);
                    b = TUndampened.Value ? TV.Add(scaled, gi) : TV.FusedMultiplyAdd(gi, keep, scaled);
                }
                TV.Store(b, ref vOut, i);
                d = TNesterov.Value ? TV.FusedMultiplyAdd(b, beta, gi) : b;
            }
            TV.Store(TV.FusedMultiplyAdd(d, eta, xi), ref xOut, i);
        }
        return i;
    }
}

/// <summary>A boolean known to the JIT when it compiles a generic instantiation.</summary>
internal interface IFlag
{
    static abstract bool Value { get; }
}

internal readonly struct Yes : IFlag
{
    public static bool Value => true;
}

internal readonly struct No : IFlag
{
    public static bool Value => false;
}
