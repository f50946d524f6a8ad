#:project ../src/Testing/Testing.csproj
// Verify your own optimizer with Momentum.Testing's harnesses.
//   dotnet run examples/verify-my-optimizer.cs           every claim holds
//   dotnet run examples/verify-my-optimizer.cs -- --bug  a planted bug: FsCheck prints the shrunk counterexample
using FsCheck;
using FsCheck.Fluent;
using Momentum.Optimizers;
using Momentum.Testing;

var bug = args.Contains("--bug");
var betas = ArbMap.Default.ArbFor<int>().Filter(k => k is > 0 and < 100);   // β = k/100, shrunk towards small k
IGradientTransformation Mine(int k) => new LeakyHeavyBall(0.05, k / 100.0, bug);
// On ½λx² the paper's matrix for (x, v): x' = (1 − η(1 − β)λ)x − ηβv, v' = (1 − β)λx + βv.
double[,] Claimed(int k, double l) { var b = k / 100.0; return new[,] { { 1 - 0.05 * (1 - b) * l, -0.05 * b }, { (1 - b) * l, b } }; }
try
{
    Harness.LinearMap(betas, Mine, Claimed).QuickCheckThrowOnFailure();
    Harness.ConvergesWhereTheRateIsBelowOne(betas, Mine).QuickCheckThrowOnFailure();
    Harness.EigenDecoupling(betas, Mine).QuickCheckThrowOnFailure();
    Harness.SpanLevelEqualsRecordLevel(betas, Mine).QuickCheckThrowOnFailure();
    Harness.CheckpointRoundTrip(betas.Generator.Select(Mine), Catalog.Default.With<LeakyHeavyBall>()).QuickCheckThrowOnFailure();
}
catch (Exception e)
{
    Console.WriteLine(e.Message);
    return 1;
}
Console.WriteLine("LeakyHeavyBall: every claim holds");
return 0;

/// <summary>Heavy ball with a leaky velocity, v ← βv + (1 − β)g, x ← x − ηv. The planted bug reads coordinate 0's gradient.</summary>
sealed record LeakyHeavyBall(double LearningRate, double Momentum, bool Bug) : GradientTransformation
{
    public override StateShape Shape => StateShape.Of(["velocity"]);

    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var velocity = state.Vector(0);
        var (beta, eta) = (T.CreateChecked(Momentum), T.CreateChecked(LearningRate));
        for (var i = 0; i < velocity.Length; i++)
        {
            velocity[i] = beta * velocity[i] + (T.One - beta) * updates[Bug ? 0 : i];
            updates[i] = -eta * velocity[i];
        }
    }
}
