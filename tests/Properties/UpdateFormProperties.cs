using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Testing;

namespace Momentum.Properties;

/// <summary>QHM's update form and Trace's saved state and span-level checks, each against its definition.</summary>
public class UpdateFormProperties
{
    [Property(MaxTest = 200)]
    public Property Qhms_update_is_minus_alpha_times_the_gradient_and_the_new_buffer_mixed_by_nu() =>
        Prop.ForAll(
            (from alpha in Generators.Uniform(0, 1)
             from beta in Generators.Uniform(0, 0.99)
             from nu in Gen.Elements(0.0, 0.3, 0.7, 1.0)
             from n in Gen.Choose(1, 20)
             from seed in Gen.Choose(0, 10_000)
             select (alpha, beta, nu, n, seed)).ToArbitrary(),
            c =>
            {
                // Ma & Yarats, "Quasi-hyperbolic momentum and Adam for deep learning", ICLR 2019, eq. (3):
                // b ← βb + (1 − β)g, update −α[(1 − ν)g + νb], with b starting at 0.
                var (alpha, beta, nu, n, seed) = c;
                var random = new Random(seed);
                double[] Vector() => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2)];
                var (p, g1, g2) = (Vector(), Vector(), Vector());
                var qhm = Optimizer.Qhm(alpha, beta, nu);
                var (_, after1) = qhm.Update(g1, qhm.Init(p), p);
                var (updates, _) = qhm.Update(g2, after1, p);
                var held = true.ToProperty();
                for (var i = 0; i < n; i++)
                {
                    var b = beta * ((1 - beta) * g1[i]) + (1 - beta) * g2[i];
                    var expected = -alpha * ((1 - nu) * g2[i] + nu * b);
                    held = held.And((Math.Abs(updates[i] - expected) <= 1e-14 * (1 + Math.Abs(expected))).Label($"u[{i}] = {updates[i]:R}, expected {expected:R}"));
                }
                return held;
            });

    [Fact]
    public void Traces_state_is_named_as_optax_names_it_so_saved_states_read_back()
    {
        // A state saved by this release: the buffer "trace" and the flag "initialized" (Optax's TraceState, PyTorch's
        // momentum_buffer once set). Renaming either breaks every saved checkpoint.
        var trace = new Trace(0.9);
        using var saved = JsonDocument.Parse("""{"length": 2, "count": 1, "vectors": {"trace": [0.5, -0.25]}, "scalars": {"initialized": 1}}""");
        var state = TransformationJson.ReadState<double>(saved.RootElement, trace.Shape);
        Assert.Equal([0.5, -0.25], state.Vectors.ToArray());
        Assert.Equal([1.0], state.Scalars.ToArray());
    }

    [Fact]
    public void A_traces_span_level_update_refuses_buffers_of_another_shape_by_name()
    {
        // Buffers laid out for QHM (one vector, no scalar), handed to Trace (one vector and its "initialized" flag).
        var trace = new Trace(0.9);
        var e = Assert.Throws<ArgumentException>(() =>
            trace.Update<double>(new double[] { 1.0, 1.0 }, new StateBuffers<double>(new double[2], [], 2), new double[2], 0));
        Assert.Contains("state", e.ParamName ?? e.Message);
    }

    [Fact]
    public void Nesterov_refuses_a_dampening_schedule_at_the_first_step_it_turns_non_zero()
    {
        // PyTorch: "Nesterov momentum requires a momentum and zero dampening". A schedule that is 0 at first passes the
        // constructor; the update at the step where it becomes 0.5 must refuse it, naming that step, and run before it.
        var trace = new Trace(0.9, Schedule.PiecewiseConstant([2], [0.0, 0.5]), nesterov: true);
        var state = trace.Init<double>([1.0, 2.0]);
        for (var step = 0; step < 2; step++) (_, state) = trace.Update<double>([0.5, -0.5], state, [1.0, 2.0]);
        var e = Assert.Throws<HyperparameterException>(() => trace.Update<double>([0.5, -0.5], state, [1.0, 2.0]));
        Assert.Equal((nameof(Trace), nameof(Trace.Dampening), 0.5, 2L), (e.Transformation, e.Name, e.Value, e.Step));
    }

    [Fact]
    public void Sgds_nesterov_refuses_a_dampening_schedule_at_the_first_step_it_turns_non_zero()
    {
        // The same rule in Sgd's fused step (its own hyperparameter check), on the span level.
        var sgd = new Sgd(0.1, 0.9, Schedule.PiecewiseConstant([2], [0.0, 0.5]), nesterov: true);
        var (x, trace, scalars) = (new[] { 1.0, 2.0 }, new double[2], new double[1]);
        for (var step = 0; step < 2; step++) sgd.Step<double>(new[] { 0.5, -0.5 }, new StateBuffers<double>(trace, scalars, 2), x, step);
        var e = Assert.Throws<HyperparameterException>(() => sgd.Step<double>(new[] { 0.5, -0.5 }, new StateBuffers<double>(trace, scalars, 2), x, 2));
        Assert.Equal((nameof(Sgd), nameof(Sgd.Dampening), 0.5, 2L), (e.Transformation, e.Name, e.Value, e.Step));
    }
}
