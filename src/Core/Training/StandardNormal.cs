using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Momentum.Training;

/// <summary>
/// Standard normal numbers N(0, 1) addressed by position: number n of the stream with key k is a function of (k, n)
/// alone, so any range of a stream can be drawn on its own (one block of rows per core) and gives the same numbers as
/// drawing the whole stream, in every process, at every JIT tier and on every machine.
/// </summary>
/// <remarks>
/// <para>Uniforms: the c-th output of SplitMix64 seeded with k, computed directly from c as
/// <c>mix(k + (c + 1)·0x9E3779B97F4A7C15)</c> (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; the generator passes BigCrush). Pair p takes outputs 2p and 2p + 1, and their top 53 bits give
/// u₁ ∈ (0, 1] and u₂ ∈ [0, 1).</para>
/// <para>Normals: the Box–Muller transform (Box and Muller, "A note on the generation of random normal deviates", Ann.
/// Math. Statist. 29, 1958): numbers 2p and 2p + 1 are r·cos θ and r·sin θ with r = √(−2 ln u₁), θ = 2π·u₂; with
/// u₁ ≥ 2⁻⁵³ the largest |z| is √(106 ln 2) ≈ 8.57.</para>
/// <para>ln, cos and sin are evaluated here, four pairs at a time, with nothing but IEEE additions, multiplications,
/// divisions and exact scalings, so their bits do not depend on the runtime's vector maths (which differs between
/// precompiled and re-jitted code): ln u = e·ln 2 + 2 atanh s with u = m·2ᵉ, m ∈ [√½, √2), s = (m − 1)/(m + 1),
/// |s| ≤ 0.1716, and the series of atanh to s²³ (truncation below 2⁻⁵⁵ relative); θ is cut into octants exactly
/// (8u₂ is exact), and sin and cos of the angle φ ∈ [0, π/4] left are Taylor polynomials to φ¹⁷ and φ¹⁶ (truncation
/// below 10⁻¹⁶), then turned into the octant's by the symmetries of sine and cosine.</para>
/// </remarks>
public static class StandardNormal
{
    /// <summary>Pairs computed together.</summary>
    private const int GroupPairs = 64;

    private const int GroupNumbers = 2 * GroupPairs;

    /// <summary>Fills <paramref name="destination"/> with numbers <paramref name="first"/>, <paramref name="first"/> + 1, … of the stream <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="first"/> is negative.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(ulong key, long first, Span<double> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        Span<double> group = stackalloc double[GroupNumbers];
        var done = 0;
        while (done < destination.Length)
        {
            var index = first + done;
            var start = index / GroupNumbers * GroupNumbers;
            var offset = (int)(index - start);
            var count = Math.Min(GroupNumbers - offset, destination.Length - done);
            if (offset == 0 && count == GroupNumbers) Group(key, start / 2, destination.Slice(done, GroupNumbers));
            else
            {
                Group(key, start / 2, group);
                group.Slice(offset, count).CopyTo(destination[done..]);
            }
            done += count;
        }
    }

    /// <summary>Numbers 2·<paramref name="firstPair"/> … of the stream, one whole group, interleaved as (r cos θ, r sin θ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group(ulong key, long firstPair, Span<double> destination)
    {
        // Four pairs at a time: outputs 2p (u₁) and 2p + 1 (u₂) of SplitMix64, then r cos θ and r sin θ.
        Span<double> even = stackalloc double[GroupPairs];
        Span<double> odd = stackalloc double[GroupPairs];
        ref var evens = ref MemoryMarshal.GetReference(even);
        ref var odds = ref MemoryMarshal.GetReference(odd);
        var unit = Vector256.Create(1.0 / (1UL << 53));
        var counters = Vector256.Create((ulong)firstPair * 2) + Vector256.Create(0UL, 2, 4, 6);
        for (nuint p = 0; p < GroupPairs; p += 4, counters += Vector256.Create(8UL))
        {
            var u1 = Vector256.ConvertToDouble(Vector256.ShiftRightLogical(Output(key, counters), 11) + Vector256<ulong>.One) * unit;
            var u2 = Vector256.ConvertToDouble(Vector256.ShiftRightLogical(Output(key, counters + Vector256<ulong>.One), 11)) * unit;
            var radius = Vector256.Sqrt(Vector256.Create(-2.0) * Log(u1));
            var (cos, sin) = CosSinOfTurn(u2);
            (radius * cos).StoreUnsafe(ref evens, p);
            (radius * sin).StoreUnsafe(ref odds, p);
        }
        for (var p = 0; p < GroupPairs; p++) (destination[2 * p], destination[2 * p + 1]) = (even[p], odd[p]);
    }

    /// <summary>ln u for u in (0, 1]: e·ln 2 + 2 atanh((m − 1)/(m + 1)), u = m·2ᵉ with m ∈ [√½, √2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Log(Vector256<double> u)
    {
        var bits = u.AsUInt64();
        var exponent = Vector256.ShiftRightLogical(bits, 52).AsInt64() - Vector256.Create(1023L);
        var mantissa = ((bits & Vector256.Create(0x000F_FFFF_FFFF_FFFFUL)) | Vector256.Create(0x3FF0_0000_0000_0000UL)).AsDouble();
        var high = Vector256.GreaterThan(mantissa, Vector256.Create(1.4142135623730951));
        mantissa = Vector256.ConditionalSelect(high, mantissa * 0.5, mantissa);
        exponent += high.AsInt64() & Vector256.Create(1L);
        var s = (mantissa - Vector256<double>.One) / (mantissa + Vector256<double>.One);
        var z = s * s;
        // atanh s / s = Σ s²ᵏ/(2k + 1), k = 0 … 11, by Horner.
        var series = Vector256.Create(1.0 / 23);
        series = series * z + Vector256.Create(1.0 / 21);
        series = series * z + Vector256.Create(1.0 / 19);
        series = series * z + Vector256.Create(1.0 / 17);
        series = series * z + Vector256.Create(1.0 / 15);
        series = series * z + Vector256.Create(1.0 / 13);
        series = series * z + Vector256.Create(1.0 / 11);
        series = series * z + Vector256.Create(1.0 / 9);
        series = series * z + Vector256.Create(1.0 / 7);
        series = series * z + Vector256.Create(1.0 / 5);
        series = series * z + Vector256.Create(1.0 / 3);
        series = series * z + Vector256<double>.One;
        var e = Vector256.ConvertToDouble(exponent);
        // ln 2 in two parts (fdlibm's): e·ln2Hi is exact for |e| < 2¹¹.
        return e * Vector256.Create(6.93147180369123816490e-01) + (e * Vector256.Create(1.90821492927058770002e-10) + Vector256.Create(2.0) * s * series);
    }

    /// <summary>(cos 2πu, sin 2πu) for u in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<double> Cos, Vector256<double> Sin) CosSinOfTurn(Vector256<double> u)
    {
        // θ = octant·π/4 + φ: an even octant 2r turns (cos φ, sin φ) by r quarter turns; an odd octant 2r − 1 turns
        // (cos ψ, −sin ψ), ψ = π/4 − φ, by r quarter turns. 8u, its floor and both remainders are exact.
        var eighths = u * Vector256.Create(8.0);
        var octant = Vector256.Floor(eighths);
        var fraction = eighths - octant;
        var whole = Vector256.ConvertToInt64(octant);
        var one = Vector256.Create(1L);
        var two = Vector256.Create(2L);
        var odd = Vector256.Equals(whole & one, one).AsDouble();
        var angle = Vector256.ConditionalSelect(odd, Vector256<double>.One - fraction, fraction) * Vector256.Create(Math.PI / 4);
        var z = angle * angle;
        // Taylor: sin φ = φ Σ (−1)ᵏ φ²ᵏ/(2k + 1)! to φ¹⁷, cos φ = Σ (−1)ᵏ φ²ᵏ/(2k)! to φ¹⁶.
        var sin = Vector256.Create(1.0 / 355687428096000);
        sin = sin * z - Vector256.Create(1.0 / 1307674368000);
        sin = sin * z + Vector256.Create(1.0 / 6227020800);
        sin = sin * z - Vector256.Create(1.0 / 39916800);
        sin = sin * z + Vector256.Create(1.0 / 362880);
        sin = sin * z - Vector256.Create(1.0 / 5040);
        sin = sin * z + Vector256.Create(1.0 / 120);
        sin = sin * z - Vector256.Create(1.0 / 6);
        sin = (sin * z + Vector256<double>.One) * angle;
        var cos = Vector256.Create(1.0 / 20922789888000);
        cos = cos * z - Vector256.Create(1.0 / 87178291200);
        cos = cos * z + Vector256.Create(1.0 / 479001600);
        cos = cos * z - Vector256.Create(1.0 / 3628800);
        cos = cos * z + Vector256.Create(1.0 / 40320);
        cos = cos * z - Vector256.Create(1.0 / 720);
        cos = cos * z + Vector256.Create(1.0 / 24);
        cos = cos * z - Vector256.Create(0.5);
        cos = cos * z + Vector256<double>.One;
        sin = Vector256.ConditionalSelect(odd, -sin, sin);
        var quarter = (whole + one) >>> 1;
        // Quarter turns r = 0, 1, 2, 3: (c, s), (−s, c), (−c, −s), (s, −c).
        var swap = Vector256.Equals(quarter & one, one).AsDouble();
        var negateCos = Vector256.Equals((quarter + one) & two, two).AsDouble();
        var negateSin = Vector256.Equals(quarter & two, two).AsDouble();
        var (c, s) = (Vector256.ConditionalSelect(swap, sin, cos), Vector256.ConditionalSelect(swap, cos, sin));
        return (Vector256.ConditionalSelect(negateCos, -c, c), Vector256.ConditionalSelect(negateSin, -s, s));
    }

    /// <summary>Outputs <paramref name="counters"/> (0-based) of SplitMix64 seeded with <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Output(ulong key, Vector256<ulong> counters)
    {
        var z = Vector256.Create(key) + (counters + Vector256<ulong>.One) * Vector256.Create(0x9E3779B97F4A7C15UL);
        z = (z ^ Vector256.ShiftRightLogical(z, 30)) * Vector256.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector256.ShiftRightLogical(z, 27)) * Vector256.Create(0x94D049BB133111EBUL);
        return z ^ Vector256.ShiftRightLogical(z, 31);
    }
}
