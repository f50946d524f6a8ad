using Momentum.Testing;
using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>
/// The shape every gradient transformation shares: the record level computes the span level's bits, composition is
/// faithful, the fused SGD step is its chain, inputs are never written, hyperparameters are checked where they are used.
/// </summary>
public class TransformationProperties
{
    /// <summary>A transformation, a start and a few gradients of one length.</summary>
    public sealed record Run(IGradientTransformation Transformation, double[] Start, double[][] Gradients)
    {
        public override string ToString() =>
            $"{Transformation}, n = {Start.Length}, start = [{string.Join(", ", Start.Take(4))}…], {Gradients.Length} steps";
    }

    private static Gen<Run> RunsOf(Gen<IGradientTransformation> transformations) =>
        from t in transformations
        from n in Generators.Length
        from start in Gen.ArrayOf(Generators.Normal, n)
        from steps in Gen.Choose(1, 6)
        from gradients in Gen.ArrayOf(Gen.ArrayOf(Generators.Normal, n), steps)
        select new Run(t, start, gradients);

    private static readonly Arbitrary<Run> Runs = RunsOf(Generators.Transformation).ToArbitrary();

    private static readonly Arbitrary<Run> SgdRuns = RunsOf(Generators.TorchSgd.Select(s => (IGradientTransformation)s)).ToArbitrary();

    /// <summary>The span level driven by hand: caller-owned buffers, in place.</summary>
    internal static (T[] Parameters, T[] Vectors, double[] Scalars) SpanSteps<T>(IGradientTransformation t, double[] start, double[][] gradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = Reference.Cast<T>(start);
        var (vectors, scalars) = (new T[t.Shape.Vectors.Length * x.Length], new double[t.Shape.Scalars.Length]);
        t.Init<T>(x, new StateBuffers<T>(vectors, scalars, x.Length));
        for (var k = 0; k < gradients.Length; k++)
            t.Step<T>(Reference.Cast<T>(gradients[k]), new StateBuffers<T>(vectors, scalars, x.Length), x, k);
        return (x, vectors, scalars);
    }

    /// <summary>
    /// Optax's form, x ← x + u with u from <c>Update</c>, against the in-place <c>Step</c>: two code paths wherever a
    /// transformation writes its own step (Sgd, AggMo, Lookahead, Polyak averaging, MultiSteps, ApplyIfFinite,
    /// Schedule-Free), and the only path a chain takes through its links. The parameters and every state value agree to
    /// the rounding of x + u (one ε of the parameters per step), for every member, wrapper and chain of two.
    /// Bound: at most 6 steps of contracting or η ≤ 1 updates on values of size ~3, a few ε (~10⁻¹⁵) of rounding apart
    /// per step; the tolerance, 10⁻¹² relative, leaves a factor of 10² or more.
    /// </summary>
    [Property(MaxTest = 400)]
    public Property The_update_form_applied_to_the_parameters_is_the_in_place_step() =>
        Prop.ForAll(Runs, run =>
        {
            var t = run.Transformation;
            var n = run.Start.Length;
            var (stepped, steppedVectors, steppedScalars) = SpanSteps<double>(t, run.Start, run.Gradients);
            var x = run.Start.ToArray();
            var (vectors, scalars) = (new double[t.Shape.Vectors.Length * n], new double[t.Shape.Scalars.Length]);
            t.Init<double>(x, new StateBuffers<double>(vectors, scalars, n));
            for (var k = 0; k < run.Gradients.Length; k++)
            {
                var updates = run.Gradients[k].ToArray();
                t.Update<double>(updates, new StateBuffers<double>(vectors, scalars, n), x, k);
                for (var i = 0; i < n; i++) x[i] += updates[i];
            }
            static bool Near(double a, double b) => a == b || Math.Abs(a - b) <= 1e-12 * (1 + Math.Abs(a) + Math.Abs(b));
            var parameters = Enumerable.Range(0, n).FirstOrDefault(i => !Near(stepped[i], x[i]), -1);
            var vector = Enumerable.Range(0, vectors.Length).FirstOrDefault(i => !Near(steppedVectors[i], vectors[i]), -1);
            var scalar = Enumerable.Range(0, scalars.Length).FirstOrDefault(i => !Near(steppedScalars[i], scalars[i]), -1);
            return (parameters < 0 && vector < 0 && scalar < 0).Label(
                parameters >= 0 ? $"x[{parameters}]: step {stepped[parameters]:R}, update form {x[parameters]:R}"
                : vector >= 0 ? $"vectors[{vector}] ({t.Shape.Vectors[vector / n]}): step {steppedVectors[vector]:R}, update form {vectors[vector]:R}"
                : scalar >= 0 ? $"scalar {t.Shape.Scalars[scalar]}: step {steppedScalars[scalar]:R}, update form {scalars[scalar]:R}" : "");
        });

    /// <summary>
    /// <c>Init</c> writes the whole state, whatever the buffers held before: a caller may reuse buffers (the span level's
    /// contract), so a count, flag or accumulator that Init leaves alone, or an inner state it forgets to start, shows
    /// as a difference from the state started in fresh, zeroed buffers.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Init_writes_the_whole_state_whatever_the_buffers_held() =>
        Prop.ForAll(Runs, run =>
        {
            var t = run.Transformation;
            var n = run.Start.Length;
            var (vectors, scalars) = (new double[t.Shape.Vectors.Length * n], new double[t.Shape.Scalars.Length]);
            t.Init<double>(run.Start, new StateBuffers<double>(vectors, scalars, n));
            var (reused, reusedScalars) = (Enumerable.Repeat(7.5, vectors.Length).ToArray(), Enumerable.Repeat(7.5, scalars.Length).ToArray());
            t.Init<double>(run.Start, new StateBuffers<double>(reused, reusedScalars, n));
            var vector = Enumerable.Range(0, vectors.Length).FirstOrDefault(i => vectors[i] != reused[i], -1);
            var scalar = Enumerable.Range(0, scalars.Length).FirstOrDefault(i => scalars[i] != reusedScalars[i], -1);
            return (vector < 0 && scalar < 0).Label(
                vector >= 0 ? $"{t.Shape.Vectors[vector / n]}[{vector % n}]: {vectors[vector]:R} from fresh buffers, {reused[vector]:R} from reused ones"
                : scalar >= 0 ? $"{t.Shape.Scalars[scalar]}: {scalars[scalar]:R} from fresh buffers, {reusedScalars[scalar]:R} from reused ones" : "");
        });

    [Property(MaxTest = 400)]
    public Property The_record_level_step_computes_the_span_level_bits_at_every_length_and_offset() =>
        Harness.SpanLevelEqualsRecordLevel(Generators.Transformation);

    [Property(MaxTest = 200)]
    public Property Every_linear_method_decouples_into_its_eigen_directions() =>
        Harness.EigenDecoupling(Generators.LinearMethod);

    [Property(MaxTest = 200)]
    public Property Every_transformation_and_state_survives_a_checkpoint_and_resumes_exactly() =>
        Harness.CheckpointRoundTrip(Generators.Transformation);

    [Property(MaxTest = 300)]
    public Property The_record_level_update_computes_the_span_level_bits() =>
        Prop.ForAll(Runs, run =>
        {
            var t = run.Transformation;
            var x = run.Start;
            var state = t.Init<double>(x);
            var (vectors, scalars) = (new double[t.Shape.Vectors.Length * x.Length], new double[t.Shape.Scalars.Length]);
            t.Init<double>(x, new StateBuffers<double>(vectors, scalars, x.Length));
            for (var k = 0; k < run.Gradients.Length; k++)
            {
                var (updates, next) = t.Update<double>(run.Gradients[k], state, x);
                var buffer = (double[])run.Gradients[k].Clone();
                t.Update<double>(buffer, new StateBuffers<double>(vectors, scalars, x.Length), x, k);
                if (!Reference.SameBits<double>(updates.AsSpan(), buffer) || !Reference.SameBits<double>(next.Vectors.AsSpan(), vectors) || next.Count != k + 1)
                    return false.Label($"update {k} differs");
                state = next;
            }
            return true.ToProperty();
        });

    [Property(MaxTest = 300)]
    public Property A_record_level_step_leaves_the_callers_arrays_and_the_old_state_as_they_were() =>
        Prop.ForAll(Runs, run =>
        {
            var t = run.Transformation;
            var state = t.Start<double>(run.Start);
            foreach (var g in run.Gradients)
            {
                var (parameters, vectors, scalars) = (state.Parameters.ToArray(), state.Transform.Vectors.ToArray(), state.Transform.Scalars.ToArray());
                var gradient = (double[])g.Clone();
                var next = t.Step(state, gradient);
                if (!gradient.SequenceEqual(g) || !state.Parameters.SequenceEqual(parameters)
                    || !state.Transform.Vectors.SequenceEqual(vectors) || !state.Transform.Scalars.SequenceEqual(scalars)
                    || ReferenceEquals(next, state))
                    return false;
                state = next;
            }
            return true;
        });

    [Property(MaxTest = 500)]
    public Property The_fused_Sgd_step_equals_its_chain_step_to_the_bit() =>
        Prop.ForAll(SgdRuns, run =>
        {
            var sgd = (Sgd)run.Transformation;
            bool Same<T>() where T : unmanaged, IFloatingPointIeee754<T>
            {
                var fused = SpanSteps<T>(sgd, run.Start, run.Gradients);
                var chained = SpanSteps<T>(sgd.AsChain(), run.Start, run.Gradients);
                return Reference.SameBits<T>(fused.Parameters, chained.Parameters) && Reference.SameBits<T>(fused.Vectors, chained.Vectors)
                    && fused.Scalars.SequenceEqual(chained.Scalars);
            }
            return Same<double>() && Same<float>();
        });

    [Property(MaxTest = 300)]
    public Property The_Sgd_update_equals_its_chain_update_to_the_bit() =>
        Prop.ForAll(SgdRuns, run =>
        {
            var sgd = (Sgd)run.Transformation;
            var chain = sgd.AsChain();
            var (a, b) = (sgd.Init<float>(Reference.Cast<float>(run.Start)), chain.Init<float>(Reference.Cast<float>(run.Start)));
            foreach (var g in run.Gradients)
            {
                var (ua, na) = sgd.Update<float>(Reference.Cast<float>(g), a, Reference.Cast<float>(run.Start));
                var (ub, nb) = chain.Update<float>(Reference.Cast<float>(g), b, Reference.Cast<float>(run.Start));
                if (!Reference.SameBits<float>(ua.AsSpan(), ub.AsSpan()) || !Reference.SameBits<float>(na.Vectors.AsSpan(), nb.Vectors.AsSpan())) return false;
                (a, b) = (na, nb);
            }
            return true;
        });

    [Property(MaxTest = 300)]
    public Property A_chain_ending_in_a_learning_rate_steps_with_one_rounding_as_PyTorch_adds_with_alpha() =>
        Prop.ForAll(SgdRuns, Generators.LogUniform(1e-4, 1).ToArbitrary(), (run, eta) =>
        {
            // Step of Chain(Trace, Scale(−η)) = fma(direction, −η, x), where the direction is Chain(Trace)'s update.
            var direction = new Chain(new Trace(0.9));
            var chain = new Chain(new Trace(0.9), new ScaleByLearningRate(eta));
            var x = run.Start;
            var (d, _) = direction.Update<double>(run.Gradients[0], direction.Init<double>(x), x);
            var stepped = chain.Step(chain.Start<double>(x), run.Gradients[0]);
            return Enumerable.Range(0, x.Length).All(i => stepped.Parameters[i].Equals(Math.FusedMultiplyAdd(d[i], -eta, x[i])));
        });

    [Property(MaxTest = 200)]
    public Property Chaining_is_associative_and_the_empty_chain_is_the_identity() =>
        Prop.ForAll(RunsOf(Generators.Transformation).ToArbitrary(), Generators.Transformation.ToArbitrary(), Generators.Transformation.ToArbitrary(), (run, b, c) =>
        {
            var a = run.Transformation;
            var flat = new Chain(a, b, c);
            var nested = new Chain(a, new Chain(new Chain(), b, c));
            var (x1, v1, s1) = SpanSteps<double>(flat, run.Start, run.Gradients);
            var (x2, v2, s2) = SpanSteps<double>(nested, run.Start, run.Gradients);
            var identity = new Chain().Update<double>(run.Gradients[0], new Chain().Init<double>(run.Start), run.Start).Updates;
            return Reference.SameBits<double>(x1, x2) && Reference.SameBits<double>(v1, v2) && s1.SequenceEqual(s2)
                && identity.SequenceEqual(run.Gradients[0]);
        });

    [Property(MaxTest = 200)]
    public Property Scale_multiplies_every_update_by_its_factor_and_the_empty_chain_steps_by_adding_the_gradient() =>
        Prop.ForAll(RunsOf(Generators.Transformation).ToArbitrary(), Generators.Normal.ToArbitrary(), (run, c) =>
        {
            var g = run.Gradients[0];
            var scaled = new Scale(c).Update<double>(g, new Scale(c).Init<double>(run.Start), run.Start).Updates;
            var negated = new Scale(-1).Update<double>(g, new Scale(-1).Init<double>(run.Start), run.Start).Updates;
            var stepped = new Chain().Step(new Chain().Start<double>(run.Start), g).Parameters;
            return Enumerable.Range(0, g.Length).All(i =>
                scaled[i].Equals(c * g[i]) && negated[i].Equals(-g[i]) && stepped[i].Equals(run.Start[i] + g[i]));
        });

    [Fact]
    public void Span_level_steps_allocate_nothing()
    {
        IGradientTransformation[] all =
        [
            Optimizer.HeavyBall(0.1, 0.9), Optimizer.Nesterov(0.1, 0.9), Optimizer.Sgd(0.1, 0.9, 0.1, 1e-4),
            new Sgd(0.1, 0.9).AsChain(), Optimizer.Sgdw(0.1, 0.9, 1e-4), Optimizer.Qhm(0.1, 0.9, 0.7), Optimizer.AggMo(0.1, 0, 0.9, 0.99),
            Optimizer.Keras(0.1, 0.9), Optimizer.ScheduleFree(0.1), Optimizer.Demon(0.1, 0.9, 100),
            Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.9)), Optimizer.Polyak(Optimizer.HeavyBall(0.1, 0.9)),
            Optimizer.Accumulate(Optimizer.HeavyBall(0.1, 0.9), 2), Optimizer.SkipNonFinite(Optimizer.HeavyBall(0.1, 0.9), 1),
            new Chain(new ClipByGlobalNorm(1), new ClipByValue(1), Optimizer.HeavyBall(0.1, 0.9)),
        ];
        foreach (var t in all)
        {
            var n = 1000;
            var (x, g) = (new float[n], new float[n]);
            var (vectors, scalars) = (new float[t.Shape.Vectors.Length * n], new double[t.Shape.Scalars.Length]);
            t.Init<float>(x, new StateBuffers<float>(vectors, scalars, n));
            // The fewest bytes of three rounds of 100 steps (Allocation.Fewest: the runtime's one-off work lands in one).
            var step = 0L;
            var fewest = Allocation.Fewest(3, () =>
            {
                for (var k = 0; k < 100; k++) t.Step<float>(g, new StateBuffers<float>(vectors, scalars, n), x, step++);
            });
            Assert.True(fewest == 0, $"{t} allocated {fewest} bytes in 100 steps");
        }
    }

    public static TheoryData<string, Func<object>, string> Refusals() => new()
    {
        { "Trace.Momentum = 1: must be in [0, 1)", () => new Trace(1.0), "Momentum" },
        { "Trace.Momentum = -0.1: must be in [0, 1)", () => new Trace(-0.1), "Momentum" },
        { "Trace.Dampening = 1.5: must be in [0, 1]", () => new Trace(0.5, 1.5), "Dampening" },
        { "Trace.Momentum = 0: must be > 0 with Nesterov momentum", () => new Trace(0.0, nesterov: true), "Momentum" },
        { "Sgd.Dampening = 0.1: must be 0 with Nesterov momentum", () => new Sgd(0.1, 0.9, 0.1, nesterov: true), "Dampening" },
        { "Sgd.LearningRate = -0.1: must be ≥ 0", () => new Sgd(-0.1), "LearningRate" },
        { "Sgd.LearningRate = NaN: must be a finite number ≥ 0", () => new Sgd(double.NaN), "LearningRate" },
        { "Sgd.LearningRate = Infinity: must be a finite number ≥ 0", () => new Sgd(double.PositiveInfinity), "LearningRate" },
        { "Sgd.Momentum = NaN: must be in [0, 1)", () => new Sgd(0.1, double.NaN), "Momentum" },
        { "Qhm.Nu = 1.2: must be in [0, 1]", () => Optimizer.Qhm(0.1, 0.9, 1.2), "Nu" },
        { "AggMo.Betas = 1: must be in [0, 1)", () => Optimizer.AggMo(0.1, 0, 1), "Betas" },
        { "ScheduleFree.Momentum = 0: must be in (0, 1)", () => Optimizer.ScheduleFree(0.1, 0), "Momentum" },
        { "Lookahead.SyncPeriod = 0: must be an integer ≥ 1", () => Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.5), 0), "SyncPeriod" },
        { "ClipByGlobalNorm.MaxNorm = 0: must be > 0", () => new ClipByGlobalNorm(0), "MaxNorm" },
        { "MultiSteps.Every = 0: must be an integer ≥ 1", () => Optimizer.Accumulate(Optimizer.HeavyBall(0.1, 0.5), 0), "Every" },
        { "DemonSchedule.Initial = 1: must be in [0, 1)", () => Schedule.Demon(1, 10), "Initial" },
        { "WarmupCosineSchedule.DecaySteps = 5: must be greater than WarmupSteps = 5", () => Schedule.WarmupCosine(0, 1, 5, 5, 0), "DecaySteps" },
        { "Trace.Momentum = 1: must be in [0, 1)", () => new Trace(0.5) with { Momentum = 1.0 }, "Momentum" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_hyperparameter_outside_its_range_is_refused_with_its_name_and_what_is_allowed(string message, Func<object> create, string name)
    {
        var e = Assert.Throws<HyperparameterException>(create);
        Assert.Equal(message, e.Message);
        Assert.Equal(name, e.Name);
        Assert.Null(e.Step);
    }

    [Fact]
    public void A_schedule_that_leaves_the_range_is_refused_at_the_step_where_it_does()
    {
        var momentum = Schedule.PiecewiseConstant([3], [0.9, 1.5]);
        var optimizer = Optimizer.HeavyBall(0.1, momentum);
        var state = optimizer.Start<double>([1.0]);
        for (var k = 0; k < 3; k++) state = optimizer.Step(state, [1.0]);
        var e = Assert.Throws<HyperparameterException>(() => optimizer.Step(state, [1.0]));
        Assert.Equal(("Sgd", "Momentum", 1.5, 3L), (e.Transformation, e.Name, e.Value, e.Step));
        Assert.Equal("Sgd.Momentum = 1.5: must be in [0, 1) (the schedule's value at step 3)", e.Message);
    }

    [Fact]
    public void A_non_finite_gradient_throws_with_its_step_and_index_or_is_skipped_and_counted()
    {
        var optimizer = Optimizer.HeavyBall(0.1, 0.9);
        var state = optimizer.Step(optimizer.Start<double>([1.0, 2.0, 3.0]), [1.0, 1.0, 1.0]);
        var e = Assert.Throws<NonFiniteGradientException>(() => optimizer.Step(state, [1.0, double.NaN, 1.0]));
        Assert.Equal((1L, 1), (e.Step, e.Index));
        var skipped = optimizer.Step(state, [1.0, double.PositiveInfinity, 1.0], NonFinitePolicy.Skip);
        Assert.Equal(state with { SkippedSteps = 1 }, skipped);
    }

    [Fact]
    public void A_state_of_another_shape_or_length_is_refused()
    {
        var heavyBall = Optimizer.HeavyBall(0.1, 0.9);
        var qhm = Optimizer.Qhm(0.1, 0.9, 0.7);
        var state = heavyBall.Start<double>([1.0, 2.0]);
        Assert.Throws<ArgumentException>(() => qhm.Step(state, [1.0, 1.0]));
        Assert.Throws<ArgumentException>(() => heavyBall.Step(state, [1.0]));
        Assert.Throws<ArgumentException>(() => heavyBall.Update<double>([1.0], state.Transform, [1.0]));
    }

    [Fact]
    public void States_and_transformations_print_their_values()
    {
        var optimizer = Optimizer.HeavyBall(0.6, 0.5);
        var state = optimizer.Step(optimizer.Start<double>([-5.0, -2.0]), [-1.0, -8.0]);
        Assert.Equal("Sgd { LearningRate = 0.6, Momentum = 0.5, Dampening = 0, WeightDecay = 0, Nesterov = False, Maximize = False }", optimizer.ToString());
        Assert.Equal("OptimizerState { Parameters = [-4.4, 2.8], Transform = TransformState { Count = 1, trace = [-1, -8], initialized = 1 }, SkippedSteps = 0 }",
            state.ToString().Replace("OptimizerState`1", "OptimizerState").Replace("TransformState`1", "TransformState"));
        var long_ = optimizer.Start<double>([.. Enumerable.Range(0, 20).Select(i => (double)i)]);
        Assert.Contains("[0, 1, 2, … (14 more) …, 17, 18, 19]", long_.ToString());
    }
}
