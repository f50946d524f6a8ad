#:project ../src/Core/Core.csproj
// Heavy ball and Nesterov on Rosenbrock's function, with a warmup-cosine learning rate.
//   dotnet run examples/rosenbrock.cs
using Momentum.Optimizers;
using Momentum.Problems;

var rosenbrock = new Rosenbrock();
var cosine = Schedule.WarmupCosine(initial: 0, peak: 2e-3, warmupSteps: 200, decaySteps: 20_000, final: 1e-5);
foreach (var (name, optimizer) in new (string, IGradientTransformation)[]
{
    ("gradient descent", Optimizer.GradientDescent(cosine)),
    ("heavy ball", Optimizer.HeavyBall(cosine, momentum: 0.9)),
    ("nesterov", Optimizer.Nesterov(cosine, momentum: 0.9)),
})
{
    var end = Trajectory.Run(rosenbrock, optimizer, [-1.5, 2.0], steps: 20_000, (_, _, _) => true);
    Console.WriteLine($"{name}: x = ({end.Parameters[0]:F4}, {end.Parameters[1]:F4}), f = {rosenbrock.Value(end.Parameters.AsSpan()):E2}");
}

/// <summary>f(x, y) = (1 − x)² + 100 (y − x²)² (Rosenbrock 1960), minimum 0 at (1, 1).</summary>
sealed class Rosenbrock : IObjective
{
    public int Dimension => 2;
    public double Value(ReadOnlySpan<double> p) => Math.Pow(1 - p[0], 2) + 100 * Math.Pow(p[1] - p[0] * p[0], 2);

    public void Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        g[0] = -2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] * p[0]);
        g[1] = 200 * (p[1] - p[0] * p[0]);
    }
}
