using System.Globalization;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Testing;

/// <summary>
/// One eigen-direction of a quadratic and the hyperparameters of a momentum method on it: β, ηλ and the eigenvalue λ
/// (so η = ηλ/λ). Heavy ball's behaviour there depends on ηλ and β alone (d2l §11.6.3.2), so generators draw ηλ near the
/// borders of the (ηλ, β) plane and λ over decades (<see cref="Generators.Settings"/>).
/// </summary>
/// <param name="Momentum">β.</param>
/// <param name="EtaLambda">ηλ, the learning rate times the eigenvalue.</param>
/// <param name="Eigenvalue">λ (negative when ηλ is, so that η ≥ 0).</param>
public sealed record QuadraticSetting(double Momentum, double EtaLambda, double Eigenvalue)
{
    /// <summary>η = ηλ/λ.</summary>
    public double LearningRate => EtaLambda / Eigenvalue;

    /// <summary>
    /// The iteration matrix R(λ) of <paramref name="family"/>(η, β) at this setting's λ, read off the method's own step
    /// (<see cref="LinearMethod"/>).
    /// </summary>
    /// <param name="family">(η, β) ↦ the method, e.g. <c>Optimizer.HeavyBall</c>.</param>
    /// <exception cref="NonlinearMethodException">The method is not a fixed linear map.</exception>
    public LinearMap MapOf(Func<double, double, IGradientTransformation> family)
    {
        ArgumentNullException.ThrowIfNull(family);
        return LinearMethod.Of(family(LearningRate, Momentum)).At(Eigenvalue);
    }

    /// <summary>β, ηλ and λ, each as the shortest text that parses back to it (for counterexamples).</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"β={Momentum:R}, ηλ={EtaLambda:R}, λ={Eigenvalue:R}");
}
