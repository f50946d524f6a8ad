using Momentum.Testing;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>
/// The record level of torch SGD: pure steps on immutable states against the scalar reference, the non-finite policies,
/// and the donating step (its bits are checked for every transformation by <see cref="Harness.SpanLevelEqualsRecordLevel(Gen{IGradientTransformation}, int)"/>).
/// </summary>
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
            return e is NonFiniteGradientException bad && bad.Index == index && bad.Step == 1 && bad.Value.Equals(gradient[index])
                && e.Message.Contains($"gradient[{index}]");
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

    [Fact]
    public void A_donated_state_and_its_copies_refuse_to_be_read_naming_the_step_they_went_to()
    {
        var sgd = Optimizer.HeavyBall(0.1, 0.9);
        var state = sgd.Step(sgd.Step(sgd.Start<double>([1.0, -2.0, 3.0]), [0.5, 0.5, 0.5]), [0.25, 0.0, -1.0]);
        var copy = state with { };
        var expected = sgd.Step(state, [1.0, 1.0, 1.0]);
        var next = sgd.StepDonating(state, [1.0, 1.0, 1.0]);

        Assert.Equal(expected, next);
        foreach (var read in new Action[]
                 {
                     () => _ = state.Parameters, () => _ = state.Transform, () => _ = copy.Parameters, () => _ = state.Step,
                     () => sgd.Step(state, [1.0, 1.0, 1.0]), () => sgd.StepDonating(copy, [1.0, 1.0, 1.0]), () => state.Equals(next),
                 })
        {
            var e = Assert.Throws<InvalidOperationException>(read);
            Assert.StartsWith("this optimizer state was donated to step 3 (StepDonating)", e.Message);
        }
        Assert.Equal("OptimizerState { donated to step 3, SkippedSteps = 0 }", state.ToString());
        Assert.Equal(4, sgd.StepDonating(next, [0.0, 0.0, 0.0]).Step);
        Assert.Throws<InvalidOperationException>(() => next.Parameters);
    }

    [Fact]
    public void A_donating_step_that_throws_for_a_non_finite_gradient_leaves_its_state_usable()
    {
        var sgd = Optimizer.Nesterov(0.1, 0.9);
        var state = sgd.Step(sgd.Start<float>([1f, 2f, 3f]), [1f, 1f, 1f]);
        var before = state.Parameters.ToArray();
        var e = Assert.Throws<NonFiniteGradientException>(() => sgd.StepDonating(state, [0f, float.NaN, float.PositiveInfinity]));
        Assert.Equal((1, 1L), (e.Index, e.Step));
        Assert.Equal(before, state.Parameters.ToArray());
        Assert.Equal(sgd.Step(state, [1f, 2f, 3f]), sgd.StepDonating(state, [1f, 2f, 3f]));
    }

    [Fact]
    public void A_donating_step_that_skips_a_non_finite_gradient_keeps_the_values_counts_the_skip_and_takes_every_state_sharing_them()
    {
        var sgd = Optimizer.HeavyBall(0.1, 0.9);
        var state = sgd.Step(sgd.Start<double>([1.0, 2.0]), [1.0, -1.0]);
        var (parameters, vectors) = (state.Parameters.ToArray(), state.Transform.Vectors.ToArray());
        var skippedByStep = sgd.Step(state, [double.NaN, 0.0], NonFinitePolicy.Skip);   // shares state's arrays
        var skipped = sgd.StepDonating(state, [double.NaN, 0.0], NonFinitePolicy.Skip);
        Assert.Equal(parameters, skipped.Parameters.ToArray());
        Assert.Equal(vectors, skipped.Transform.Vectors.ToArray());
        Assert.Equal((1L, 1L), (skipped.Step, skipped.SkippedSteps));
        Assert.Throws<InvalidOperationException>(() => state.Parameters);
        Assert.Throws<InvalidOperationException>(() => skippedByStep.Parameters);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.StepDonating(skipped, [0.0, 0.0], NonFinitePolicy.Stop));
        Assert.Equal(1L, skipped.Step);
    }

    [Property(MaxTest = 200)]
    public Property A_gradient_that_is_the_states_own_parameters_is_read_before_they_are_overwritten() =>
        Prop.ForAll(Cases, c =>
        {
            var transformations = new IGradientTransformation[] { c.Options, Optimizer.Sgdw(0.1, 0.9, 0.01), Optimizer.Qhm(0.1, 0.9, 0.7) };
            return transformations.All(t =>
            {
                var state = t.Step(t.Start<double>(c.X), c.G1);
                var expected = t.Step(state, state.Parameters);
                return t.StepDonating(state, state.Parameters).Equals(expected);
            });
        });

    [Fact]
    public void A_state_whose_parameters_and_buffer_are_one_array_is_stepped_in_fresh_arrays_with_Steps_bits()
    {
        var sgd = Optimizer.HeavyBall(0.1, 0.9);
        var shared = System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(new[] { 1.0, -2.0, 3.0 });
        var state = new OptimizerState<double>(shared, new TransformState<double>(sgd.Shape, 3, shared, [1.0], 1));
        var expected = sgd.Step(state, [0.5, 0.25, -1.0]);
        var donated = sgd.StepDonating(state, [0.5, 0.25, -1.0]);
        Assert.Equal(expected, donated);
        Assert.Equal([1.0, -2.0, 3.0], shared.ToArray());
    }

    [Fact]
    public void A_donating_fold_of_a_chain_allocates_no_vectors()
    {
        var sgdw = Optimizer.Sgdw(0.01, 0.9, 1e-4);
        var gradient = Enumerable.Range(0, 100_000).Select(i => Math.Sin(i)).ToArray();
        var state = sgdw.StepDonating(sgdw.Start(new double[100_000]), gradient);
        var fewest = Allocation.Fewest(3, () =>
        {
            for (var t = 0; t < 10; t++) state = sgdw.StepDonating(state, gradient);
        });
        Assert.InRange(fewest, 1, 10 * 1000);   // the new records, never 10⁵ values (800 kB) a step
        Assert.Equal(31, state.Step);
    }
}
