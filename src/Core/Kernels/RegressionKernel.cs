using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Momentum.Kernels;

/// <summary>
/// The inner loops of linear regression over minibatch rows, four rows at a time so independent work overlaps (four
/// dot products, then one pass of the gradient over the four rows while they are in cache); rows a little ahead are
/// prefetched into the first-level cache, since a shuffled minibatch reads rows from scattered places in memory, and the
/// rows of the next minibatch a whole minibatch ahead into the second-level cache, so the jump to a new place in memory
/// at each minibatch (any shuffle, and the blocks of <c>--shuffle batches</c>) is paid while this one is summed.
/// </summary>
internal static class RegressionKernel
{
    /// <summary>
    /// How many rows ahead a row is prefetched: measured on a 10⁶ × 100 float32 set read in shuffled order, 16 rows
    /// ahead took random row reads from 128 ms to 71 ms per pass, while 64 or more ahead gave the gain back (lines
    /// evicted before use). Rows a whole minibatch ahead go to the second-level cache instead (<see cref="Sums{T}"/>'s
    /// <c>far</c>): measured on 2026-12-01 on a quiet machine, that took the one-thread epoch of the same set from 43.5
    /// to 26.6–30.5 ms with <c>--shuffle batches</c> and from 123 to 82–96 ms with the book's row shuffle, while the same
    /// requests into the first-level cache gave back most of the gain (39.4 ms; docs/PERFORMANCE.md).
    /// </summary>
    public const int PrefetchDistance = 16;

    /// <summary>
    /// Most parts a minibatch's gradient is split into (<see cref="Parts"/>): enough for the cores of a workstation, few
    /// enough that each part is a few hundred microseconds of rows.
    /// </summary>
    public const int MaxParts = 8;

    /// <summary>Multiply-adds of one pass over a part's rows (rows × F) below which a minibatch is not split further.</summary>
    public const int PartWork = 4096;

    /// <summary>
    /// How many parts the gradient of a minibatch of <paramref name="batchRows"/> rows of <paramref name="featureCount"/>
    /// features is summed in: 1 for small minibatches (fewer than 8 rows or 2 × <see cref="PartWork"/> multiply-adds;
    /// d2l's airfoil run, 10 × 5), otherwise k = min(<see cref="MaxParts"/>, ⌊B·F / 4096⌋, ⌊B / 4⌋) parts of ⌈B / k⌉ rows
    /// rounded up to whole four-row blocks, which can leave fewer than k (and need not grow with B: a smaller last
    /// minibatch may have more parts than a full one). The partition depends on the shape alone, never on the threads
    /// that compute it, so a gradient is the same bits whoever sums its parts.
    /// </summary>
    public static int Parts(int batchRows, int featureCount)
    {
        var work = (long)batchRows * featureCount;
        if (work < 2 * PartWork || batchRows < 8) return 1;
        var size = PartSize(batchRows, (int)Math.Min(MaxParts, Math.Min(work / PartWork, batchRows / 4)));
        return (batchRows + size - 1) / size;
    }

    /// <summary>The rows of part <paramref name="part"/> of <paramref name="parts"/> within a minibatch of <paramref name="batchRows"/>: consecutive, a multiple of four rows long except the last.</summary>
    public static Range Part(int batchRows, int parts, int part)
    {
        if (parts == 1) return Range.All;
        var size = PartSize(batchRows, parts);
        var start = Math.Min(batchRows, part * size);
        return new Range(start, Math.Min(batchRows, start + size));
    }

    private static int PartSize(int batchRows, int parts) => ((batchRows + parts - 1) / parts + 3) / 4 * 4;

    /// <summary>
    /// gradient = scale · Σₖ sₖ over the parts k of the minibatch (<see cref="Parts"/>, summed in order), with
    /// sₖ = [Σᵢ rᵢ xᵢ, Σᵢ rᵢ] over the rows i of part k and rᵢ = xᵢ·w + b − yᵢ.
    /// </summary>
    /// <param name="features">The data set's features, row-major.</param>
    /// <param name="featureCount">F, features per row.</param>
    /// <param name="labels">The targets.</param>
    /// <param name="rows">The minibatch.</param>
    /// <param name="parameters">[w, b].</param>
    /// <param name="scale">c/B.</param>
    /// <param name="gradient">Receives the F + 1 gradient entries.</param>
    /// <param name="prefetch">Rows the caller will need next (the next minibatch): their cache lines are requested while this one is summed (<see cref="Sums{T}"/>).</param>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gradient<T>(
        ReadOnlySpan<T> features, int featureCount, ReadOnlySpan<T> labels, ReadOnlySpan<int> rows,
        ReadOnlySpan<T> parameters, T scale, Span<T> gradient, ReadOnlySpan<int> prefetch = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parts = Parts(rows.Length, featureCount);
        if (parts == 1)
            Sums(features, featureCount, labels, rows, parameters, gradient, prefetch, prefetch);
        else
        {
            var scratch = gradient.Length <= 1024 ? stackalloc T[gradient.Length] : new T[gradient.Length];
            for (var k = 0; k < parts; k++)
            {
                var part = Part(rows.Length, parts, k);
                // Stryker disable once all : a prefetch hint; no value depends on it
                var next = k + 1 < parts ? rows[Part(rows.Length, parts, k + 1)] : prefetch;
                Sums(features, featureCount, labels, rows[part], parameters, k == 0 ? gradient : scratch, next, SamePart(prefetch, featureCount, k));
                if (k > 0) TensorPrimitives.Add(gradient, scratch, gradient);
            }
        }
        TensorPrimitives.Multiply(gradient, scale, gradient);
    }

    /// <summary>
    /// Part <paramref name="part"/> of the minibatch <paramref name="upcoming"/> (its last part when it has fewer): the
    /// rows the same worker sums one minibatch later, prefetched a whole minibatch ahead.
    /// </summary>
    // Stryker disable once all : a prefetch hint; no value depends on it
    public static ReadOnlySpan<int> SamePart(ReadOnlySpan<int> upcoming, int featureCount, int part)
    {
        if (upcoming.IsEmpty) return default;
        var parts = Parts(upcoming.Length, featureCount);
        return upcoming[Part(upcoming.Length, parts, Math.Min(part, parts - 1))];
    }

    /// <summary>
    /// sums = [Σᵢ rᵢ xᵢ, Σᵢ rᵢ] over <paramref name="rows"/> (unscaled), with rᵢ = xᵢ·w + b − yᵢ: one part of a gradient.
    /// </summary>
    /// <param name="features">The data set's features, row-major.</param>
    /// <param name="featureCount">F, features per row.</param>
    /// <param name="labels">The targets.</param>
    /// <param name="rows">The rows of the part.</param>
    /// <param name="parameters">[w, b].</param>
    /// <param name="sums">Receives the F + 1 sums.</param>
    /// <param name="prefetch">Rows the caller will need next: their cache lines are requested into the first-level cache, <see cref="PrefetchDistance"/> rows ahead, unless <paramref name="rows"/> is one run of consecutive rows (read in order, which the hardware prefetches).</param>
    /// <param name="far">Rows needed one minibatch later (this part's rows in the next minibatch): row k's lines are requested into the second-level cache while row k is summed.</param>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sums<T>(
        ReadOnlySpan<T> features, int featureCount, ReadOnlySpan<T> labels, ReadOnlySpan<int> rows,
        ReadOnlySpan<T> parameters, Span<T> sums, ReadOnlySpan<int> prefetch = default, ReadOnlySpan<int> far = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var f = (nuint)featureCount;
        ref var w = ref MemoryMarshal.GetReference(parameters);
        ref var gw = ref MemoryMarshal.GetReference(sums);
        ref var x0 = ref MemoryMarshal.GetReference(features);
        var bias = parameters[featureCount];
        sums.Clear();
        var biasSum = T.Zero;
        // Rows of long features come from scattered places in memory: while a row's residual is computed, the lines of
        // the row PrefetchDistance ahead (in this batch, then in the next one) are requested, and those of the same row
        // of the next minibatch (far). A part whose rows are one run of the file (--shuffle batches or none) is read in
        // order, which the hardware prefetches by itself: there the near requests only compete with the loads (5–10 % of
        // the batches epoch in a scratch comparison on 2026-12-01, not a benchmark of bench/; docs/PERFORMANCE.md), and only
        // the far ones, for a block elsewhere, are made.
        // Stryker disable once all : a prefetch hint; no value depends on it
        var prefetchRows = f * (nuint)Unsafe.SizeOf<T>() >= 64;
        // Stryker disable once all : a prefetch hint; no value depends on it
        var near = prefetchRows && !IsRun(rows);

        // Four rows at a time: their four residuals (independent dot products), then g_w += Σ rᵢ xᵢ while the rows are
        // still in the first-level cache, loading and storing the sums once per four rows.
        var k = 0;
        for (; k + 4 <= rows.Length; k += 4)
        {
            // Stryker disable once all : a prefetch hint; no value depends on it
            if (prefetchRows)
                for (var j = k; j < k + 4; j++)
                {
                    if (near) PrefetchAhead(ref x0, f, rows, prefetch, j);
                    if (j < far.Length) Prefetch(ref x0, f, far[j], toSecondLevel: true);
                }
            ref var a = ref Unsafe.Add(ref x0, (nuint)rows[k] * f);
            ref var b = ref Unsafe.Add(ref x0, (nuint)rows[k + 1] * f);
            ref var c = ref Unsafe.Add(ref x0, (nuint)rows[k + 2] * f);
            ref var d = ref Unsafe.Add(ref x0, (nuint)rows[k + 3] * f);
            var (r0, r1, r2, r3) = Dot4(ref a, ref b, ref c, ref d, ref w, f);
            r0 += bias - labels[rows[k]];
            r1 += bias - labels[rows[k + 1]];
            r2 += bias - labels[rows[k + 2]];
            r3 += bias - labels[rows[k + 3]];
            AddScaled4(ref gw, ref a, r0, ref b, r1, ref c, r2, ref d, r3, f);
            biasSum += r0 + r1 + (r2 + r3);
        }
        for (; k < rows.Length; k++)
        {
            // Stryker disable once all : a prefetch hint; no value depends on it
            if (prefetchRows)
            {
                if (near) PrefetchAhead(ref x0, f, rows, prefetch, k);
                if (k < far.Length) Prefetch(ref x0, f, far[k], toSecondLevel: true);
            }
            ref var a = ref Unsafe.Add(ref x0, (nuint)rows[k] * f);
            var r = Dot(ref a, ref w, f) + bias - labels[rows[k]];
            AddScaled(ref gw, ref a, r, f);
            biasSum += r;
        }
        sums[featureCount] = biasSum;
    }

    /// <summary>Σ aᵢbᵢ: SIMD for long rows, two interleaved scalar chains for short ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(ref T a, ref T b, nuint n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint i = 0;
        T sum;
        if (Simd256<T>.IsAccelerated && n >= (nuint)Simd256<T>.Count)
        {
            // Four accumulators hide the latency of the fused multiply-add (the chain would otherwise bound the loop).
            var count = (nuint)Simd256<T>.Count;
            var (acc0, acc1, acc2, acc3) = (Simd256<T>.Create(T.Zero), Simd256<T>.Create(T.Zero), Simd256<T>.Create(T.Zero), Simd256<T>.Create(T.Zero));
            for (; i + 4 * count <= n; i += 4 * count)
            {
                acc0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i), Simd256<T>.Load(ref b, i), acc0);
                acc1 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i + count), Simd256<T>.Load(ref b, i + count), acc1);
                acc2 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i + 2 * count), Simd256<T>.Load(ref b, i + 2 * count), acc2);
                acc3 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i + 3 * count), Simd256<T>.Load(ref b, i + 3 * count), acc3);
            }
            for (; i + count <= n; i += count)
                acc0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i), Simd256<T>.Load(ref b, i), acc0);
            sum = Simd256<T>.Sum(Simd256<T>.Add(Simd256<T>.Add(acc0, acc1), Simd256<T>.Add(acc2, acc3)));
        }
        else
            sum = T.Zero;
        var other = T.Zero;
        for (; i + 1 < n; i += 2)
        {
            sum = T.FusedMultiplyAdd(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), sum);
            other = T.FusedMultiplyAdd(Unsafe.Add(ref a, i + 1), Unsafe.Add(ref b, i + 1), other);
        }
        if (i < n) sum = T.FusedMultiplyAdd(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), sum);
        return sum + other;
    }

    /// <summary>
    /// (a·w, b·w, c·w, d·w): the four dot products in one loop, so each chunk of w is loaded once for four rows and eight
    /// independent accumulators (two per row) hide the latency of the fused multiply-add; a 128-bit step takes a tail of
    /// half a vector (F = 100 floats is twelve 256-bit chunks and one 128-bit one), then scalars.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T, T, T, T) Dot4<T>(ref T a, ref T b, ref T c, ref T d, ref T w, nuint n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Simd256<T>.IsAccelerated || n < (nuint)Simd256<T>.Count)
            return (Dot(ref a, ref w, n), Dot(ref b, ref w, n), Dot(ref c, ref w, n), Dot(ref d, ref w, n));

        var count = (nuint)Simd256<T>.Count;
        var zero = Simd256<T>.Create(T.Zero);
        var (a0, a1, b0, b1, c0, c1, d0, d1) = (zero, zero, zero, zero, zero, zero, zero, zero);
        nuint i = 0;
        for (; i + 2 * count <= n; i += 2 * count)
        {
            var w0 = Simd256<T>.Load(ref w, i);
            var w1 = Simd256<T>.Load(ref w, i + count);
            a0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i), w0, a0);
            b0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref b, i), w0, b0);
            c0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref c, i), w0, c0);
            d0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref d, i), w0, d0);
            a1 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i + count), w1, a1);
            b1 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref b, i + count), w1, b1);
            c1 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref c, i + count), w1, c1);
            d1 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref d, i + count), w1, d1);
        }
        if (i + count <= n)
        {
            var w0 = Simd256<T>.Load(ref w, i);
            a0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i), w0, a0);
            b0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref b, i), w0, b0);
            c0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref c, i), w0, c0);
            d0 = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref d, i), w0, d0);
            i += count;
        }
        var (sa, sb, sc, sd) = Simd256<T>.Sum4(Simd256<T>.Add(a0, a1), Simd256<T>.Add(b0, b1), Simd256<T>.Add(c0, c1), Simd256<T>.Add(d0, d1));
        var half = (nuint)Simd128<T>.Count;
        if (Simd128<T>.IsAccelerated && i + half <= n)
        {
            var w0 = Simd128<T>.Load(ref w, i);
            sa += Simd128<T>.Sum(Simd128<T>.Multiply(Simd128<T>.Load(ref a, i), w0));
            sb += Simd128<T>.Sum(Simd128<T>.Multiply(Simd128<T>.Load(ref b, i), w0));
            sc += Simd128<T>.Sum(Simd128<T>.Multiply(Simd128<T>.Load(ref c, i), w0));
            sd += Simd128<T>.Sum(Simd128<T>.Multiply(Simd128<T>.Load(ref d, i), w0));
            i += half;
        }
        for (; i < n; i++)
        {
            var wi = Unsafe.Add(ref w, i);
            sa = T.FusedMultiplyAdd(Unsafe.Add(ref a, i), wi, sa);
            sb = T.FusedMultiplyAdd(Unsafe.Add(ref b, i), wi, sb);
            sc = T.FusedMultiplyAdd(Unsafe.Add(ref c, i), wi, sc);
            sd = T.FusedMultiplyAdd(Unsafe.Add(ref d, i), wi, sd);
        }
        return (sa, sb, sc, sd);
    }

    /// <summary>yᵢ += s·xᵢ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled<T>(ref T y, ref T x, T s, nuint n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint i = 0;
        if (Simd256<T>.IsAccelerated && n >= (nuint)Simd256<T>.Count)
        {
            var scale = Simd256<T>.Create(s);
            var count = (nuint)Simd256<T>.Count;
            for (; i + count <= n; i += count)
                Simd256<T>.Store(Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref x, i), scale, Simd256<T>.Load(ref y, i)), ref y, i);
        }
        if (Simd128<T>.IsAccelerated && n - i >= (nuint)Simd128<T>.Count)
        {
            Simd128<T>.Store(Simd128<T>.FusedMultiplyAdd(Simd128<T>.Load(ref x, i), Simd128<T>.Create(s), Simd128<T>.Load(ref y, i)), ref y, i);
            i += (nuint)Simd128<T>.Count;
        }
        for (; i < n; i++) Unsafe.Add(ref y, i) = T.FusedMultiplyAdd(Unsafe.Add(ref x, i), s, Unsafe.Add(ref y, i));
    }

    /// <summary>yᵢ += s₀·aᵢ + s₁·bᵢ + s₂·cᵢ + s₃·dᵢ (fused multiply-adds in that order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddScaled4<T>(ref T y, ref T a, T s0, ref T b, T s1, ref T c, T s2, ref T d, T s3, nuint n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint i = 0;
        if (Simd256<T>.IsAccelerated && n >= (nuint)Simd256<T>.Count)
        {
            var (v0, v1, v2, v3) = (Simd256<T>.Create(s0), Simd256<T>.Create(s1), Simd256<T>.Create(s2), Simd256<T>.Create(s3));
            var count = (nuint)Simd256<T>.Count;
            for (; i + count <= n; i += count)
            {
                var acc = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref a, i), v0, Simd256<T>.Load(ref y, i));
                acc = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref b, i), v1, acc);
                acc = Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref c, i), v2, acc);
                Simd256<T>.Store(Simd256<T>.FusedMultiplyAdd(Simd256<T>.Load(ref d, i), v3, acc), ref y, i);
            }
        }
        var half = (nuint)Simd128<T>.Count;
        if (Simd128<T>.IsAccelerated && n >= (nuint)Simd256<T>.Count && i + half <= n)
        {
            // The half-vector tail (F = 100 floats ends in four): the same fused multiply-adds, four lanes at once.
            var (v0, v1, v2, v3) = (Simd128<T>.Create(s0), Simd128<T>.Create(s1), Simd128<T>.Create(s2), Simd128<T>.Create(s3));
            var acc = Simd128<T>.FusedMultiplyAdd(Simd128<T>.Load(ref a, i), v0, Simd128<T>.Load(ref y, i));
            acc = Simd128<T>.FusedMultiplyAdd(Simd128<T>.Load(ref b, i), v1, acc);
            acc = Simd128<T>.FusedMultiplyAdd(Simd128<T>.Load(ref c, i), v2, acc);
            Simd128<T>.Store(Simd128<T>.FusedMultiplyAdd(Simd128<T>.Load(ref d, i), v3, acc), ref y, i);
            i += half;
        }
        for (; i < n; i++)
        {
            var acc = T.FusedMultiplyAdd(Unsafe.Add(ref a, i), s0, Unsafe.Add(ref y, i));
            acc = T.FusedMultiplyAdd(Unsafe.Add(ref b, i), s1, acc);
            acc = T.FusedMultiplyAdd(Unsafe.Add(ref c, i), s2, acc);
            Unsafe.Add(ref y, i) = T.FusedMultiplyAdd(Unsafe.Add(ref d, i), s3, acc);
        }
    }

    /// <summary>Whether <paramref name="rows"/> looks like one run of consecutive rows of the file, judged by its ends: only a hint, so a shuffled part that passes loses nothing but its near requests.</summary>
    // Stryker disable once all : a prefetch hint; no value depends on it
    private static bool IsRun(ReadOnlySpan<int> rows) => rows.Length > 1 && rows[^1] - rows[0] == rows.Length - 1;

    // Stryker disable once all : a prefetch hint; no value depends on it
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchAhead<T>(ref T x0, nuint f, ReadOnlySpan<int> rows, ReadOnlySpan<int> next, int k)
        where T : unmanaged
    {
        var ahead = k + PrefetchDistance;
        if (ahead < rows.Length) Prefetch(ref x0, f, rows[ahead]);
        else if (ahead - rows.Length < next.Length) Prefetch(ref x0, f, next[ahead - rows.Length]);
    }

    // A hint to bring a row into the cache (x86; elsewhere a no-op): rows are scattered, so the hardware cannot guess them.
    // Stryker disable once all : a prefetch hint; no value depends on it
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Prefetch<T>(ref T x0, nuint f, int row, bool toSecondLevel = false)
        where T : unmanaged
    {
        if (!Sse.IsSupported) return;
        var rowBytes = f * (nuint)sizeof(T);
        var start = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref x0, (nuint)row * f));
        for (nuint offset = 0; offset < rowBytes; offset += 64) Line(start + offset, toSecondLevel);
        Line(start + rowBytes - 1, toSecondLevel);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Line(byte* address, bool toSecondLevel)
        {
            if (toSecondLevel) Sse.Prefetch1(address);
            else Sse.Prefetch0(address);
        }
    }
}
