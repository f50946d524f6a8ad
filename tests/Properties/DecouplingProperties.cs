using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// d2l §11.6.3.1: on h(x) = ½ xᵀQx + xᵀc + b with Q = OᵀΛO, the change of variables z = O(x − x*) turns every method into
/// independent scalar iterations, one per eigenvalue λᵢ.
/// </summary>
public class DecouplingProperties
{
    public sealed record Problem(double[,] O, double[] Lambda, double[] C, double[] Start, double Momentum, double LearningRate, int Method)
    {
        public override string ToString() =>
            $"n={Lambda.Length}, λ=[{string.Join(", ", Lambda.Select(l => l.ToString("G4")))}], β={Momentum}, η={LearningRate}, method={Method}";
    }

    // λ ∈ [0.05, 20]; η keeps every direction convergent or mildly divergent, so 40 steps stay well inside double range.
    private static readonly Arbitrary<Problem> Problems =
        (from n in Gen.Choose(2, 6)
         from o in Generators.Orthogonal(n)
         from lambda in Gen.ArrayOf(Generators.LogUniform(0.05, 20), n)
         from c in Gen.ArrayOf(Generators.Normal, n)
         from start in Gen.ArrayOf(Generators.Normal, n)
         from method in Gen.Choose(0, 2)
         from momentum in method == 0 ? Gen.Constant(0.0) : Generators.Momentum.Where(b => b > 0)
         from scale in Generators.Uniform(0.05, 2.2)
         select new Problem(o, lambda, c, start, momentum, scale * (1 + momentum) / lambda.Max(), method)).ToArbitrary();

    private static Sgd OptionsOf(Problem p) => p.Method switch
    {
        0 => Optimizer.GradientDescent(p.LearningRate),
        1 => Optimizer.HeavyBall(p.LearningRate, p.Momentum),
        _ => Optimizer.Nesterov(p.LearningRate, p.Momentum),
    };

    [Property(MaxTest = 300)]
    public Property Every_method_on_a_rotated_quadratic_decouples_into_scalar_iterations_along_the_eigenvectors() =>
        Prop.ForAll(Problems, p =>
        {
            const int steps = 40;
            var n = p.Lambda.Length;
            var h = Quadratic.FromEigenbasis(p.O, p.Lambda, p.C);
            var minimizer = h.Minimizer();
            var full = Trajectory.Collect(h, OptionsOf(p), p.Start, steps);

            // z = O(x − x*) in the eigenbasis, where each coordinate sees ½ λᵢ zᵢ².
            double[] ToEigen(IReadOnlyList<double> x) =>
                [.. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => p.O[i, j] * (x[j] - minimizer[j])))];
            var scalar = Trajectory.Collect(new DiagonalQuadratic([.. p.Lambda]), OptionsOf(p), ToEigen(p.Start), steps);

            var size = full.Max(x => ToEigen(x.Point).Max(Math.Abs)) + 1;
            for (var t = 0; t <= steps; t++)
            {
                var z = ToEigen(full[t].Point);
                for (var i = 0; i < n; i++)
                    if (Math.Abs(z[i] - scalar[t].Point[i]) > 1e-9 * size)
                        return false.Label($"step {t}, coordinate {i}: rotated {z[i]} vs scalar {scalar[t].Point[i]}");
            }
            return true.ToProperty();
        });

    public sealed record Rotated(double[,] O, double[] Lambda, double[] C, double[] Start, IGradientTransformation Method)
    {
        public override string ToString() => $"n={Lambda.Length}, λ=[{string.Join(", ", Lambda.Select(l => l.ToString("G4")))}], {Method}";
    }

    // Every linear method of the family, stable or mildly unstable on λ ∈ [0.05, 20]; weight decay is left out, since it
    // moves the fixed point away from h's minimizer (the decay pulls toward 0, not toward x*).
    private static readonly Arbitrary<Rotated> Family =
        (from n in Gen.Choose(2, 5)
         from o in Generators.Orthogonal(n)
         from lambda in Gen.ArrayOf(Generators.LogUniform(0.05, 20), n)
         from c in Gen.ArrayOf(Generators.Normal, n)
         from start in Gen.ArrayOf(Generators.Normal, n)
         from beta in Generators.Uniform(0.05, 0.95)
         from nu in Generators.Unit
         from scale in Generators.Uniform(0.05, 1)
         let eta = scale / lambda.Max()
         from method in Gen.Elements<IGradientTransformation>(
             Optimizer.Nesterov(eta, beta), Optimizer.Qhm(eta, beta, nu), Optimizer.AggMo(eta, 0, beta, 0.99),
             Optimizer.Keras(eta, beta, nesterov: nu > 0.5), new Sgd(eta, beta, dampening: nu), Optimizer.HeavyBall(eta, beta))
         select new Rotated(o, lambda, c, start, method)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Every_linear_method_of_the_family_decouples_and_each_direction_follows_its_own_map() =>
        Prop.ForAll(Family, p =>
        {
            // The optimizer on h(x) = ½xᵀQx + cᵀx, seen in the eigenbasis z = O(x − x*), against each direction's own
            // LinearMap (z ← R(λᵢ) z from the optimizer's first step): the theory of one direction is the whole theory.
            const int steps = 40;
            var n = p.Lambda.Length;
            var h = Quadratic.FromEigenbasis(p.O, p.Lambda, p.C);
            var minimizer = h.Minimizer();
            double[] ToEigen(IReadOnlyList<double> x) =>
                [.. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => p.O[i, j] * (x[j] - minimizer[j])))];
            var run = Trajectory.Collect(h, p.Method, p.Start, steps);
            var method = LinearMethod.Of(p.Method);
            var start = ToEigen(p.Start);
            var states = Enumerable.Range(0, n).Select(i => method.At(p.Lambda[i]).AfterFirstStep(start[i]).ToArray()).ToArray();
            var size = 1 + start.Max(Math.Abs);
            for (var t = 1; t <= steps; t++)
            {
                var z = ToEigen(run[t].Point);
                for (var i = 0; i < n; i++)
                {
                    size = Math.Max(size, Math.Abs(states[i][0]));
                    if (Math.Abs(z[i] - states[i][0]) > 1e-9 * size)
                        return false.Label($"step {t}, direction {i}: rotated {z[i]:R}, the map {states[i][0]:R}");
                    states[i] = [.. method.At(p.Lambda[i]).Apply(states[i])];
                }
            }
            return true.ToProperty();
        });
}
