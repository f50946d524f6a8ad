using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>d2l §11.6.1.1: the velocity is a leaky average of past gradients with weights β^τ summing to 1/(1 − β).</summary>
public class LeakyAverageProperties
{
    private static readonly Arbitrary<(double Beta, double[][] Gradients)> Histories =
        (from beta in Generators.Momentum
         from n in Gen.Choose(1, 5)
         from t in Gen.Choose(1, 60)
         from gradients in Gen.ArrayOf(Gen.ArrayOf(Generators.Normal, n), t)
         select (beta, gradients)).ToArbitrary();

    /// <summary>v_t, the direction <see cref="Trace"/> gives after these gradients (the gradient itself while β = 0).</summary>
    private static double[] Velocity(double beta, double[][] gradients)
    {
        var trace = new Trace(beta);
        var x = new double[gradients[0].Length];
        var state = trace.Init<double>(x);
        var velocity = x;
        foreach (var g in gradients)
        {
            var (u, next) = trace.Update<double>(g, state, x);
            (velocity, state) = (u.ToArray(), next);
        }
        return velocity;
    }

    [Property(MaxTest = 300)]
    public Property The_velocity_is_the_sum_of_past_gradients_weighted_by_beta_to_the_lag() =>
        Prop.ForAll(Histories, h =>
        {
            var (beta, gradients) = h;
            var n = gradients[0].Length;
            var velocity = Velocity(beta, gradients);

            var t = gradients.Length;
            for (var i = 0; i < n; i++)
            {
                // v_t = Σ_{τ=0}^{t−1} β^τ g_{t−τ}
                double sum = 0, scale = 0;
                for (var tau = 0; tau < t; tau++)
                {
                    var term = EffectiveSampleWeights.Weight(beta, tau) * gradients[t - 1 - tau][i];
                    sum += term;
                    scale += Math.Abs(term);
                }
                if (Math.Abs(velocity[i] - sum) > 1e-13 * t * (scale + 1e-300))
                    return false.Label($"coordinate {i}: velocity {velocity[i]:R}, sum {sum:R}");
            }
            return true.ToProperty();
        });

    [Property(MaxTest = 300)]
    public Property A_constant_gradient_gives_a_velocity_equal_to_the_partial_sum_of_the_weights() =>
        Prop.ForAll(Generators.Momentum.ToArbitrary(), Gen.Choose(1, 400).ToArbitrary(), (beta, t) =>
        {
            var velocity = Velocity(beta, [.. Enumerable.Repeat(new[] { 1.0 }, t)]);
            var sum = EffectiveSampleWeights.Sum(beta, t);
            return Math.Abs(velocity[0] - sum) <= 1e-12 * t * sum
                && Math.Abs(EffectiveSampleWeights.Weights(beta, t).Sum() - sum) <= 1e-12 * t * sum;
        });

    [Property(MaxTest = 300)]
    public Property The_sum_of_the_weights_tends_to_one_over_one_minus_beta() =>
        Prop.ForAll(Generators.Momentum.Where(b => b < 1 - 1e-6).ToArbitrary(), beta =>
        {
            var limit = EffectiveSampleWeights.EffectiveCount(beta);
            // After h steps the missing tail is β^h/(1 − β); choose h so it is below 1e−10 of the limit.
            var horizon = beta == 0 ? 1 : (int)Math.Min(Math.Ceiling(Math.Log(1e-10) / Math.Log(beta)) + 1, int.MaxValue);
            var partial = EffectiveSampleWeights.Sum(beta, horizon);
            return partial <= limit * (1 + 1e-15) && limit - partial <= 1e-9 * limit
                && EffectiveSampleWeights.Sum(beta, horizon / 2) < partial;
        });

    [Fact]
    public void The_books_betas_average_about_20_10_2_5_and_1_gradients()
    {
        Assert.Equal(20, EffectiveSampleWeights.EffectiveCount(0.95), 12);
        Assert.Equal(10, EffectiveSampleWeights.EffectiveCount(0.9), 12);
        Assert.Equal(2.5, EffectiveSampleWeights.EffectiveCount(0.6), 12);
        Assert.Equal(1, EffectiveSampleWeights.EffectiveCount(0));
        Assert.Equal("momentum", Assert.Throws<Momentum.Optimizers.HyperparameterException>(() => EffectiveSampleWeights.EffectiveCount(1)).ParamName);
    }
}
