using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using Momentum.Kernels;
using Momentum.Training;

namespace Momentum.Problems;

/// <summary>
/// Logistic regression as a minibatch objective (d2l §4.1 for the softmax/logistic model, two classes): p = σ(x·w + b),
/// the loss the mean binary cross-entropy −[y log p + (1 − y) log(1 − p)] over labels y ∈ {0, 1}, parameters
/// [w₁ … w_F, b], and the gradient of the minibatch mean, ∇_w = (1/B) Σ (pᵢ − yᵢ) xᵢ, ∇_b = (1/B) Σ (pᵢ − yᵢ).
/// </summary>
/// <remarks>
/// Computed in double precision for each row, stably: with z = x·w + b the loss is softplus(z) − y·z, softplus(z) =
/// max(z, 0) + log(1 + e^{−|z|}), and σ(z) is taken from e^{−|z|} on the side that cannot overflow.
/// </remarks>
public sealed class LogisticRegression<T> : IMinibatchObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] features, labels;
    private readonly int featureCount;

    /// <summary>Creates the objective over <paramref name="data"/>, whose labels must all be 0 or 1.</summary>
    /// <exception cref="ArgumentException">A label is neither 0 nor 1 (naming its row).</exception>
    public LogisticRegression(Dataset<T> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        for (var i = 0; i < data.Rows; i++)
            if (data.Labels[i] != T.Zero && data.Labels[i] != T.One)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"row {i + 1}: the label is {data.Labels[i]}; logistic regression needs labels 0 or 1."), nameof(data));
        Data = data;
        features = ImmutableCollectionsMarshal.AsArray(data.Features)!;
        labels = ImmutableCollectionsMarshal.AsArray(data.Labels)!;
        featureCount = data.FeatureCount;
    }

    /// <summary>The data set.</summary>
    public Dataset<T> Data { get; }

    /// <inheritdoc />
    public int Rows => Data.Rows;

    /// <inheritdoc />
    public int ParameterCount => featureCount + 1;

    /// <summary>Returns the minibatch's mean cross-entropy and writes its gradient.</summary>
    /// <inheritdoc />
    public double Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<int> rows, ReadOnlySpan<int> upcoming, Span<T> gradient)
    {
        SpanChecks.RequireParameterCount(parameters.Length, ParameterCount);
        SpanChecks.RequireLength(gradient.Length, ParameterCount, nameof(gradient));
        if (rows.IsEmpty) throw new ArgumentException("A minibatch needs at least one row.", nameof(rows));
        Span<double> sums = ParameterCount <= 512 ? stackalloc double[ParameterCount] : new double[ParameterCount];
        sums.Clear();
        var loss = 0.0;
        foreach (var row in rows)
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(rows), row, $"A row must be in [0, {Rows}).");
            var x = features.AsSpan(row * featureCount, featureCount);
            var (z, y) = (Logit(x, parameters), double.CreateChecked(labels[row]));
            loss += Softplus(z) - y * z;
            var residual = Sigmoid(z) - y;
            for (var j = 0; j < featureCount; j++) sums[j] += residual * double.CreateChecked(x[j]);
            sums[featureCount] += residual;
        }
        for (var j = 0; j < sums.Length; j++) gradient[j] = T.CreateChecked(sums[j] / rows.Length);
        return loss / rows.Length;
    }

    /// <inheritdoc />
    public double Loss(ReadOnlySpan<T> parameters)
    {
        SpanChecks.RequireParameterCount(parameters.Length, ParameterCount);
        var loss = 0.0;
        for (var i = 0; i < Rows; i++)
        {
            var z = Logit(features.AsSpan(i * featureCount, featureCount), parameters);
            loss += Softplus(z) - double.CreateChecked(labels[i]) * z;
        }
        return loss / Rows;
    }

    /// <summary>The share of rows whose predicted class (p ≥ ½) is their label.</summary>
    public double Accuracy(ReadOnlySpan<T> parameters)
    {
        SpanChecks.RequireParameterCount(parameters.Length, ParameterCount);
        var right = 0;
        for (var i = 0; i < Rows; i++)
            if (Logit(features.AsSpan(i * featureCount, featureCount), parameters) >= 0 == (labels[i] == T.One)) right++;
        return (double)right / Rows;
    }

    private double Logit(ReadOnlySpan<T> x, ReadOnlySpan<T> parameters)
    {
        var z = double.CreateChecked(parameters[featureCount]);
        for (var j = 0; j < x.Length; j++) z = Math.FusedMultiplyAdd(double.CreateChecked(x[j]), double.CreateChecked(parameters[j]), z);
        return z;
    }

    /// <summary>log(1 + eᶻ) without overflow: max(z, 0) + log(1 + e^{−|z|}).</summary>
    internal static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    /// <summary>σ(z) = 1/(1 + e^{−z}), from e^{−|z|} on the side that cannot overflow.</summary>
    internal static double Sigmoid(double z)
    {
        var e = Math.Exp(-Math.Abs(z));
        return z >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
}
