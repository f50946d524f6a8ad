using System.Collections.Immutable;
using System.Numerics;

namespace Momentum.Theory;

/// <summary>
/// A linear method on one eigen-direction, f(x) = ½λx² with the gradient λx + ξ: z ← R z + b ξ with
/// R = A + λ·b·e₀ᵀ (<see cref="LinearMethod"/>), the iteration matrix of d2l §11.6.3.2 generalised to any linear method
/// and read off its code. Its spectral radius is the rate per step (Goh 2017), its eigenvalues decide the regime, and b
/// carries gradient noise into the state (d2l §11.6 exercise 4).
/// </summary>
/// <remarks>
/// Rates, eigenvalues and regimes are those of the <see cref="Relevant"/> block of R, the coordinates that reach x from the
/// start and the gradient; <see cref="Matrix"/> is the whole map over z = (x, the state's vectors …).
/// </remarks>
/// <example>
/// <code>
/// var map = LinearMethod.Of(Optimizer.HeavyBall(0.6, 0.5)).At(4);   // d2l's f, direction λ = 4
/// map.SpectralRadius();   // √0.5 = 0.7071…, the ripples regime
/// </code>
/// </example>
public sealed record LinearMap
{
    internal LinearMap(LinearMethod method, double eigenvalue, ImmutableArray<double> matrix, ImmutableArray<double> firstMatrix)
    {
        Method = method;
        Eigenvalue = eigenvalue;
        Matrix = matrix;
        FirstMatrix = firstMatrix;
    }

    /// <summary>The method.</summary>
    public LinearMethod Method { get; }

    /// <summary>λ, the curvature of this direction.</summary>
    public double Eigenvalue { get; }

    /// <summary>The names of z's coordinates ("x", then the state's vectors).</summary>
    public ImmutableArray<string> State => Method.State;

    /// <summary>k, the length of z.</summary>
    public int Dimension => Method.Dimension;

    /// <summary>R = A + λ·b·e₀ᵀ, row-major k×k: every step after the first.</summary>
    public ImmutableArray<double> Matrix { get; }

    /// <summary>b: where a gradient perturbation ξ enters, z ← R z + b ξ.</summary>
    public ImmutableArray<double> NoiseInput => Method.GradientInput;

    /// <summary>R₀ = A₀ + λ·b₀·e₀ᵀ, row-major: the first step, from z₀ = s·x₀.</summary>
    public ImmutableArray<double> FirstMatrix { get; }

    /// <summary>b₀: where the first step's gradient perturbation enters.</summary>
    public ImmutableArray<double> FirstNoiseInput => Method.FirstGradientInput;

    /// <summary>The coordinates that reach x from the start and the gradient (<see cref="LinearMethod.Relevant"/>).</summary>
    public ImmutableArray<int> Relevant => Method.Relevant;

    /// <summary>Rᵢⱼ.</summary>
    public double this[int row, int column] => Matrix[row * Dimension + column];

    /// <summary>A fresh copy of R.</summary>
    public double[,] ToArray() => Square(Matrix, Dimension, Enumerable.Range(0, Dimension).ToArray());

    /// <summary>R restricted to <see cref="Relevant"/> (rows and columns in that order).</summary>
    public double[,] RelevantBlock() => Square(Matrix, Dimension, [.. Relevant]);

    /// <summary>
    /// The eigenvalues of the relevant block of R, largest modulus first (<see cref="Spectrum.Eigenvalues"/>); when an entry
    /// of R overflowed (λ or η too large for double precision) the single eigenvalue +∞: the map diverges.
    /// </summary>
    public ImmutableArray<Complex> Eigenvalues()
    {
        var block = RelevantBlock();
        foreach (var value in block)
            if (!double.IsFinite(value)) return [double.PositiveInfinity];
        return Spectrum.Eigenvalues(block);
    }

    /// <summary>ρ(R) = max |σᵢ| over the relevant block: the error shrinks like ρᵗ (times t when the dominant eigenvalue is defective).</summary>
    public double SpectralRadius() => Complex.Abs(Eigenvalues()[0]);

    /// <summary>The regime of this direction (<see cref="Regimes.Of"/>).</summary>
    public Regime Regime() => Regimes.Of(Eigenvalues());

    /// <summary>Whether every start converges to the minimum along this direction: ρ(R) &lt; 1.</summary>
    public bool Converges() => SpectralRadius() < 1;

    /// <summary>R z + b ξ.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> is not k long.</exception>
    public ImmutableArray<double> Apply(ReadOnlySpan<double> state, double noise = 0) => Multiply(Matrix, state, NoiseInput, noise);

    /// <summary>
    /// z₁ = R₀·s·x₀, the state after the optimizer's first step from x₀ with an exact gradient: where the recursion
    /// z ← R z starts (the first step may differ from the rest, e.g. PyTorch's undampened first buffer).
    /// </summary>
    public ImmutableArray<double> AfterFirstStep(double start)
    {
        Inputs.Finite(start, nameof(LinearMap), nameof(start));
        var z0 = Method.InitialState.Select(s => s * start).ToArray();
        return Multiply(FirstMatrix, z0, FirstNoiseInput, 0);
    }

    private ImmutableArray<double> Multiply(ImmutableArray<double> matrix, ReadOnlySpan<double> state, ImmutableArray<double> input, double noise)
    {
        var k = Dimension;
        if (state.Length != k) throw new ArgumentException($"the state has {state.Length} values; z has {k} ({string.Join(", ", State)}).", nameof(state));
        var result = new double[k];
        for (var i = 0; i < k; i++)
        {
            var sum = input[i] * noise;
            for (var j = 0; j < k; j++) sum = Math.FusedMultiplyAdd(matrix[i * k + j], state[j], sum);
            result[i] = sum;
        }
        return [.. result];
    }

    internal static double[,] Square(ImmutableArray<double> values, int k, int[] indices)
    {
        var m = new double[indices.Length, indices.Length];
        for (var i = 0; i < indices.Length; i++)
            for (var j = 0; j < indices.Length; j++)
                m[i, j] = values[indices[i] * k + indices[j]];
        return m;
    }

    /// <inheritdoc />
    public bool Equals(LinearMap? other) =>
        other is not null && Eigenvalue.Equals(other.Eigenvalue) && Method.Equals(other.Method) && Matrix.SequenceEqual(other.Matrix)
        && FirstMatrix.SequenceEqual(other.FirstMatrix);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Method, Eigenvalue);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method.Method).Append(", Eigenvalue = ").Append(Eigenvalue.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        return true;
    }
}
