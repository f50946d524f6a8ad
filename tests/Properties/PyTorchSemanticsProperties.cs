using Momentum.Testing;
using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>
/// <c>torch.optim.SGD</c>'s semantics, rule by rule, and bit for bit against trajectories recorded from PyTorch 1.13
/// (<c>Fixtures/torch_sgd.json</c>, written by <c>bench/pytorch/sgd_fixture.py</c>; PyTorch is not run by the tests):
/// 50 steps per case, through every change of a schedule and on into the steady state of a noisy quadratic.
/// </summary>
public class PyTorchSemanticsProperties
{
    private static readonly Arbitrary<(double[] X, double[] G1, double[] G2)> Vectors =
        (from n in Gen.Choose(1, 40)
         from x in Gen.ArrayOf(Generators.Normal, n)
         from g1 in Gen.ArrayOf(Generators.Normal, n)
         from g2 in Gen.ArrayOf(Generators.Normal, n)
         select (x, g1, g2)).ToArbitrary();

    private static readonly Arbitrary<double> Betas = Generators.Momentum.Where(b => b > 0).ToArbitrary();

    // Steps of the record level from x with the given gradients.
    private static OptimizerState<double> Run(Sgd optimizer, double[] x, params double[][] gradients) =>
        gradients.Aggregate(optimizer.Start<double>(x), (state, g) => optimizer.Step(state, g));

    private static ImmutableArray<double> Buffer(OptimizerState<double> state) => state.Transform.Vector("trace");

    [Property(MaxTest = 300)]
    public Property The_first_step_sets_the_buffer_to_the_gradient_undampened() =>
        Prop.ForAll(Vectors, Betas, Generators.Unit.ToArbitrary(), (c, beta, dampening) =>
        {
            var state = Run(Optimizer.Sgd(0.1, beta, dampening), c.X, c.G1);
            return Buffer(state).SequenceEqual(c.G1) && state.Transform.Scalar("initialized") == 1 && state.Step == 1;
        });

    [Property(MaxTest = 300)]
    public Property Later_steps_dampen_the_gradient_in_the_buffer() =>
        Prop.ForAll(Vectors, Betas, Generators.Unit.ToArbitrary(), (c, beta, dampening) =>
        {
            var second = Run(Optimizer.Sgd(0.1, beta, dampening), c.X, c.G1, c.G2);
            return Enumerable.Range(0, c.X.Length).All(i =>
                Buffer(second)[i] == Math.FusedMultiplyAdd(c.G2[i], 1 - dampening, beta * c.G1[i]));
        });

    [Property(MaxTest = 300)]
    public Property Nesterov_steps_along_the_gradient_plus_beta_times_the_new_buffer() =>
        Prop.ForAll(Vectors, Betas, (c, beta) =>
        {
            var first = Run(Optimizer.Nesterov(0.1, beta), c.X, c.G1);
            var second = Run(Optimizer.Nesterov(0.1, beta), c.X, c.G1, c.G2);
            return Enumerable.Range(0, c.X.Length).All(i =>
            {
                var buffer = beta * c.G1[i] + c.G2[i];
                var direction = Math.FusedMultiplyAdd(buffer, beta, c.G2[i]);
                return Buffer(second)[i] == buffer && second.Parameters[i] == Math.FusedMultiplyAdd(direction, -0.1, first.Parameters[i]);
            });
        });

    [Property(MaxTest = 300)]
    public Property Weight_decay_adds_lambda_times_x_to_the_gradient_before_momentum() =>
        Prop.ForAll(Vectors, Betas, Generators.LogUniform(1e-4, 1).ToArbitrary(), (c, beta, decay) =>
        {
            var withDecay = Run(Optimizer.Sgd(0.1, beta, weightDecay: decay), c.X, c.G1);
            var decayed = c.X.Zip(c.G1, (x, g) => Math.FusedMultiplyAdd(x, decay, g)).ToArray();
            var byHand = Run(Optimizer.HeavyBall(0.1, beta), c.X, decayed);
            return withDecay.Equals(byHand);
        });

    [Property(MaxTest = 300)]
    public Property Maximize_equals_descending_the_negated_gradient() =>
        Prop.ForAll(Vectors, Generators.ConstantSgd.ToArbitrary(), (c, options) =>
        {
            var negated1 = c.G1.Select(g => -g).ToArray();
            var negated2 = c.G2.Select(g => -g).ToArray();
            var up = options with { Maximize = true };
            var down = options with { Maximize = false };
            var a = Run(up, c.X, c.G1, c.G2);
            var b = Run(down, c.X, negated1, negated2);
            return a.Equals(b);
        });

    [Fact]
    public void Nesterov_without_momentum_or_with_dampening_is_refused_as_PyTorch_refuses_it()
    {
        Assert.Equal("Momentum", Assert.Throws<HyperparameterException>(() => Optimizer.Sgd(0.1, 0, nesterov: true)).Name);
        Assert.Equal("Dampening", Assert.Throws<HyperparameterException>(() => Optimizer.Sgd(0.1, 0.9, 0.1, nesterov: true)).Name);
    }

    public sealed record TorchCase(
        string Dtype, double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool Maximize,
        double[] Rates, double[] Start, double[][] Gradients, double[][] Parameters, double[]?[] Buffers);

    private sealed record Fixture(TorchCase[] Cases);

    public static TheoryData<int> TorchCaseIndices() => [.. Enumerable.Range(0, Recorded.Value.Length)];

    // The recording, read once for every case (96 cases of 50 steps).
    private static readonly Lazy<TorchCase[]> Recorded = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch_sgd.json");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        return JsonSerializer.Deserialize<Fixture>(File.ReadAllText(path), options)!.Cases;
    });

    [Theory]
    [MemberData(nameof(TorchCaseIndices))]
    public void Every_step_equals_torch_optim_SGD_bit_for_bit(int index)
    {
        var c = Recorded.Value[index];
        if (c.Dtype == "float64") Replay<double>(c);
        else Replay<float>(c);
    }

    private static void Replay<T>(TorchCase c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var schedule = Schedule.PiecewiseConstant(Enumerable.Range(1, c.Rates.Length - 1).Select(t => (long)t), c.Rates);
        var optimizer = Optimizer.Sgd(schedule, c.Momentum, c.Dampening, c.WeightDecay, c.Nesterov, c.Maximize);
        var state = optimizer.Start<T>(Reference.Cast<T>(c.Start));
        for (var t = 0; t < c.Gradients.Length; t++)
        {
            state = optimizer.Step(state, Reference.Cast<T>(c.Gradients[t]));
            Assert.Equal(Reference.Cast<T>(c.Parameters[t]), state.Parameters.ToArray());
            if (c.Buffers[t] is { } buffer)
                Assert.Equal(Reference.Cast<T>(buffer), state.Transform.Vector("trace").ToArray());
        }
    }

    [Fact]
    public void The_recording_runs_fifty_steps_per_case_past_every_schedule_change_for_every_option_and_precision()
    {
        var cases = Recorded.Value;
        Assert.All(cases, c => Assert.True(c.Gradients.Length >= 50 && c.Parameters.Length == c.Gradients.Length && c.Rates.Length == c.Gradients.Length));
        // A scheduled case changes its rate early and late: the replay crosses each change and runs on after the last.
        var scheduled = cases.Where(c => c.Rates.Distinct().Count() > 1).ToArray();
        Assert.Equal(cases.Length / 2, scheduled.Length);
        Assert.All(scheduled, c =>
        {
            var changes = Enumerable.Range(1, c.Rates.Length - 1).Where(t => c.Rates[t] != c.Rates[t - 1]).ToArray();
            Assert.True(changes.Length >= 5 && changes[^1] >= 40 && changes[^1] <= c.Rates.Length - 10, string.Join(", ", changes));
        });
        foreach (var dtype in new[] { "float32", "float64" })
        {
            var of = cases.Where(c => c.Dtype == dtype).ToArray();
            Assert.Contains(of, c => c.Momentum == 0);
            Assert.Contains(of, c => c.Nesterov && c.Maximize);
            Assert.Contains(of, c => c.Dampening > 0 && c.WeightDecay > 0);
            Assert.Contains(of, c => c.Momentum >= 0.99 && c.Maximize);
            Assert.Contains(of, c => c.Start.Length > 16);
        }
    }

    [Fact]
    public void Every_step_of_the_Sgd_transformation_and_of_its_chain_equals_torch_optim_SGD_bit_for_bit()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch_sgd.json"));
        static Sgd Build(RecordedCase c) => new(
            Schedule.PiecewiseConstant(Enumerable.Range(1, c.Gradients.Length - 1).Select(t => (long)t), c.Numbers("rates")),
            c.Number("momentum"), c.Number("dampening"), c.Number("weight_decay"), c.Flag("nesterov"), c.Flag("maximize"));
        Harness.AgreesWithRecording(json, Build);
        Harness.AgreesWithRecording(json, c => Build(c).AsChain());
    }
}
