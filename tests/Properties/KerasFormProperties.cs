using Momentum.Testing;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>The Keras form v ← βv − ηg, x ← x + v against the PyTorch/d2l form used throughout.</summary>
public class KerasFormProperties
{
    private static readonly Arbitrary<(double Beta, double[] Start, double[][] Gradients)> Runs =
        (from beta in Generators.Momentum
         from n in Gen.Choose(1, 6)
         from start in Gen.ArrayOf(Generators.Normal, n)
         from gradients in Gen.ArrayOf(Gen.ArrayOf(Generators.Normal, n), 30)
         select (beta, start, gradients)).ToArbitrary();

    private static double[] Run(IGradientTransformation optimizer, double[] start, double[][] gradients)
    {
        var state = optimizer.Start<double>(start);
        foreach (var g in gradients) state = optimizer.Step(state, g);
        return [.. state.Parameters];
    }

    [Property(MaxTest = 300)]
    public Property At_a_constant_learning_rate_the_Keras_form_gives_the_same_iterates() =>
        Prop.ForAll(Runs, Generators.LogUniform(1e-3, 1).ToArbitrary(), (run, eta) =>
        {
            var keras = Run(Optimizer.Keras(eta, run.Beta), run.Start, run.Gradients);
            var ours = Run(Optimizer.HeavyBall(eta, run.Beta), run.Start, run.Gradients);
            var scale = 1 + run.Start.Max(Math.Abs) + eta * run.Gradients.Length * run.Gradients.Length;
            return keras.Zip(ours).All(p => Math.Abs(p.First - p.Second) <= 1e-12 * scale);
        });

    [Property(MaxTest = 300)]
    public Property When_the_learning_rate_changes_the_two_forms_differ_by_the_rates_remembered_in_the_velocity() =>
        Prop.ForAll(Runs.Filter(r => r.Beta > 0.1 && r.Gradients.All(g => g.Any(x => Math.Abs(x) > 0.1))), run =>
        {
            // η halves after step 10. The PyTorch form rescales the whole velocity at once; Keras keeps old steps at the old rate.
            var schedule = Schedule.PiecewiseConstant([10], [0.1, 0.05]);
            var keras = Run(Optimizer.Keras(schedule, run.Beta), run.Start, run.Gradients[..11]);
            var ours = Run(Optimizer.HeavyBall(schedule, run.Beta), run.Start, run.Gradients[..11]);
            // After step 11 (index 10): PyTorch moved −0.05·v₁₁, Keras moved −0.05·g₁₁ − β·0.1·v₁₀: they differ by 0.05·β·v₁₀.
            var heavyBall = Optimizer.HeavyBall(0.1, run.Beta);
            var state = heavyBall.Start<double>(run.Start);
            foreach (var g in run.Gradients[..10]) state = heavyBall.Step(state, g);
            var velocity = state.Transform.Vector("trace");
            return Enumerable.Range(0, run.Start.Length).All(i =>
                Math.Abs(keras[i] - ours[i] - (-0.05 * run.Beta * velocity[i])) <= 1e-10 * (1 + Math.Abs(state.Parameters[i]) + Math.Abs(velocity[i])));
        });
}
