using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Momentum.Optimizers;

namespace Momentum.Kernels;

/// <summary>
/// The SGD/momentum/Nesterov step over spans, with <c>torch.optim.SGD</c>'s semantics (see <see cref="Sgd"/>):
/// <see cref="Step{T}"/> in one fused SIMD pass (what <see cref="Sgd"/>'s step runs), <see cref="StepComposed{T}"/> as a
/// composition of <see cref="TensorPrimitives"/> operations (the reference it is measured and tested against); both give
/// the same bits. Splitting a step across threads is <see cref="Sgd.StepParallel{T}(ReadOnlyMemory{T}, Memory{T}, Memory{double}, Memory{T}, long, Training.IWorkerTeam)"/>'s, on a team the shell lends: Core
/// starts no thread.
/// </summary>
/// <remarks>
/// <para>
/// Rounding follows PyTorch's CPU kernels operation for operation, so results agree bit for bit with
/// <c>torch.optim.SGD</c> in float32 and float64: <c>buf.mul_(β)</c> rounds β·b before <c>add_(g, alpha)</c>, and
/// every <c>add(y, alpha=a)</c> is one fused multiply-add a·y + x (PyTorch's vectorised <c>add</c> uses
/// <c>fmadd</c>). Scalars are converted to the element type first, as PyTorch converts <c>alpha</c>.
/// </para>
/// <para>Effectively computes, for every i:</para>
/// <code>
/// g = Maximize ? −gradient[i] : gradient[i];   if (WeightDecay ≠ 0) g = fma(parameters[i], WeightDecay, g)
/// b = !BufferInitialized ? g
///   : Dampening == 0 ? β·velocity[i] + g : fma(g, 1 − Dampening, β·velocity[i])
/// d = Nesterov ? fma(b, β, g) : b
/// velocityDestination[i] = b (when Momentum ≠ 0);   parametersDestination[i] = fma(d, −η, parameters[i])
/// </code>
/// <para>
/// When <c>Momentum = 0</c> there is no buffer in PyTorch: the velocity destination is not written.
/// </para>
/// </remarks>
internal static class SgdKernel
{
    // Elements per chunk: small enough for the scratch to stay in L1, large enough to amortise the calls.
    private const int ChunkBytes = 4096;

    /// <summary>
    /// Takes one optimizer step over spans in a single pass over memory (20 bytes per float32 parameter in place: read
    /// x, v, g; write x, v), allocating nothing. Vectorised with <see cref="System.Runtime.Intrinsics.Vector512{T}"/>,
    /// <see cref="System.Runtime.Intrinsics.Vector256{T}"/> or <see cref="System.Runtime.Intrinsics.Vector128{T}"/>,
    /// whichever the machine accelerates, with a scalar tail.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="c">
    /// The step's scalars in <typeparamref name="T"/>, already checked (<see cref="Sgd"/> checks them), and whether the
    /// momentum buffer holds a previous step's value: when not, the buffer is set to the gradient (PyTorch's first step)
    /// and <paramref name="velocity"/> is not read.
    /// </param>
    /// <param name="parameters">x, the current parameters.</param>
    /// <param name="velocity">b, the momentum buffer from the previous step.</param>
    /// <param name="gradient">g, the gradient at <paramref name="parameters"/>.</param>
    /// <param name="parametersDestination">Receives the next parameters; may be the same span as <paramref name="parameters"/>.</param>
    /// <param name="velocityDestination">Receives the next buffer; may be the same span as <paramref name="velocity"/>.</param>
    /// <exception cref="ArgumentException">
    /// The spans differ in length (naming the first that differs), or a destination overlaps an input other than its
    /// own (a destination may be the same span as its input, in-place, but must not partially overlap it).
    /// </exception>
    public static void Step<T>(
        in StepCoefficients<T> c,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> velocity,
        ReadOnlySpan<T> gradient,
        Span<T> parametersDestination,
        Span<T> velocityDestination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireStepShapes(parameters, velocity, gradient, parametersDestination, velocityDestination);
        FusedStep.Run(c, parameters, velocity, gradient, parametersDestination, velocityDestination);
    }

    /// <summary>
    /// The same step as <see cref="Step{T}"/>, composed from <see cref="TensorPrimitives"/> operations applied chunk by
    /// chunk (so each element still crosses the memory bus once), allocating nothing: the reference the fused kernel is
    /// measured against.
    /// </summary>
    /// <inheritdoc cref="Step{T}"/>
    [SkipLocalsInit]
    public static void StepComposed<T>(
        in StepCoefficients<T> c,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> velocity,
        ReadOnlySpan<T> gradient,
        Span<T> parametersDestination,
        Span<T> velocityDestination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireStepShapes(parameters, velocity, gradient, parametersDestination, velocityDestination);

        var chunk = ChunkBytes / Unsafe.SizeOf<T>();
        Span<T> scratch = stackalloc T[chunk];
        for (var start = 0; start < parameters.Length; start += chunk)
        {
            var n = Math.Min(chunk, parameters.Length - start);
            StepChunk(
                c,
                parameters.Slice(start, n),
                velocity.Slice(start, n),
                gradient.Slice(start, n),
                parametersDestination.Slice(start, n),
                velocityDestination.Slice(start, n),
                scratch[..n]);
        }
    }

    private static void StepChunk<T>(
        in StepCoefficients<T> c,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> v,
        ReadOnlySpan<T> gradient,
        Span<T> xOut,
        Span<T> vOut,
        Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // g ← −g (maximize); g ← g + λ_wd·x, as PyTorch's d_p.add(param, alpha=weight_decay).
        var g = gradient;
        if (c.Maximize)
        {
            TensorPrimitives.Negate(gradient, scratch);
            g = scratch;
        }
        if (c.HasWeightDecay)
        {
            TensorPrimitives.FusedMultiplyAdd(x, c.WeightDecay, g, scratch);
            g = scratch;
        }

        ReadOnlySpan<T> direction;
        if (!c.HasMomentum)
            direction = g;
        else
        {
            if (!c.BufferInitialized)
                g.CopyTo(vOut);                                        // buf = clone(d_p)
            else if (c.Undampened)
                TensorPrimitives.MultiplyAdd(v, c.Momentum, g, vOut);  // buf.mul_(β).add_(d_p): fma(g, 1, βb) = βb + g
            else
            {
                TensorPrimitives.Multiply(v, c.Momentum, vOut);        // buf.mul_(β)
                TensorPrimitives.FusedMultiplyAdd(g, c.OneMinusDampening, vOut, vOut); // .add_(d_p, alpha=1−dampening)
            }

            if (c.Nesterov)
            {
                TensorPrimitives.FusedMultiplyAdd(vOut, c.Momentum, g, scratch); // d_p.add(buf, alpha=β)
                direction = scratch;
            }
            else
                direction = vOut;
        }

        TensorPrimitives.FusedMultiplyAdd(direction, c.NegativeLearningRate, x, xOut); // param.add_(d_p, alpha=−η)
    }
}
