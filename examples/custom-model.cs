#:project ../src/Core/Core.csproj
// A model of your own trained through the library's minibatch fold: a two-layer network (tanh hidden layer, hand-written
// backpropagation) fitting y = sin(3x) from noisy samples, with Nesterov momentum.
//   dotnet run examples/custom-model.cs
using Momentum.Optimizers;
using Momentum.Training;

const int Hidden = 16;
var random = new Random(7);
var xs = Enumerable.Range(0, 400).Select(_ => random.NextDouble() * 2 - 1).ToArray();
var ys = xs.Select(x => Math.Sin(3 * x) + 0.05 * (random.NextDouble() - 0.5)).ToArray();

// Parameters: W1 (Hidden), b1 (Hidden), W2 (Hidden), b2 (1); loss ½(ŷ − y)² averaged over the minibatch.
double Forward(ReadOnlySpan<double> p, double x, Span<double> hidden)
{
    var y = p[3 * Hidden];
    for (var j = 0; j < Hidden; j++) y += p[2 * Hidden + j] * (hidden[j] = Math.Tanh(p[j] * x + p[Hidden + j]));
    return y;
}

var network = MinibatchObjective.From<double>(xs.Length, 3 * Hidden + 1,
    (p, rows, gradient) =>
    {
        gradient.Clear();
        Span<double> hidden = stackalloc double[Hidden];
        var loss = 0.0;
        foreach (var i in rows)
        {
            var residual = Forward(p, xs[i], hidden) - ys[i];
            loss += residual * residual / 2;
            gradient[3 * Hidden] += residual;
            for (var j = 0; j < Hidden; j++)
            {
                var back = residual * p[2 * Hidden + j] * (1 - hidden[j] * hidden[j]);   // ∂/∂(pre-activation) of tanh
                gradient[2 * Hidden + j] += residual * hidden[j];
                gradient[j] += back * xs[i];
                gradient[Hidden + j] += back;
            }
        }
        for (var k = 0; k < gradient.Length; k++) gradient[k] /= rows.Length;
        return loss / rows.Length;
    },
    p =>
    {
        Span<double> hidden = stackalloc double[Hidden];
        var loss = 0.0;
        for (var i = 0; i < xs.Length; i++) loss += Math.Pow(Forward(p, xs[i], hidden) - ys[i], 2) / 2;
        return loss / xs.Length;
    });

var start = Enumerable.Range(0, 3 * Hidden + 1).Select(_ => random.NextDouble() - 0.5).ToArray();
var options = new TrainingOptions(Optimizer.Nesterov(0.05, momentum: 0.9), BatchSize: 20, Epochs: 300, Seed: 1, RecordEvery: 400 * 50);
var result = Trainer.Train(network, options, start);
Console.WriteLine($"loss: {network.Loss(start):F4} before, {result.History[^1].Loss:F4} after {options.Epochs} epochs");
