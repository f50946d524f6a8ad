using System.Collections.Immutable;
using MathNet.Numerics.Optimization;
using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>One hyperparameter searched by <see cref="Tuning"/>: its name and the closed interval searched.</summary>
/// <param name="Name">The hyperparameter's name, as the transformation calls it (e.g. "LearningRate").</param>
/// <param name="Minimum">The lower end.</param>
/// <param name="Maximum">The upper end.</param>
/// <param name="Logarithmic">Search log(value) (for learning rates, which span decades).</param>
public sealed record TuningAxis(string Name, double Minimum, double Maximum, bool Logarithmic)
{
    // The unconstrained coordinate u ↦ the value: t = (1 + sin u)/2 onto the interval (of its logarithm when Logarithmic),
    // which reaches both ends (the optimum of QHM lies at ν = 1) and is smooth everywhere (Box, Comput. J. 1966).
    internal double Value(double u)
    {
        var t = (1 + Math.Sin(u)) / 2;
        return Logarithmic
            ? Math.Exp(Math.Log(Minimum) + (Math.Log(Maximum) - Math.Log(Minimum)) * t)
            : Minimum + (Maximum - Minimum) * t;
    }

    internal double Coordinate(double value)
    {
        var t = Logarithmic
            ? (Math.Log(value) - Math.Log(Minimum)) / (Math.Log(Maximum) - Math.Log(Minimum))
            : (value - Minimum) / (Maximum - Minimum);
        return Math.Asin(Math.Clamp(2 * t - 1, -1, 1));
    }
}

/// <summary>Hyperparameters found by <see cref="Tuning"/> and the worst rate they reach over [μ, L].</summary>
/// <param name="Method">The method at these hyperparameters.</param>
/// <param name="Names">The hyperparameters' names.</param>
/// <param name="Values">Their values.</param>
/// <param name="Rate">max ρ(R(λ)) over λ ∈ [μ, L] at these values (<see cref="Tuning.WorstRate(IGradientTransformation, double, double)"/>).</param>
public sealed record TunedParameters(IGradientTransformation Method, ImmutableArray<string> Names, ImmutableArray<double> Values, double Rate)
{
    /// <summary>The value of the hyperparameter named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such hyperparameter.</exception>
    public double this[string name] =>
        Names.IndexOf(name) is var i and >= 0 ? Values[i] : throw new KeyNotFoundException($"no hyperparameter \"{name}\"; there are {string.Join(", ", Names)}.");

    /// <inheritdoc />
    public bool Equals(TunedParameters? other) =>
        other is not null && Method.Equals(other.Method) && Names.SequenceEqual(other.Names) && Values.SequenceEqual(other.Values) && Rate.Equals(other.Rate);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Method, Rate);

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method).Append(", ")
            .Append(string.Join(", ", Names.Select((n, i) => n + " = " + Optimizers.Show.Number(Values[i]))))
            .Append(", Rate = ").Append(Optimizers.Show.Number(Rate));
        return true;
    }
}

/// <summary>
/// Optimal hyperparameters found numerically: minimise the worst spectral radius max_{λ∈[μ,L]} ρ(R(λ)) of a method's own
/// linear map (<see cref="LinearMethod"/>) over its hyperparameters — Goh's and Polyak's criterion, for methods without a
/// closed form (QHM, AggMo, …). Checked against <see cref="OptimalParameters"/> where both exist.
/// </summary>
/// <remarks>
/// The worst case is taken over μ, L and 63 geometrically spaced λ between, refined by golden-section search around an
/// interior maximum. The minimisation is MathNet.Numerics' Nelder–Mead simplex (Nelder and Mead, Comput. J. 1965) on
/// unconstrained coordinates (a sine map onto each <see cref="TuningAxis"/>), from several fixed starts, then restarted from
/// the best point with ever smaller simplices until it stops improving: the objective is a maximum of rates, not smooth where two of them meet
/// (as at every optimum here), which a simplex method tolerates. Deterministic: the same inputs give the same result.
/// </remarks>
/// <example><c>Tuning.Qhm(1, 100).Rate</c> is heavy ball's 9/11 (QHM contains heavy ball, and no such method does better).</example>
public static class Tuning
{
    private const int Interior = 63;

    /// <summary>max ρ(R(λ)) over λ ∈ [μ, L] for <paramref name="method"/>.</summary>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, κ finite.</exception>
    /// <exception cref="NonlinearMethodException">The method is not a fixed linear map.</exception>
    public static double WorstRate(IGradientTransformation method, double smallest, double largest)
    {
        Inputs.Spectrum(smallest, largest, nameof(Tuning));
        return WorstRate(LinearMethod.Of(method), smallest, largest);
    }

    /// <summary>max ρ(R(λ)) over λ ∈ [μ, L] for a method already read.</summary>
    public static double WorstRate(LinearMethod method, double smallest, double largest)
    {
        ArgumentNullException.ThrowIfNull(method);
        Inputs.Spectrum(smallest, largest, nameof(Tuning));
        double Rate(double logLambda) => method.At(Math.Exp(logLambda)).SpectralRadius();
        var (low, high) = (Math.Log(smallest), Math.Log(largest));
        var worst = Math.Max(method.At(smallest).SpectralRadius(), method.At(largest).SpectralRadius());
        if (smallest == largest) return worst;
        var (best, at) = (double.NegativeInfinity, 0);
        for (var i = 1; i <= Interior; i++)
        {
            var rate = Rate(low + (high - low) * i / (Interior + 1));
            if (rate > best) (best, at) = (rate, i);
        }
        // Golden-section search for the largest rate between the neighbours of the largest grid point.
        var (a, b) = (low + (high - low) * (at - 1) / (Interior + 1), low + (high - low) * (at + 1) / (Interior + 1));
        var ratio = (Math.Sqrt(5) - 1) / 2;
        var (c, d) = (b - ratio * (b - a), a + ratio * (b - a));
        var (fc, fd) = (Rate(c), Rate(d));
        for (var i = 0; i < 60; i++)
        {
            if (fc > fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - ratio * (b - a);
                fc = Rate(c);
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + ratio * (b - a);
                fd = Rate(d);
            }
        }
        return Math.Max(worst, Math.Max(best, Math.Max(fc, fd)));
    }

    /// <summary>
    /// The hyperparameters in <paramref name="axes"/> that minimise the worst rate over [μ, L] of
    /// <paramref name="build"/>(values), searched from each of <paramref name="starts"/>.
    /// </summary>
    /// <param name="build">Values, in the order of the axes ↦ the method.</param>
    /// <param name="axes">The hyperparameters and their intervals.</param>
    /// <param name="starts">Starting values (each inside the axes' intervals), at least one.</param>
    /// <param name="smallest">μ.</param>
    /// <param name="largest">L.</param>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, κ finite.</exception>
    /// <exception cref="ArgumentException">No axes or starts, or a start of the wrong length.</exception>
    /// <exception cref="NonlinearMethodException">The method at a start is not a fixed linear map.</exception>
    public static TunedParameters Minimize(Func<ImmutableArray<double>, IGradientTransformation> build, ImmutableArray<TuningAxis> axes,
        IReadOnlyList<ImmutableArray<double>> starts, double smallest, double largest)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(starts);
        Inputs.Spectrum(smallest, largest, nameof(Tuning));
        if (axes.IsDefaultOrEmpty) throw new ArgumentException("at least one hyperparameter to tune is needed.", nameof(axes));
        if (starts.Count == 0 || starts.Any(s => s.Length != axes.Length))
            throw new ArgumentException($"at least one start, each with {axes.Length} values.", nameof(starts));
        foreach (var start in starts) LinearMethod.Of(build(start)); // the full checks, once per start

        ImmutableArray<double> Values(MathNet.Numerics.LinearAlgebra.Vector<double> u) => [.. axes.Select((axis, i) => axis.Value(u[i]))];
        var (bestPoint, bestValue) = (starts[0], double.PositiveInfinity);
        double Objective(MathNet.Numerics.LinearAlgebra.Vector<double> u)
        {
            var values = Values(u);
            double worst;
            try
            {
                worst = WorstRate(LinearMethod.Read(build(values), thorough: false), smallest, largest);
            }
            catch (HyperparameterException)
            {
                return double.MaxValue; // outside the method's own ranges (e.g. β rounding to 1)
            }
            if (worst < bestValue) (bestPoint, bestValue) = (values, worst);
            return worst;
        }

        var objective = ObjectiveFunction.Value(Objective);
        MathNet.Numerics.LinearAlgebra.Vector<double> Coordinates(ImmutableArray<double> values) =>
            MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfEnumerable(values.Select((v, i) => axes[i].Coordinate(v)));
        void Search(ImmutableArray<double> from, double size)
        {
            try
            {
                new NelderMeadSimplex(1e-15, 2000).FindMinimum(objective, Coordinates(from),
                    MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(axes.Length, size));
            }
            catch (MaximumIterationsException)
            {
                // The best point seen is kept by the objective.
            }
        }

        // A search from every start, then restarts from the best point with ever smaller simplices until three in a row
        // gain nothing: a simplex collapses early along the kinks of a maximum, and a fresh one walks on.
        foreach (var start in starts) Search(start, 0.5);
        var (size, idle) = (0.3, 0);
        for (var restart = 0; restart < 40 && idle < 3; restart++)
        {
            var before = bestValue;
            Search(bestPoint, size);
            idle = bestValue < before - 1e-16 ? 0 : idle + 1;
            size = size > 1e-4 ? size / 3 : 0.3;
        }
        var method = build(bestPoint);
        return new(method, [.. axes.Select(a => a.Name)], bestPoint, WorstRate(LinearMethod.Of(method), smallest, largest));
    }

    /// <summary>Gradient descent's η, numerically (closed form: <see cref="OptimalParameters.ForGradientDescent"/>).</summary>
    public static TunedParameters GradientDescent(double smallest, double largest) =>
        Minimize(v => Optimizer.GradientDescent(v[0]), [Rate(largest, 4)], [[1 / largest], [0.5 / largest]], smallest, largest);

    /// <summary>Heavy ball's η and β, numerically (closed form: <see cref="OptimalParameters.ForMomentum"/>).</summary>
    public static TunedParameters HeavyBall(double smallest, double largest) =>
        TwoParameters(smallest, largest, (eta, beta) => Optimizer.HeavyBall(eta, beta));

    /// <summary>PyTorch's Nesterov η and β, numerically (closed form: <see cref="OptimalParameters.ForNesterov"/>).</summary>
    public static TunedParameters Nesterov(double smallest, double largest) =>
        TwoParameters(smallest, largest, (eta, beta) => Optimizer.Nesterov(eta, beta));

    /// <summary>The Keras form's η and β, numerically (its iterates are heavy ball's for a constant η).</summary>
    public static TunedParameters Keras(double smallest, double largest, bool nesterov = false) =>
        TwoParameters(smallest, largest, (eta, beta) => Optimizer.Keras(eta, beta, nesterov));

    /// <summary>
    /// QHM's α, β and ν, numerically (Ma and Yarats 2019; no closed form). Searched over (α(1 − β), β, ν), in which QHM
    /// with ν = 1 is heavy ball with η = α(1 − β), so the search meets heavy ball's valley where it lies; one of its starts
    /// is heavy ball's own optimum, found numerically by <see cref="HeavyBall"/>, because from the generic starts alone the
    /// search can stop short of it when κ is near 1 (no method of this kind beats Polyak's rate on [μ, L]).
    /// </summary>
    public static TunedParameters Qhm(double smallest, double largest)
    {
        ImmutableArray<TuningAxis> axes = [Rate(largest, 8), new("Momentum", 0, 1, false), new("Nu", 0, 1, false)];
        var q = Math.Sqrt(smallest) / Math.Sqrt(largest);
        var heavyBall = HeavyBall(smallest, largest);
        var found = Minimize(v => Optimizer.Qhm(v[0] / (1 - v[1]), v[1], v[2]), axes,
            [[1 / largest, Math.Max(0.1, 1 - 3 * q), 0.7], [2 / largest, 0.5, 0.95], [0.5 / largest, Math.Max(0.2, 1 - q), 0.3],
             [heavyBall.Values[0], heavyBall.Values[1], 1]],
            smallest, largest);
        var (eta, beta, nu) = (found.Values[0], found.Values[1], found.Values[2]);
        return found with { Names = ["LearningRate", "Momentum", "Nu"], Values = [eta / (1 - beta), beta, nu] };
    }

    /// <summary>AggMo's γ for fixed <paramref name="betas"/>, numerically (Lucas et al. 2019; no closed form).</summary>
    public static TunedParameters AggMo(double smallest, double largest, ImmutableArray<double> betas) =>
        Minimize(v => new AggMo(v[0], betas), [Rate(largest, 8)], [[1 / largest], [0.25 / largest], [3 / largest]], smallest, largest);

    private static TunedParameters TwoParameters(double smallest, double largest, Func<double, double, IGradientTransformation> build)
    {
        var q = Math.Sqrt(smallest) / Math.Sqrt(largest);
        ImmutableArray<TuningAxis> axes = [Rate(largest, 8), new("Momentum", 0, 1, false)];
        return Minimize(v => build(v[0], v[1]), axes,
            [[1 / largest, Math.Max(0.1, 1 - 3 * q)], [2 / largest, 0.5], [0.5 / largest, Math.Max(0.2, 1 - q)]],
            smallest, largest);
    }

    // η ∈ (10⁻⁴/L, c/L), searched on a log scale.
    private static TuningAxis Rate(double largest, double upper) => new("LearningRate", 1e-4 / largest, upper / largest, true);
}
