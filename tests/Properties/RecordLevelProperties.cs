using Momentum.Testing;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>The record level of torch SGD: pure steps on immutable states against the scalar reference, and the non-finite policies.</summary>
public class RecordLevelProperties
{
    private static readonly Arbitrary<(Sgd Options, double[] X, double[] G1, double[] G2)> Cases =
        (from options in Generators.ConstantSgd
         from n in Generators.Length
         from x in Generators.Vector(n)
         from g1 in Generators.Vector(n)
         from g2 in Generators.Vector(n)
         select (options, x, g1, g2)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Two_record_level_steps_equal_PyTorchs_loop_written_element_by_element() =>
        Prop.ForAll(Cases, c =>
        {
            var state = c.Options.Step(c.Options.Step(c.Options.Start<double>(c.X), c.G1), c.G2);
            var n = c.X.Length;
            var (x1, v1, x2, v2) = (new double[n], new double[n], new double[n], new double[n]);
            Reference.Step(c.Options, false, c.X, new double[n], c.G1, x1, v1);
            Reference.Step(c.Options, c.Options.Momentum.At(0) != 0, x1, v1, c.G2, x2, v2);
            return (Reference.SameBits<double>(state.Parameters.AsSpan(), x2) && Reference.SameBits<double>(state.Transform.Vector("trace").AsSpan(), v2)
                && state.Step == 2 && state.Transform.Scalar("initialized") == (c.Options.Momentum.At(0) != 0 ? 1 : 0))
                .Label($"{c.Options}: {state}");
        });

    [Property(MaxTest = 200)]
    public Property A_non_finite_gradient_throws_naming_the_first_bad_index_and_its_step() =>
        Prop.ForAll(Cases.Filter(c => c.X.Length > 0), Gen.Choose(0, 10_000).ToArbitrary(), (c, at) =>
        {
            var state = c.Options.Step(c.Options.Start<double>(c.X), c.G1);
            var gradient = (double[])c.G2.Clone();
            var index = at % gradient.Length;
            gradient[index] = double.NaN;
            gradient[^1] = double.PositiveInfinity;
            var e = Record.Exception(() => c.Options.Step(state, gradient));
            return e is NonFiniteGradientException bad && bad.Index == index && bad.Step == 1 && e.Message.Contains($"gradient[{index}]");
        });

    [Property(MaxTest = 200)]
    public Property Skipping_a_non_finite_gradient_keeps_parameters_state_and_step_and_counts_the_skip() =>
        Prop.ForAll(Cases.Filter(c => c.X.Length > 0), c =>
        {
            var state = c.Options.Step(c.Options.Start<double>(c.X), c.G1);
            var gradient = (double[])c.G2.Clone();
            gradient[gradient.Length / 2] = double.NegativeInfinity;
            var skipped = c.Options.Step(state, gradient, NonFinitePolicy.Skip);
            return skipped.Parameters == state.Parameters && skipped.Transform == state.Transform
                && skipped.Step == state.Step && skipped.SkippedSteps == state.SkippedSteps + 1;
        });

    [Fact]
    public void States_are_equal_by_value()
    {
        var sgd = Optimizer.HeavyBall(0.1, 0.9);
        var a = sgd.Start<float>([1f, 2f]);
        var b = sgd.Start<float>([1f, 2f]);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { SkippedSteps = 1 });
        Assert.NotEqual(a, sgd.Step(b, [0f, 0f]));
    }
}
