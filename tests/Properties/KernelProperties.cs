using Momentum.Testing;
using System.Numerics;
using Momentum.Kernels;
using Momentum.Optimizers;

namespace Momentum.Properties;

public class KernelProperties
{
    public sealed record StepCase(Sgd Options, bool Initialized, double[] X, double[] V, double[] G)
    {
        public override string ToString() => $"{Options}, initialized={Initialized}, n={X.Length}";
    }

    private static readonly Arbitrary<StepCase> Cases =
        (from options in Generators.ConstantSgd
         from initialized in Gen.Elements(false, true)
         from n in Generators.Length
         from x in Generators.Vector(n)
         from v in Generators.Vector(n)
         from g in Generators.Vector(n)
         select new StepCase(options, initialized, x, v, g)).ToArbitrary();

    /// <summary>A step kernel's shape, so the same properties run against each implementation.</summary>
    internal delegate void Kernel<T>(in StepCoefficients<T> c, ReadOnlySpan<T> x, ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> xOut, Span<T> vOut)
        where T : unmanaged, IFloatingPointIeee754<T>;

    private static bool EqualsReference<T>(StepCase c, Kernel<T> kernel, bool inPlace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (x, v, g) = (Reference.Cast<T>(c.X), Reference.Cast<T>(c.V), Reference.Cast<T>(c.G));
        var (xRef, vRef) = (new T[x.Length], new T[x.Length]);
        Reference.Step(c.Options, c.Initialized, x, v, g, xRef, vRef);
        var (xOut, vOut) = inPlace ? (x, v) : (new T[x.Length], new T[x.Length]);
        kernel(Reference.Coefficients<T>(c.Options, c.Initialized), x, v, g, xOut, vOut);
        // While β = 0 there is no buffer: the velocity destination is not written, so only the parameters are compared.
        return Reference.SameBits<T>(xOut, xRef) && (c.Options.Momentum.At(0) == 0 || Reference.SameBits<T>(vOut, vRef));
    }

    private static void Fused<T>(in StepCoefficients<T> c, ReadOnlySpan<T> x, ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> xo, Span<T> vo)
        where T : unmanaged, IFloatingPointIeee754<T> => SgdKernel.Step(c, x, v, g, xo, vo);

    private static void Composed<T>(in StepCoefficients<T> c, ReadOnlySpan<T> x, ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> xo, Span<T> vo)
        where T : unmanaged, IFloatingPointIeee754<T> => SgdKernel.StepComposed(c, x, v, g, xo, vo);

    [Property(MaxTest = 400)]
    public Property Step_out_of_place_equals_the_scalar_reference_in_double() =>
        Prop.ForAll(Cases, c => EqualsReference<double>(c, Fused, inPlace: false));

    [Property(MaxTest = 400)]
    public Property Step_out_of_place_equals_the_scalar_reference_in_float() =>
        Prop.ForAll(Cases, c => EqualsReference<float>(c, Fused, inPlace: false));

    [Property(MaxTest = 400)]
    public Property Step_in_place_equals_the_scalar_reference_in_double() =>
        Prop.ForAll(Cases, c => EqualsReference<double>(c, Fused, inPlace: true));

    [Property(MaxTest = 400)]
    public Property Step_in_place_equals_the_scalar_reference_in_float() =>
        Prop.ForAll(Cases, c => EqualsReference<float>(c, Fused, inPlace: true));

    [Property(MaxTest = 300)]
    public Property The_TensorPrimitives_composition_equals_the_scalar_reference_in_float_and_double() =>
        Prop.ForAll(Cases, Gen.Elements(false, true).ToArbitrary(), (c, inPlace) =>
            EqualsReference<float>(c, Composed, inPlace) && EqualsReference<double>(c, Composed, inPlace));

    [Property(MaxTest = 200)]
    public Property Step_equals_the_reference_on_every_offset_into_a_larger_buffer() =>
        Prop.ForAll(Cases, Gen.Choose(0, 17).ToArbitrary(), (c, offset) =>
        {
            // Misaligned starts: the same numbers at an offset into larger arrays give the same bits.
            var n = c.X.Length;
            double[] Pad(double[] a) { var p = new double[n + offset]; a.CopyTo(p, offset); return p; }
            var (x, v, g) = (Pad(c.X), Pad(c.V), Pad(c.G));
            var (xRef, vRef) = (new double[n], new double[n]);
            Reference.Step(c.Options, c.Initialized, c.X, c.V, c.G, xRef, vRef);
            SgdKernel.Step<double>(Reference.Coefficients<double>(c.Options, c.Initialized), x.AsSpan(offset), v.AsSpan(offset), g.AsSpan(offset), x.AsSpan(offset), v.AsSpan(offset));
            var noBuffer = c.Options.Momentum.At(0) == 0;
            var fused = Reference.SameBits<double>(x.AsSpan(offset), xRef) && (noBuffer || Reference.SameBits<double>(v.AsSpan(offset), vRef));
            var (xf, vf, gf) = (Reference.Cast<float>(Pad(c.X)), Reference.Cast<float>(Pad(c.V)), Reference.Cast<float>(Pad(c.G)));
            var (xfRef, vfRef) = (new float[n], new float[n]);
            Reference.Step(c.Options, c.Initialized, Reference.Cast<float>(c.X), Reference.Cast<float>(c.V), Reference.Cast<float>(c.G), xfRef, vfRef);
            SgdKernel.Step<float>(Reference.Coefficients<float>(c.Options, c.Initialized), xf.AsSpan(offset), vf.AsSpan(offset), gf.AsSpan(offset), xf.AsSpan(offset), vf.AsSpan(offset));
            return fused && Reference.SameBits<float>(xf.AsSpan(offset), xfRef) && (noBuffer || Reference.SameBits<float>(vf.AsSpan(offset), vfRef));
        });

    [Theory]
    [InlineData(1, 2, 2, 2, "velocity")]
    [InlineData(2, 1, 2, 2, "gradient")]
    [InlineData(2, 2, 3, 2, "parametersDestination")]
    [InlineData(2, 2, 2, 0, "velocityDestination")]
    public void Step_with_mismatched_lengths_throws_naming_the_parameter(int v, int g, int xOut, int vOut, string name)
    {
        foreach (var kernel in new Kernel<double>[] { Fused, Composed })
        {
            var e = Assert.Throws<ArgumentException>(() =>
                kernel(HeavyBall<double>(), new double[2], new double[v], new double[g], new double[xOut], new double[vOut]));
            Assert.Equal(name, e.ParamName);
        }
    }

    [Fact]
    public void Step_rejects_a_destination_that_partially_overlaps_its_input()
    {
        var buffer = new double[10];
        var e = Assert.Throws<ArgumentException>(() =>
            SgdKernel.Step<double>(HeavyBall<double>(), buffer.AsSpan(0, 8), new double[8], new double[8], buffer.AsSpan(1, 8), new double[8]));
        Assert.Equal("parametersDestination", e.ParamName);
    }

    [Fact]
    public void Step_rejects_a_destination_that_aliases_another_input()
    {
        var shared = new double[8];
        var e = Assert.Throws<ArgumentException>(() =>
            SgdKernel.Step<double>(HeavyBall<double>(), new double[8], new double[8], shared, new double[8], shared));
        Assert.Equal("velocityDestination", e.ParamName);
    }

    // Each aliasing rule on its own: spans 0 = parameters, 1 = velocity, 2 = gradient, 3 = parametersDestination,
    // 4 = velocityDestination; `shared` puts the second named span on the first one's memory (the same span, or shifted
    // by one for a partial overlap); every other span has its own array.
    public static TheoryData<int, int, bool, string> Aliasing() => new()
    {
        { 3, 0, true, "parametersDestination partially overlaps parameters: it must be the same span (in-place) or not overlap it. (Parameter 'parametersDestination')" },
        { 4, 1, true, "velocityDestination partially overlaps velocity: it must be the same span (in-place) or not overlap it. (Parameter 'velocityDestination')" },
        { 3, 1, false, "parametersDestination overlaps velocity: it may only alias its own input. (Parameter 'parametersDestination')" },
        { 3, 2, false, "parametersDestination overlaps gradient: it may only alias its own input. (Parameter 'parametersDestination')" },
        { 3, 4, false, "parametersDestination overlaps velocityDestination: it may only alias its own input. (Parameter 'parametersDestination')" },
        { 4, 0, false, "velocityDestination overlaps parameters: it may only alias its own input. (Parameter 'velocityDestination')" },
        { 4, 2, true, "velocityDestination overlaps gradient: it may only alias its own input. (Parameter 'velocityDestination')" },
    };

    [Theory]
    [MemberData(nameof(Aliasing))]
    public void Step_refuses_each_forbidden_alias_naming_both_spans(int destination, int other, bool shifted, string message)
    {
        var arrays = Enumerable.Range(0, 5).Select(_ => new double[9]).ToArray();
        Span<double> Span(int i) => i == destination ? arrays[other].AsSpan(shifted ? 1 : 0, 8) : arrays[i].AsSpan(0, 8);
        var e = Assert.Throws<ArgumentException>(() => SgdKernel.Step<double>(HeavyBall<double>(), Span(0), Span(1), Span(2), Span(3), Span(4)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Work_is_cut_into_whole_cache_lines_of_at_least_64_KiB()
    {
        // float: 16 to a 64-byte line, 16384 to 64 KiB; double: 8 and 8192; Half: 32 and 32768.
        Assert.Equal(16384, Partition.ChunkLength<float>(10, 2));
        Assert.Equal(8192, Partition.ChunkLength<double>(0, 1));
        Assert.Equal(500_000, Partition.ChunkLength<float>(1_000_000, 2));
        Assert.Equal(333_344, Partition.ChunkLength<float>(1_000_001, 3));   // ⌈1000001/3⌉ = 333334, up to 16·20834
        Assert.Equal(320_016, Partition.ChunkLength<float>(640_001, 2));     // ⌈640001/2⌉ = 320001, one past a line: up to 16·20001
        Assert.Equal(333_336, Partition.ChunkLength<double>(1_000_001, 3));  // up to 8·41667
        Assert.Equal(32_768, Partition.ChunkLength<Half>(5, 4));
        Assert.Equal(100_000, Partition.ChunkLength<Half>(199_990, 2));      // ⌈199990/2⌉ = 99995, up to 32·3125
        Assert.Equal(1 << 30, Partition.ChunkLength<float>(int.MaxValue, 2)); // ⌈(2³¹ − 1)/2⌉ = 2³⁰, without overflow
        Assert.Equal([0, 1, 1, 2, 3], new[] { (0, 8), (1, 8), (8, 8), (9, 8), (17, 8) }.Select(c => Partition.Count(c.Item1, c.Item2)));
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => Partition.ChunkLength<float>(-1, 1)).ParamName);
        Assert.Equal("workers", Assert.Throws<ArgumentOutOfRangeException>(() => Partition.ChunkLength<float>(1, 0)).ParamName);
    }

    private static StepCoefficients<T> HeavyBall<T>()
        where T : unmanaged, IFloatingPointIeee754<T> => Reference.Coefficients<T>(Optimizer.HeavyBall(0.1, 0.9), true);

    [Theory]
    [InlineData(1_000)]
    [InlineData(100_003)]
    public void Step_and_its_composition_allocate_nothing(int n)
    {
        var (x, v, g) = (new float[n], new float[n], new float[n]);
        var options = Reference.Coefficients<float>(Optimizer.Sgd(0.1, 0.9, weightDecay: 0.01, nesterov: true), true);
        SgdKernel.Step<float>(options, x, v, g, x, v); // JIT and static initialisation first
        SgdKernel.StepComposed<float>(options, x, v, g, x, v);
        Assert.Equal(0, Allocation.Fewest(5, () =>
        {
            for (var i = 0; i < 10; i++)
            {
                SgdKernel.Step<float>(options, x, v, g, x, v);
                SgdKernel.StepComposed<float>(options, x, v, g, x, v);
            }
        }));
    }

    [Property(MaxTest = 200)]
    public Property IndexOfFirst_finds_the_first_non_finite_value() =>
        Prop.ForAll(Generators.Length.Where(n => n > 0).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity).ToArbitrary(), (n, at, bad) =>
        {
            var values = new double[n];
            var index = at % n;
            values[index] = bad;
            if (index + 1 < n) values[n - 1] = double.NaN;
            return NonFinite.IndexOfFirst<double>(values) == index && NonFinite.IndexOfFirst<double>(new double[n]) == -1;
        });
}
