/// The public API driven the way an F# user drives it: folds over immutable states, pipelines, a chain trained on a
/// model, a transformation and a schedule written in F#, and the Momentum.Testing harnesses from F#.
module Momentum.FSharp.Tests

open System
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Momentum.Optimizers
open Momentum.Problems
open Momentum.Training
open Momentum.Testing

/// Sign descent, u = −η·sign(g) (Bernstein et al., "signSGD", ICML 2018), written in F# as a record, so it compares and
/// serialises by its field.
type SignDescent =
    { LearningRate: float }
    interface IGradientTransformation with
        member _.Shape = StateShape.Empty
        member this.Update<'T when 'T: unmanaged and 'T: (new: unit -> 'T) and 'T: struct and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>>
            (updates: Span<'T>, _state: StateBuffers<'T>, _parameters: ReadOnlySpan<'T>, _step: int64) : unit =
            let eta = 'T.CreateChecked(-this.LearningRate)
            for i in 0 .. updates.Length - 1 do
                updates[i] <- 'T.op_Multiply(eta, 'T.CreateChecked('T.Sign(updates[i])))

/// ∇f for the chapter's f(x) = 0.1x₁² + 2x₂² (d2l eq. 11.6.4).
let chapterGradient (x: float[]) = [| 0.2 * x[0]; 4.0 * x[1] |]

[<Fact>]
let ``Folding the chapter's momentum over twenty steps ends where the book prints`` () =
    let momentum = Optimizer.HeavyBall(0.6, 0.5)
    let final =
        Seq.init 20 id
        |> Seq.fold (fun (state: OptimizerState<float>) _ -> momentum.Step(state, chapterGradient (Seq.toArray state.Parameters))) (momentum.Start [| -5.0; -2.0 |])
    Assert.Equal("0.007188, 0.002553", sprintf "%.6f, %.6f" final.Parameters[0] final.Parameters[1])
    Assert.Equal(20L, final.Step)

[<Fact>]
let ``The donating fold ends where the pure fold ends, and a donated state cannot be read`` () =
    let momentum = Optimizer.HeavyBall(0.6, 0.5)
    let fold step =
        Seq.init 20 id
        |> Seq.fold (fun (state: OptimizerState<float>) _ -> step state (chapterGradient (Seq.toArray state.Parameters))) (momentum.Start [| -5.0; -2.0 |])
    let start = momentum.Start [| -5.0; -2.0 |]
    let stepped = fold (fun state g -> momentum.Step(state, g))
    let donating = fold (fun state g -> momentum.StepDonating(state, g))
    Assert.Equal(stepped, donating)
    momentum.StepDonating(start, [| 0.0; 0.0 |]) |> ignore
    Assert.Throws<InvalidOperationException>(fun () -> start.Parameters |> ignore) |> ignore

[<Fact>]
let ``States print their values with %A and ToString`` () =
    let momentum = Optimizer.HeavyBall(0.6, 0.5)
    let state = momentum.Step(momentum.Start [| -5.0; -2.0 |], [| -1.0; -8.0 |])
    Assert.Contains("Parameters = [-4.4, 2.8]", sprintf "%A" state)
    Assert.Contains("trace = [-1, -8]", state.ToString())

[<Fact>]
let ``A chain with clipping trains logistic regression through the library's fold`` () =
    let random = Random 3
    let rows = 300
    let features = Array.init (rows * 2) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let labels = Array.init rows (fun i -> if features[2 * i] + 0.5 * features[2 * i + 1] > 0.0 then 1.0 else 0.0)
    let data = Dataset<float>(Collections.Immutable.ImmutableArray.Create<float>(features), Collections.Immutable.ImmutableArray.Create<float>(labels), 2)
    let objective = LogisticRegression<float>(data)
    let optimizer = Chain(ClipByGlobalNorm 1.0, Optimizer.Qhm(0.5, 0.9, 0.7))
    let result = Trainer.Train(objective, TrainingOptions(optimizer, BatchSize = 10, Epochs = 20, RecordEvery = 300), [| 0.0; 0.0; 0.0 |])
    Assert.True(objective.Accuracy(result.Final.Parameters.AsSpan()) > 0.95)
    Assert.True(result.History |> Seq.last |> fun p -> p.Loss < 0.3)

[<Fact>]
let ``A transformation written in F# steps, chains and round-trips through JSON`` () =
    let sign = { LearningRate = 0.5 }
    let state = (sign :> IGradientTransformation).Step((sign :> IGradientTransformation).Start [| 1.0; -1.0 |], [| 3.0; -0.1 |])
    Assert.Equal<float[]>([| 0.5; -0.5 |], Seq.toArray state.Parameters)
    let chained = Chain(AddDecayedWeights 0.1, sign)
    let catalog = Catalog.Default.With<SignDescent>("sign_descent")
    let json = TransformationJson.Write(chained, catalog)
    Assert.Equal(chained :> IGradientTransformation, TransformationJson.ReadTransformation(json, catalog))

[<Fact>]
let ``A schedule written in F# drives the momentum`` () =
    // β_t = 0.9 for ten steps, then 0: a warm start with momentum.
    let momentum = Schedule.FromFunction((fun t -> if t < 10L then 0.9 else 0.0), "0.9 for 10 steps, then 0")
    let optimizer = Optimizer.HeavyBall(0.1, momentum)
    let trajectory = Trajectory.Collect(TwoDimensionalQuadratic.Chapter, optimizer, [| -5.0; -2.0 |], 40L)
    Assert.Equal(41, trajectory.Length)
    Assert.True(trajectory[40].Value < trajectory[0].Value / 10.0)
    let joined = Schedule.Join([ Schedule.Constant 0.1; Schedule.Exponential(0.1, 0.5) ], [ 5L ])
    Assert.Equal(0.025, joined.At 7L, 12)

[<Property(MaxTest = 100)>]
let ``QHM with nu 0 is SGD, checked from F#`` (NormalFloat alpha) (NormalFloat g) =
    let alpha = abs alpha % 1.0
    let qhm = Optimizer.Qhm(alpha, 0.9, 0.0)
    let sgd = Optimizer.GradientDescent alpha
    let a = qhm.Step(qhm.Start [| 1.0 |], [| g |])
    let b = sgd.Step(sgd.Start [| 1.0 |], [| g |])
    abs (a.Parameters[0] - b.Parameters[0]) <= 1e-15 * (1.0 + abs g)

[<Property(MaxTest = 50)>]
let ``The harnesses check an F# transformation`` () =
    let transformations = Gen.choose (1, 99) |> Gen.map (fun k -> { LearningRate = float k / 100.0 } :> IGradientTransformation)
    Harness.SpanLevelEqualsRecordLevel(transformations, 3)
