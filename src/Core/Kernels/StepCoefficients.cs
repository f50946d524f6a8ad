using System.Numerics;
using Momentum.Optimizers;

namespace Momentum.Kernels;

/// <summary>
/// The scalars of one step converted to <typeparamref name="T"/> once, as PyTorch converts <c>alpha</c> and the
/// multiplier of <c>mul_</c> to the tensor's element type before the elementwise loop.
/// </summary>
internal readonly struct StepCoefficients<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public StepCoefficients(in SgdOptions options, bool bufferInitialized)
    {
        NegativeLearningRate = T.CreateChecked(-options.LearningRate);
        Momentum = T.CreateChecked(options.Momentum);
        OneMinusDampening = T.CreateChecked(1.0 - options.Dampening);
        WeightDecay = T.CreateChecked(options.WeightDecay);
        HasMomentum = options.Momentum != 0;
        HasWeightDecay = options.WeightDecay != 0;
        Undampened = options.Dampening == 0;
        Nesterov = options.Nesterov;
        Maximize = options.Maximize;
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
