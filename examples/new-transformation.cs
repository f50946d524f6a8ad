#:project ../src/Core/Core.csproj
// A new transformation in one small record, chained with the built-ins: normalise the gradient to unit length, then
// heavy ball. On the chapter's ill-conditioned f(x) = 0.1x₁² + 2x₂², compared with plain heavy ball.
//   dotnet run examples/new-transformation.cs
using System.Numerics;
using Momentum.Optimizers;
using Momentum.Problems;

var f = TwoDimensionalQuadratic.Chapter;
foreach (var (name, optimizer) in new (string, IGradientTransformation)[]
{
    ("heavy ball", Optimizer.HeavyBall(0.05, 0.9)),
    ("normalised, then heavy ball", new Chain(new NormalizeGradient(), Optimizer.HeavyBall(0.05, 0.9))),
    ("normalised, clipped by value, then heavy ball", new Chain(new NormalizeGradient(), new ClipByValue(0.5), Optimizer.HeavyBall(0.05, 0.9))),
})
{
    var end = Trajectory.Collect(f, optimizer, [-5.0, -2.0], steps: 60)[^1];
    Console.WriteLine($"{name}: f after 60 steps = {end.Value:E2}");
}

/// <summary>u = g/‖g‖ (normalised gradient descent; Nesterov, "Introductory Lectures", 2004, §3.2.3); 0 stays 0.</summary>
sealed record NormalizeGradient : GradientTransformation
{
    public override StateShape Shape => StateShape.Empty;

    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var norm = T.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<T>(updates));
        if (norm > T.Zero) System.Numerics.Tensors.TensorPrimitives.Divide(updates, norm, updates);
    }
}
