// The F# twin of verify-my-optimizer.cs: a user-defined transformation checked with Momentum.Testing's harnesses.
//   dotnet pack src/Core -o artifacts/packages && dotnet pack src/Testing -o artifacts/packages   (once)
//   dotnet fsi examples/verify-my-optimizer.fsx           every claim holds
//   dotnet fsi examples/verify-my-optimizer.fsx --bug     a planted bug: FsCheck prints the shrunk counterexample
#r "nuget: Momentum.Testing, 0.2.0"
open System
open System.Numerics
open FsCheck
open FsCheck.FSharp
open Momentum.Optimizers
open Momentum.Testing

/// Heavy ball with a leaky velocity, v ← βv + (1 − β)g, x ← x − ηv. The planted bug reads coordinate 0's gradient.
type LeakyHeavyBall =
    { LearningRate: float; Momentum: float; Bug: bool }
    interface IGradientTransformation with
        member _.Shape = StateShape.Of([ "velocity" ])
        member this.Update<'T when 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>>
            (updates: Span<'T>, state: StateBuffers<'T>, _parameters: ReadOnlySpan<'T>, _step: int64) : unit =
            let velocity = state.Vector 0
            let beta, eta = 'T.CreateChecked this.Momentum, 'T.CreateChecked this.LearningRate
            for i in 0 .. velocity.Length - 1 do
                let g = updates[if this.Bug then 0 else i]
                velocity[i] <- 'T.op_Addition('T.op_Multiply(beta, velocity[i]), 'T.op_Multiply('T.op_Subtraction('T.One, beta), g))
                updates[i] <- 'T.op_Multiply('T.op_UnaryNegation eta, velocity[i])

let bug = fsi.CommandLineArgs |> Array.contains "--bug"
let betas = ArbMap.defaults |> ArbMap.arbitrary<int> |> Arb.filter (fun k -> k > 0 && k < 100)   // β = k/100
let mine k = { LearningRate = 0.05; Momentum = float k / 100.0; Bug = bug } :> IGradientTransformation
// On ½λx² the paper's matrix for (x, v): x' = (1 − η(1 − β)λ)x − ηβv, v' = (1 − β)λx + βv.
let claimed k (l: float) =
    let b = float k / 100.0
    array2D [ [ 1.0 - 0.05 * (1.0 - b) * l; -0.05 * b ]; [ (1.0 - b) * l; b ] ]
try
    Harness.LinearMap(betas, mine, claimed).QuickCheckThrowOnFailure()
    Harness.ConvergesWhereTheRateIsBelowOne(betas, mine).QuickCheckThrowOnFailure()
    Harness.EigenDecoupling(betas, mine).QuickCheckThrowOnFailure()
    Harness.SpanLevelEqualsRecordLevel(betas, mine).QuickCheckThrowOnFailure()
    printfn "LeakyHeavyBall: every claim holds"
with e ->
    printfn "%s" e.Message
    exit 1
