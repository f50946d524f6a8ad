using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Momentum.Kernels;

/// <summary>
/// The operations a kernel loop needs from one SIMD width, so each loop is written once and the JIT specialises it for
/// <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/> and <see cref="Vector128{T}"/> (the pattern of
/// TensorPrimitives' operator structs). <typeparamref name="T"/> is <see cref="float"/> or <see cref="double"/>.
/// </summary>
internal interface ISimd<TSelf, T>
    where TSelf : struct, ISimd<TSelf, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract bool IsAccelerated { get; }
    static abstract int Count { get; }
    static abstract TSelf Create(T value);
    static abstract TSelf Load(ref T source, nuint index);
    static abstract void Store(TSelf value, ref T destination, nuint index);
    static abstract TSelf Add(TSelf a, TSelf b);
    static abstract TSelf Multiply(TSelf a, TSelf b);
    static abstract TSelf Negate(TSelf a);

    /// <summary>a·b + c with a single rounding.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract T Sum(TSelf a);
}

internal readonly struct Simd512<T>(Vector512<T> value) : ISimd<Simd512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector512<T> value = value;

    public static bool IsAccelerated => Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported;
    public static int Count => Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512<T> Create(T v) => new(Vector512.Create(v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512<T> Load(ref T s, nuint i) => new(Vector512.LoadUnsafe(ref s, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Simd512<T> v, ref T d, nuint i) => v.value.StoreUnsafe(ref d, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512<T> Add(Simd512<T> a, Simd512<T> b) => new(a.value + b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512<T> Multiply(Simd512<T> a, Simd512<T> b) => new(a.value * b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512<T> Negate(Simd512<T> a) => new(-a.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Simd512<T> a) => Vector512.Sum(a.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> FusedMultiplyAdd(Simd512<T> a, Simd512<T> b, Simd512<T> c)
    {
        if (typeof(T) == typeof(float))
            return new(Vector512.FusedMultiplyAdd(a.value.AsSingle(), b.value.AsSingle(), c.value.AsSingle()).As<float, T>());
        if (typeof(T) == typeof(double))
            return new(Vector512.FusedMultiplyAdd(a.value.AsDouble(), b.value.AsDouble(), c.value.AsDouble()).As<double, T>());
        throw new NotSupportedException(typeof(T).Name);
    }
}

internal readonly struct Simd256<T>(Vector256<T> value) : ISimd<Simd256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector256<T> value = value;

    /// <summary>
    /// (Σa, Σb, Σc, Σd) at once: with AVX, horizontal adds and one add of halves put the four sums in one 128-bit vector
    /// (a fraction of the instructions of four separate reductions); elsewhere, four <see cref="Sum"/>s.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T, T, T, T) Sum4(Simd256<T> a, Simd256<T> b, Simd256<T> c, Simd256<T> d)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float))
        {
            // [a01 a23 b01 b23 | a45 a67 b45 b67], the same for c and d, then [a b c d | a b c d] partial sums.
            var ab = Avx.HorizontalAdd(a.value.AsSingle(), b.value.AsSingle());
            var cd = Avx.HorizontalAdd(c.value.AsSingle(), d.value.AsSingle());
            var all = Avx.HorizontalAdd(ab, cd);
            var sums = (all.GetLower() + all.GetUpper()).As<float, T>();
            return (sums.GetElement(0), sums.GetElement(1), sums.GetElement(2), sums.GetElement(3));
        }
        if (Avx.IsSupported && typeof(T) == typeof(double))
        {
            // [a01 b01 | a23 b23] and [c01 d01 | c23 d23]; adding the halves gives [a b] and [c d].
            var ab = Avx.HorizontalAdd(a.value.AsDouble(), b.value.AsDouble());
            var cd = Avx.HorizontalAdd(c.value.AsDouble(), d.value.AsDouble());
            var first = (ab.GetLower() + ab.GetUpper()).As<double, T>();
            var second = (cd.GetLower() + cd.GetUpper()).As<double, T>();
            return (first.GetElement(0), first.GetElement(1), second.GetElement(0), second.GetElement(1));
        }
        return (Sum(a), Sum(b), Sum(c), Sum(d));
    }

    public static bool IsAccelerated => Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;
    public static int Count => Vector256<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256<T> Create(T v) => new(Vector256.Create(v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256<T> Load(ref T s, nuint i) => new(Vector256.LoadUnsafe(ref s, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Simd256<T> v, ref T d, nuint i) => v.value.StoreUnsafe(ref d, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256<T> Add(Simd256<T> a, Simd256<T> b) => new(a.value + b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256<T> Multiply(Simd256<T> a, Simd256<T> b) => new(a.value * b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256<T> Negate(Simd256<T> a) => new(-a.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Simd256<T> a) => Vector256.Sum(a.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> FusedMultiplyAdd(Simd256<T> a, Simd256<T> b, Simd256<T> c)
    {
        if (typeof(T) == typeof(float))
            return new(Vector256.FusedMultiplyAdd(a.value.AsSingle(), b.value.AsSingle(), c.value.AsSingle()).As<float, T>());
        if (typeof(T) == typeof(double))
            return new(Vector256.FusedMultiplyAdd(a.value.AsDouble(), b.value.AsDouble(), c.value.AsDouble()).As<double, T>());
        throw new NotSupportedException(typeof(T).Name);
    }
}

internal readonly struct Simd128<T>(Vector128<T> value) : ISimd<Simd128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector128<T> value = value;

    public static bool IsAccelerated => Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported;
    public static int Count => Vector128<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128<T> Create(T v) => new(Vector128.Create(v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128<T> Load(ref T s, nuint i) => new(Vector128.LoadUnsafe(ref s, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Simd128<T> v, ref T d, nuint i) => v.value.StoreUnsafe(ref d, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128<T> Add(Simd128<T> a, Simd128<T> b) => new(a.value + b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128<T> Multiply(Simd128<T> a, Simd128<T> b) => new(a.value * b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128<T> Negate(Simd128<T> a) => new(-a.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Simd128<T> a) => Vector128.Sum(a.value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> FusedMultiplyAdd(Simd128<T> a, Simd128<T> b, Simd128<T> c)
    {
        if (typeof(T) == typeof(float))
            return new(Vector128.FusedMultiplyAdd(a.value.AsSingle(), b.value.AsSingle(), c.value.AsSingle()).As<float, T>());
        if (typeof(T) == typeof(double))
            return new(Vector128.FusedMultiplyAdd(a.value.AsDouble(), b.value.AsDouble(), c.value.AsDouble()).As<double, T>());
        throw new NotSupportedException(typeof(T).Name);
    }
}
