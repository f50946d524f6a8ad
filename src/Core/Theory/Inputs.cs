using System.Globalization;
using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>
/// The one place the theory checks its numeric inputs: every function of <c>Momentum.Theory</c> refuses a value outside
/// its <see cref="ValueRange"/> with a <see cref="HyperparameterException"/> (an <see cref="ArgumentOutOfRangeException"/>)
/// whose <see cref="ArgumentException.ParamName"/> is the C# parameter's name and whose message is one line,
/// <c>MomentumMatrix.momentum = -1: must be ≥ 0</c>. NaN and ±∞ are outside every range.
/// </summary>
internal static class Inputs
{
    /// <summary>β ≥ 0, finite. β ≥ 1 is allowed where the theory says what happens there (it never converges).</summary>
    public static double Momentum(double value, string owner, string name = "momentum") => In(value, ValueRange.NonNegative, owner, name);

    /// <summary>Any finite number (a learning rate or eigenvalue whose sign the theory handles: ηλ ≤ 0 does not converge).</summary>
    public static double Finite(double value, string owner, string name) => In(value, ValueRange.Finite, owner, name);

    /// <summary><paramref name="value"/> when it is inside <paramref name="range"/>; otherwise throws naming it.</summary>
    public static double In(double value, ValueRange range, string owner, string name) =>
        range.Contains(value) ? value : throw new HyperparameterException(owner, name, value, range.Describe(value));

    /// <summary>A count of at least <paramref name="minimum"/>.</summary>
    public static int AtLeast(int value, int minimum, string owner, string name) =>
        value >= minimum ? value : throw new HyperparameterException(owner, name, value, $"must be an integer ≥ {minimum}");

    /// <summary>
    /// A spectrum [μ, L] with 0 &lt; μ ≤ L, both finite, and κ = L/μ finite in double precision (L/μ overflows for
    /// L = 10³⁰⁸, μ = 10⁻³⁰⁸ or μ = 5·10⁻³²⁴, L = 1; such a spectrum is refused, not answered with NaN).
    /// </summary>
    public static void Spectrum(double smallest, double largest, string owner)
    {
        In(smallest, ValueRange.Positive, owner, nameof(smallest));
        In(largest, new ValueRange(smallest, true, double.PositiveInfinity, false), owner, nameof(largest));
        if (double.IsInfinity(largest / smallest))
            throw new HyperparameterException(owner, nameof(largest), largest,
                $"must keep κ = L/μ finite in double precision (L/μ = {Text(largest)}/{Text(smallest)} overflows); rescale the eigenvalues");
    }

    public static string Text(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
