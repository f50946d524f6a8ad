// The F# twin of rosenbrock.cs: heavy ball and Nesterov on Rosenbrock's function with a warmup-cosine learning rate.
//   dotnet pack src/Core -o artifacts/packages   (once)
//   dotnet fsi examples/rosenbrock.fsx
#r "nuget: Momentum.Core, 0.2.0"
open System
open Momentum.Optimizers
open Momentum.Problems

/// f(x, y) = (1 − x)² + 100 (y − x²)² (Rosenbrock 1960), minimum 0 at (1, 1).
let rosenbrock =
    { new IObjective with
        member _.Dimension = 2
        member _.Value(p) = (1.0 - p[0]) ** 2.0 + 100.0 * (p[1] - p[0] * p[0]) ** 2.0
        member _.Gradient(p, g) =
            g[0] <- -2.0 * (1.0 - p[0]) - 400.0 * p[0] * (p[1] - p[0] * p[0])
            g[1] <- 200.0 * (p[1] - p[0] * p[0]) }

let cosine = Schedule.WarmupCosine(0.0, 2e-3, 200L, 20_000L, 1e-5)
for name, optimizer in
    [ "gradient descent", Optimizer.GradientDescent cosine :> IGradientTransformation
      "heavy ball", Optimizer.HeavyBall(cosine, 0.9)
      "nesterov", Optimizer.Nesterov(cosine, 0.9) ] do
    let final = Trajectory.Run(rosenbrock, optimizer, [| -1.5; 2.0 |], 20_000L, TrajectoryVisitor(fun _ _ _ -> true))
    printfn "%s: x = (%.4f, %.4f), f = %.2E" name final.Parameters[0] final.Parameters[1] (rosenbrock.Value(final.Parameters.AsSpan()))
