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

    private static double[] Keras(double beta, double[] start, double[][] gradients, Func<int, double> rate)
    {
        var (x, v) = ((double[])start.Clone(), new double[start.Length]);
        for (var t = 0; t < gradients.Length; t++) KerasMomentum.Step<double>(rate(t), beta, x, v, gradients[t], x, v);
        return x;
    }

    private static double[] Ours(double beta, double[] start, double[][] gradients, LearningRateSchedule schedule)
    {
        var state = Sgd.Init<double>(start);
        foreach (var g in gradients) state = Sgd.Step(SgdOptions.HeavyBall(1, beta), schedule, state, g);
        return [.. state.Parameters];
    }

    [Property(MaxTest = 300)]
    public Property At_a_constant_learning_rate_the_Keras_form_gives_the_same_iterates() =>
        Prop.ForAll(Runs, Generators.LogUniform(1e-3, 1).ToArbitrary(), (run, eta) =>
        {
            var keras = Keras(run.Beta, run.Start, run.Gradients, _ => eta);
            var ours = Ours(run.Beta, run.Start, run.Gradients, LearningRateSchedule.Constant(eta));
            var scale = 1 + run.Start.Max(Math.Abs) + eta * run.Gradients.Length * run.Gradients.Length;
            return keras.Zip(ours).All(p => Math.Abs(p.First - p.Second) <= 1e-12 * scale);
        });

    [Property(MaxTest = 300)]
    public Property When_the_learning_rate_changes_the_two_forms_differ_by_the_rates_remembered_in_the_velocity() =>
        Prop.ForAll(Runs.Filter(r => r.Beta > 0.1 && r.Gradients.All(g => g.Any(x => Math.Abs(x) > 0.1))), run =>
        {
            // η halves after step 10. The PyTorch form rescales the whole velocity at once; Keras keeps old steps at the old rate.
            var schedule = LearningRateSchedule.PiecewiseConstant([10], [0.1, 0.05]);
            var keras = Keras(run.Beta, run.Start, run.Gradients[..11], t => schedule.At(t));
            var ours = Ours(run.Beta, run.Start, run.Gradients[..11], schedule);
            // After step 11 (index 10): PyTorch moved −0.05·v₁₁, Keras moved −0.05·g₁₁ − β·0.1·v₁₀: they differ by 0.05·β·v₁₀.
            var before = Ours(run.Beta, run.Start, run.Gradients[..10], schedule);
            var state = Sgd.Init<double>(run.Start);
            foreach (var g in run.Gradients[..10]) state = Sgd.Step(SgdOptions.HeavyBall(0.1, run.Beta), state, g);
            return Enumerable.Range(0, run.Start.Length).All(i =>
                Math.Abs(keras[i] - ours[i] - (-0.05 * run.Beta * state.Velocity[i])) <= 1e-10 * (1 + Math.Abs(before[i]) + Math.Abs(state.Velocity[i])));
        });
}
