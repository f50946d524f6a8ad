using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>A covariance of the state z over the coordinates named in <see cref="State"/> (a symmetric matrix).</summary>
/// <param name="State">The coordinates' names ("x", "trace", …).</param>
/// <param name="Values">The covariance, row-major.</param>
public sealed record StateCovariance(ImmutableArray<string> State, ImmutableArray<double> Values)
{
    /// <summary>Cov(zᵢ, zⱼ).</summary>
    public double this[int row, int column] => Values[row * State.Length + column];

    /// <summary>Cov of the two coordinates named.</summary>
    /// <exception cref="KeyNotFoundException">No such coordinate.</exception>
    public double this[string row, string column] => this[Index(row), Index(column)];

    private int Index(string name) =>
        State.IndexOf(name) is var i and >= 0 ? i : throw new KeyNotFoundException($"no coordinate \"{name}\"; there are {string.Join(", ", State)}.");

    /// <inheritdoc />
    public bool Equals(StateCovariance? other) => other is not null && State.SequenceEqual(other.State) && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(State.Length, Values.FirstOrDefault());

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("State = [").Append(string.Join(", ", State)).Append("], Values = ").Append(Optimizers.Show.Values(Values.AsSpan()));
        return true;
    }
}

/// <summary>The error along one direction at one step under gradient noise: its mean and variance, and E[f].</summary>
/// <param name="Step">t (0 is the start).</param>
/// <param name="Mean">E[x_t].</param>
/// <param name="Variance">Var[x_t].</param>
/// <param name="ExpectedLoss">E[f(x_t)] = ½λ(E[x_t]² + Var[x_t]).</param>
public readonly record struct NoisyIterate(long Step, double Mean, double Variance, double ExpectedLoss);

/// <summary>
/// Linear methods under gradient noise (d2l §11.6 exercise 4): on f(x) = ½λx² with the gradient λx + ξ, E ξ = 0,
/// Var ξ = σ², independent from step to step, a linear method is z ← R z + b ξ (<see cref="LinearMap"/>), so its mean
/// follows R and its covariance follows C ← R C Rᵀ + σ² b bᵀ. When ρ(R) &lt; 1 the covariance tends to the solution of the
/// discrete Lyapunov equation Σ = R Σ Rᵀ + σ² b bᵀ, and the loss to the plateau ½λ·E[x²] above the minimum.
/// </summary>
/// <remarks>
/// The Lyapunov equation is solved over the <see cref="LinearMap.Relevant"/> coordinates by vectorisation,
/// (I − R⊗R) vec Σ = σ² vec(b bᵀ) — an LU solve of size k² (k ≤ 4 for the family: 16 unknowns) — refined with residuals in
/// twice the precision so that the digits survive near the stability boundary. For heavy ball it gives the closed form
/// E[x²] = ησ²(1 + β)/(λ(1 − β)(2(1 + β) − ηλ)) (0.513514 at η = 0.1, β = 0.9, λ = σ = 1), a property of the tests.
/// </remarks>
/// <example>
/// <code>
/// var map = LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9)).At(1);
/// GradientNoise.StationarySecondMoment(map, variance: 1);   // 0.513514…
/// GradientNoise.Transient(map, start: 5, variance: 1, steps: 200);   // E[f_t] for t = 0 … 200
/// </code>
/// </example>
public static class GradientNoise
{
    /// <summary>Σ, the stationary covariance of the relevant coordinates of z: Σ = R Σ Rᵀ + σ² b bᵀ.</summary>
    /// <param name="map">The method on one direction.</param>
    /// <param name="variance">σ² ≥ 0, the gradient noise's variance.</param>
    /// <exception cref="HyperparameterException">σ² is negative or not finite.</exception>
    /// <exception cref="ArgumentException">The map does not converge (ρ(R) ≥ 1): there is no stationary distribution.</exception>
    public static StateCovariance StationaryCovariance(LinearMap map, double variance)
    {
        ArgumentNullException.ThrowIfNull(map);
        Inputs.In(variance, ValueRange.NonNegative, nameof(GradientNoise), nameof(variance));
        var radius = map.SpectralRadius();
        if (!(radius < 1))
            throw new ArgumentException($"{map} has no stationary distribution: ρ(R) = {Inputs.Text(radius)} must be < 1.", nameof(map));
        var relevant = map.Relevant;
        var m = relevant.Length;
        var r = Matrix<double>.Build.DenseOfArray(map.RelevantBlock());
        var b = Vector<double>.Build.DenseOfEnumerable(relevant.Select(i => map.NoiseInput[i]));
        var solution = Lyapunov.Solve(r, b.OuterProduct(b) * variance);
        var sigma = new double[m * m];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < m; j++) sigma[i * m + j] = solution[i, j];
        return new([.. relevant.Select(i => map.State[i])], [.. sigma]);
    }

    /// <summary>E[x²] in the stationary distribution: Σ's entry for x.</summary>
    /// <inheritdoc cref="StationaryCovariance"/>
    public static double StationarySecondMoment(LinearMap map, double variance) => StationaryCovariance(map, variance)[0, 0];

    /// <summary>The plateau of the loss above its minimum: ½λ·E[x²].</summary>
    /// <inheritdoc cref="StationaryCovariance"/>
    public static double StationaryExcessLoss(LinearMap map, double variance) =>
        0.5 * map.Eigenvalue * StationarySecondMoment(map, variance);

    /// <summary>
    /// The plateau on a quadratic in its eigenbasis, Σᵢ ½λᵢ·E[xᵢ²], with the noise along direction i of variance σᵢ².
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty, or a direction does not converge.</exception>
    public static double StationaryExcessLoss(LinearMethod method, ReadOnlySpan<double> eigenvalues, ReadOnlySpan<double> variances)
    {
        ArgumentNullException.ThrowIfNull(method);
        RequireLengths(eigenvalues.Length, variances.Length, nameof(variances));
        var sum = 0.0;
        for (var i = 0; i < eigenvalues.Length; i++) sum += StationaryExcessLoss(method.At(eigenvalues[i]), variances[i]);
        return sum;
    }

    /// <summary>
    /// The transient: E[x_t], Var[x_t] and E[f_t] for t = 0 … <paramref name="steps"/>, from x₀ = <paramref name="start"/>
    /// with the optimizer's own first step (z₁ = R₀ s x₀ + b₀ ξ₀), then m ← R m and C ← R C Rᵀ + σ² b bᵀ. Converging or
    /// not: a map with ρ ≥ 1 gives its growing moments.
    /// </summary>
    /// <exception cref="HyperparameterException">x₀ is not finite, σ² is negative or not finite, or the steps are negative.</exception>
    public static ImmutableArray<NoisyIterate> Transient(LinearMap map, double start, double variance, int steps)
    {
        ArgumentNullException.ThrowIfNull(map);
        Inputs.Finite(start, nameof(GradientNoise), nameof(start));
        Inputs.In(variance, ValueRange.NonNegative, nameof(GradientNoise), nameof(variance));
        Inputs.AtLeast(steps, 0, nameof(GradientNoise), nameof(steps));
        var relevant = map.Relevant;
        var m = relevant.Length;
        var r = map.RelevantBlock();
        var b = relevant.Select(i => map.NoiseInput[i]).ToArray();
        var z1 = map.AfterFirstStep(start);
        var mean = relevant.Select(i => z1[i]).ToArray();
        var b0 = relevant.Select(i => map.FirstNoiseInput[i]).ToArray();
        var covariance = new double[m, m];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < m; j++) covariance[i, j] = variance * b0[i] * b0[j];

        var result = ImmutableArray.CreateBuilder<NoisyIterate>(steps + 1);
        NoisyIterate At(long t, double x, double v) => new(t, x, v, 0.5 * map.Eigenvalue * (x * x + v));
        result.Add(At(0, start, 0));
        for (var t = 1; t <= steps; t++)
        {
            result.Add(At(t, mean[0], covariance[0, 0]));
            mean = Multiply(r, mean);
            covariance = Propagate(r, covariance, variance, b);
        }
        return result.MoveToImmutable();
    }

    /// <summary>
    /// E[f_t] for t = 0 … <paramref name="steps"/> on a quadratic in its eigenbasis (f = Σᵢ ½λᵢxᵢ²), the directions
    /// independent, with start xᵢ and noise variance σᵢ² along direction i.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static ImmutableArray<double> ExpectedLoss(LinearMethod method, ReadOnlySpan<double> eigenvalues, ReadOnlySpan<double> start,
        ReadOnlySpan<double> variances, int steps)
    {
        ArgumentNullException.ThrowIfNull(method);
        RequireLengths(eigenvalues.Length, start.Length, nameof(start));
        RequireLengths(eigenvalues.Length, variances.Length, nameof(variances));
        var total = new double[Inputs.AtLeast(steps, 0, nameof(GradientNoise), nameof(steps)) + 1];
        for (var i = 0; i < eigenvalues.Length; i++)
        {
            var direction = Transient(method.At(eigenvalues[i]), start[i], variances[i], steps);
            for (var t = 0; t <= steps; t++) total[t] += direction[t].ExpectedLoss;
        }
        return [.. total];
    }

    private static double[] Multiply(double[,] r, double[] z)
    {
        var m = z.Length;
        var result = new double[m];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < m; j++) result[i] = Math.FusedMultiplyAdd(r[i, j], z[j], result[i]);
        return result;
    }

    // R C Rᵀ + σ² b bᵀ.
    private static double[,] Propagate(double[,] r, double[,] c, double variance, double[] b)
    {
        var m = b.Length;
        var rc = new double[m, m];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < m; j++)
                for (var l = 0; l < m; l++) rc[i, j] += r[i, l] * c[l, j];
        var result = new double[m, m];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < m; j++)
            {
                var sum = variance * b[i] * b[j];
                for (var l = 0; l < m; l++) sum += rc[i, l] * r[j, l];
                result[i, j] = sum;
            }
        return result;
    }

    private static void RequireLengths(int expected, int actual, string name)
    {
        if (expected == 0 || actual != expected)
            throw new ArgumentException($"{expected} eigenvalues and {actual} values in {name}: one each, at least one.", name);
    }
}
