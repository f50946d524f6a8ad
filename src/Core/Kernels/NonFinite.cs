using System.Numerics;
using System.Numerics.Tensors;

namespace Momentum.Kernels;

/// <summary>Finding NaN and ±∞ in a span.</summary>
internal static class NonFinite
{
    /// <summary>The index of the first NaN or infinite value in <paramref name="values"/>, or −1 when all are finite.</summary>
    /// <remarks>A vectorised <see cref="TensorPrimitives.IsFiniteAll{T}(ReadOnlySpan{T})"/> pass answers the common case.</remarks>
    public static int IndexOfFirst<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        if (values.IsEmpty || TensorPrimitives.IsFiniteAll(values))
            return -1;
        for (var i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i]))
                return i;
        return -1;
    }
}
