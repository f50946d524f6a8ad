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
    }

    /// <summary>A seed for <see cref="System.Random"/> that depends on all three inputs.</summary>
    public static int Derive(int seed, Stream stream, long index)
    {
        var z = Mix((ulong)(uint)seed ^ Mix((ulong)stream * 0x9E3779B97F4A7C15UL ^ Mix((ulong)index)));
        return (int)(z >> 33);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
