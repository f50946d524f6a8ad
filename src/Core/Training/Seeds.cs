namespace Momentum.Training;

/// <summary>
/// Independent, reproducible seeds for each use of randomness (initial weights, each epoch's shuffle, synthetic data),
/// derived from one user seed with the SplitMix64 finaliser (Steele, Lea and Flood, OOPSLA 2014), so a resumed run can
/// recreate the generator of any epoch without replaying the ones before.
/// </summary>
public static class Seeds
{
    /// <summary>What a derived seed is for.</summary>
    public enum Stream : ulong
    {
        /// <summary>Initial weights, w ~ N(0, 0.01²).</summary>
        Initialization = 1,

        /// <summary>The order of examples in one epoch.</summary>
        Shuffle = 2,

        /// <summary>A synthetic data set.</summary>
        Synthetic = 3,

        /// <summary>Gradient noise added to each step of one run (d2l §11.6 exercise 4: noisy gradients on a quadratic).</summary>
        GradientNoise = 4,
    }

    /// <summary>A seed for <see cref="System.Random"/> that depends on all three inputs: the top 31 bits of <see cref="Derive64"/>.</summary>
    public static int Derive(int seed, Stream stream, long index) => (int)(Derive64(seed, stream, index) >> 33);

    /// <summary>
    /// A 64-bit generator state for <see cref="Below"/>, depending on all three inputs:
    /// mix(seed as 32 unsigned bits ⊕ mix(stream · 0x9E3779B97F4A7C15 ⊕ mix(index))), where mix(z) is SplitMix64's output
    /// from state z (z + 0x9E3779B97F4A7C15 through its finaliser) and every operation is modulo 2⁶⁴.
    /// </summary>
    public static ulong Derive64(int seed, Stream stream, long index) =>
        Mix((ulong)(uint)seed ^ Mix((ulong)stream * 0x9E3779B97F4A7C15UL ^ Mix((ulong)index)));

    /// <summary>
    /// A uniform integer in [0, <paramref name="bound"/>) from a SplitMix64 state (Steele, Lea and Flood 2014), without
    /// bias, by Lemire's multiply-and-reject ("Fast random integer generation in an interval", 2019).
    /// </summary>
    internal static uint Below(ref ulong state, uint bound)
    {
        var product = (ulong)Next32(ref state) * bound;
        var low = (uint)product;
        if (low < bound)
        {
            var threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (ulong)Next32(ref state) * bound;
                low = (uint)product;
            }
        }
        return (uint)(product >> 32);
    }

    private static uint Next32(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)((z ^ (z >> 31)) >> 32);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
