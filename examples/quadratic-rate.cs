#:project ../src/Core/Core.csproj
// A 1000-dimensional ill-conditioned quadratic, f(x) = ½ Σ λᵢxᵢ² with the λᵢ spread geometrically over [μ, L] =
// [0.001, 1] (condition number κ = 1000). Gradient descent, heavy ball and Nesterov run from x₀ = (1, …, 1) at the
// parameters their closed forms call optimal (Polyak 1964; Lessard, Recht, Packard 2016). The rate measured on the
// iterates, (‖x_k‖/‖x_j‖)^(1/(k − j)) between steps j = 2000 and k = 4000, is set beside the worst rate over [μ, L] that
// the theory reads off each method's own step (Tuning.WorstRate), and beside the closed form's rate. They agree to
// within (k/j)^(1/(k − j)) − 1 = 0.00035: gradient descent's measured rate is a little below the worst one (the modes
// inside [μ, L] contract faster than the ends), heavy ball's and Nesterov's a little above (at an end of [μ, L] their
// step has a double eigenvalue, so that mode shrinks like t·ρᵗ rather than ρᵗ).
//   dotnet run examples/quadratic-rate.cs
using System.Numerics.Tensors;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

const int n = 1000, j = 2000, k = 4000;
const double mu = 1e-3, L = 1;
var f = new DiagonalQuadratic([.. Enumerable.Range(0, n).Select(i => mu * Math.Pow(L / mu, i / (n - 1.0)))]);
var start = Enumerable.Repeat(1.0, n).ToArray();

foreach (var (name, optimal, optimizer) in new (string, OptimalParameters, Func<OptimalParameters, IGradientTransformation>)[]
{
    ("gradient descent", OptimalParameters.ForGradientDescent(mu, L), p => Optimizer.GradientDescent(p.LearningRate)),
    ("heavy ball", OptimalParameters.ForMomentum(mu, L), p => Optimizer.HeavyBall(p.LearningRate, p.Momentum)),
    ("nesterov", OptimalParameters.ForNesterov(mu, L), p => Optimizer.Nesterov(p.LearningRate, p.Momentum)),
})
{
    var method = optimizer(optimal);
    double normJ = double.NaN, normK = double.NaN;
    Trajectory.Run(f, method, start, steps: k, (step, x, _) =>
    {
        if (step == j) normJ = TensorPrimitives.Norm(x);
        if (step == k) normK = TensorPrimitives.Norm(x);
        return true;
    });
    var measured = Math.Pow(normK / normJ, 1.0 / (k - j));
    Console.WriteLine($"{name} (η = {optimal.LearningRate:F4}, β = {optimal.Momentum:F4}): measured rate {measured:F4}, "
        + $"read off its step {Tuning.WorstRate(method, mu, L):F4}, closed form {optimal.Rate:F4}");
}
