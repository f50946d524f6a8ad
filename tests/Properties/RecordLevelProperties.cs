using Momentum.Testing;
using System.Collections.Immutable;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>The record level: pure steps on immutable states, and the non-finite policies.</summary>
public class RecordLevelProperties
{
    private static readonly Arbitrary<(SgdOptions Options, double[] X, double[] G1, double[] G2)> Cases =
        (from options in Generators.Options
         from n in Generators.Length
         from x in Generators.Vector(n)
         from g1 in Generators.Vector(n)
         from g2 in Generators.Vector(n)
         select (options, x, g1, g2)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property A_step_never_writes_its_inputs() =>
        Prop.ForAll(Cases, c =>
        {
            var first = SgdLegacy.Step(c.Options, SgdLegacy.Init<double>(c.X), c.G1);
            var (parameters, velocity) = (first.Parameters.ToArray(), first.Velocity.ToArray());
            var gradient = (double[])c.G2.Clone();
            var second = SgdLegacy.Step(c.Options, first, gradient);
            return first.Parameters.SequenceEqual(parameters) && first.Velocity.SequenceEqual(velocity)
                && gradient.SequenceEqual(c.G2) && second.Step == 2 && !ReferenceEquals(first, second);
        });

    [Property(MaxTest = 300)]
    public Property The_record_level_equals_the_span_kernel() =>
        Prop.ForAll(Cases, c =>
        {
            var state = SgdLegacy.Step(c.Options, SgdLegacy.Step(c.Options, SgdLegacy.Init<double>(c.X), c.G1), c.G2);
            var (x, v) = ((double[])c.X.Clone(), new double[c.X.Length]);
            Momentum.Kernels.SgdKernel.Step<double>(c.Options, false, x, v, c.G1, x, v);
            Momentum.Kernels.SgdKernel.Step<double>(c.Options, c.Options.Momentum != 0, x, v, c.G2, x, v);
            return Reference.SameBits<double>(state.Parameters.AsSpan(), x) && Reference.SameBits<double>(state.Velocity.AsSpan(), v);
        });

    [Property(MaxTest = 200)]
    public Property A_non_finite_gradient_throws_naming_the_first_bad_index_and_changes_nothing() =>
        Prop.ForAll(Cases.Filter(c => c.X.Length > 0), Gen.Choose(0, 10_000).ToArbitrary(), (c, at) =>
        {
            var state = SgdLegacy.Step(c.Options, SgdLegacy.Init<double>(c.X), c.G1);
            var gradient = (double[])c.G2.Clone();
            var index = at % gradient.Length;
            gradient[index] = double.NaN;
            gradient[^1] = double.PositiveInfinity;
            var e = Record.Exception(() => SgdLegacy.Step(c.Options, state, gradient));
            return e is NonFiniteGradientException bad && bad.Index == index && bad.Step == 1 && e.Message.Contains($"gradient[{index}]");
        });

    [Property(MaxTest = 200)]
    public Property Skipping_a_non_finite_gradient_keeps_parameters_velocity_and_step_and_counts_the_skip() =>
        Prop.ForAll(Cases.Filter(c => c.X.Length > 0), c =>
        {
            var state = SgdLegacy.Step(c.Options, SgdLegacy.Init<double>(c.X), c.G1);
            var gradient = (double[])c.G2.Clone();
            gradient[gradient.Length / 2] = double.NegativeInfinity;
            var skipped = SgdLegacy.Step(c.Options, state, gradient, NonFinitePolicy.Skip);
            return skipped.Parameters == state.Parameters && skipped.Velocity == state.Velocity
                && skipped.Step == state.Step && skipped.SkippedSteps == state.SkippedSteps + 1;
        });

    [Fact]
    public void States_are_equal_by_value()
    {
        var a = SgdLegacy.Init<float>([1f, 2f]);
        var b = new SgdState<float>([1f, 2f], [0f, 0f]);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Step = 1 });
    }

    [Fact]
    public void A_state_refuses_parameters_and_velocity_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => new SgdState<double>([1.0, 2.0], [0.0]));
        Assert.Equal("velocity", e.ParamName);
    }
}
