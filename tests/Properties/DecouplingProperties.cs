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

    private static SgdOptions OptionsOf(Problem p) => p.Method switch
    {
        0 => SgdOptions.GradientDescent(p.LearningRate),
        1 => SgdOptions.HeavyBall(p.LearningRate, p.Momentum),
        _ => SgdOptions.NesterovMomentum(p.LearningRate, p.Momentum),
    };

    [Property(MaxTest = 300)]
    public Property Every_method_on_a_rotated_quadratic_decouples_into_scalar_iterations_along_the_eigenvectors() =>
        Prop.ForAll(Problems, p =>
        {
            const int steps = 40;
            var n = p.Lambda.Length;
            var h = Quadratic.FromEigenbasis(p.O, p.Lambda, p.C);
            var minimizer = h.Minimizer();
            var full = LegacyTrajectory.Run(h, OptionsOf(p), p.Start, steps);

            // z = O(x − x*) in the eigenbasis, where each coordinate sees ½ λᵢ zᵢ².
            double[] ToEigen(IReadOnlyList<double> x) =>
                [.. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => p.O[i, j] * (x[j] - minimizer[j])))];
            var scalar = LegacyTrajectory.Run(new DiagonalQuadratic([.. p.Lambda]), OptionsOf(p), ToEigen(p.Start), steps);

            var size = full.Points.Max(x => ToEigen(x).Max(Math.Abs)) + 1;
            for (var t = 0; t <= steps; t++)
            {
                var z = ToEigen(full.Points[t]);
                for (var i = 0; i < n; i++)
                    if (Math.Abs(z[i] - scalar.Points[t][i]) > 1e-9 * size)
                        return false.Label($"step {t}, coordinate {i}: rotated {z[i]} vs scalar {scalar.Points[t][i]}");
            }
            return true.ToProperty();
        });
}
