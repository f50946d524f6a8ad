using System.Numerics;

namespace Momentum.Kernels;

/// <summary>
/// The scalars of one step converted to <typeparamref name="T"/> once, as PyTorch converts <c>alpha</c> and the
/// multiplier of <c>mul_</c> to the tensor's element type before the elementwise loop.
/// </summary>
internal readonly struct StepCoefficients<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public StepCoefficients(double learningRate, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize, bool bufferInitialized)
    {
        NegativeLearningRate = T.CreateChecked(-learningRate);
        Momentum = T.CreateChecked(momentum);
        OneMinusDampening = T.CreateChecked(1.0 - dampening);
        WeightDecay = T.CreateChecked(weightDecay);
        HasMomentum = momentum != 0;
        HasWeightDecay = weightDecay != 0;
        Undampened = dampening == 0;
        Nesterov = nesterov;
        Maximize = maximize;
        BufferInitialized = bufferInitialized;
    }

    public T NegativeLearningRate { get; }
    public T Momentum { get; }
    public T OneMinusDampening { get; }
    public T WeightDecay { get; }
    public bool HasMomentum { get; }
    public bool HasWeightDecay { get; }
    public bool Undampened { get; }
    public bool Nesterov { get; }
    public bool Maximize { get; }
    public bool BufferInitialized { get; }
}
