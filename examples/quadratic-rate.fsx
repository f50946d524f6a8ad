// The F# twin of quadratic-rate.cs: a 1000-dimensional quadratic with condition number 1000; gradient descent, heavy
// ball and Nesterov at their optimal parameters; the rate measured on the iterates against the rate read off each
// method's own step and against the closed form.
//   dotnet pack src/Core -o artifacts/packages   (once)
//   dotnet fsi examples/quadratic-rate.fsx
#r "nuget: Momentum.Core, 0.2.0"
open System.Collections.Immutable
open System.Numerics.Tensors
open Momentum.Optimizers
open Momentum.Problems
open Momentum.Theory

let n, j, k = 1000, 2000L, 4000L
let mu, L = 1e-3, 1.0
let f = DiagonalQuadratic(ImmutableArray.CreateRange [ for i in 0 .. n - 1 -> mu * (L / mu) ** (float i / float (n - 1)) ])
let start = Array.create n 1.0

for name, optimal, build in
    [ "gradient descent", OptimalParameters.ForGradientDescent(mu, L), fun (p: OptimalParameters) -> Optimizer.GradientDescent p.LearningRate :> IGradientTransformation
      "heavy ball", OptimalParameters.ForMomentum(mu, L), fun p -> Optimizer.HeavyBall(p.LearningRate, p.Momentum)
      "nesterov", OptimalParameters.ForNesterov(mu, L), fun p -> Optimizer.Nesterov(p.LearningRate, p.Momentum) ] do
    let meth = build optimal
    let normJ, normK = ref nan, ref nan
    let visit =
        TrajectoryVisitor(fun step x _ ->
            if step = j then normJ.Value <- TensorPrimitives.Norm x
            if step = k then normK.Value <- TensorPrimitives.Norm x
            true)
    Trajectory.Run(f, meth, start, k, visit) |> ignore
    let measured = (normK.Value / normJ.Value) ** (1.0 / float (k - j))
    printfn "%s (η = %.4f, β = %.4f): measured rate %.4f, read off its step %.4f, closed form %.4f"
        name optimal.LearningRate optimal.Momentum measured (Tuning.WorstRate(meth, mu, L)) optimal.Rate
