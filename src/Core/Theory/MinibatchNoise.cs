using System.Collections.Immutable;
using System.Numerics;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;
using MathNet.Numerics.LinearAlgebra;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Theory;

/// <summary>How minibatch noise is modelled between steps.</summary>
public enum MinibatchSampling
{
    /// <summary>Every step's noise independent of the others (the textbook model of SGD noise).</summary>
    Independent,

    /// <summary>
    /// d2l's loader (<see cref="ShuffleMode.Rows"/>): a fresh shuffle every epoch cut into minibatches, so one epoch's
    /// noises are disjoint samples without replacement that sum to zero, and epochs are independent.
    /// </summary>
    Reshuffled,
}

/// <summary>
/// Minibatch noise on linear regression (d2l §11.6 exercise 4 with minibatches, on the book's <c>train_ch11</c> model):
/// the loss ℓ(θ) = (1/n) Σᵢ ½(x̃ᵢ·θ − yᵢ)² with x̃ = [x, 1] is a quadratic with Hessian H = (1/n) Σ x̃ᵢx̃ᵢᵀ, and a
/// minibatch of B rows drawn without replacement has a gradient ∇ℓ(θ) + ξ whose noise, near the optimum θ*, has covariance
/// <code>
/// Cov ξ = (n − B)/(B(n − 1)) · S,   S = (1/n) Σᵢ (gᵢ − ḡ)(gᵢ − ḡ)ᵀ,   gᵢ = (x̃ᵢ·θ* − yᵢ) x̃ᵢ
/// </code>
/// (the variance of a sample mean without replacement: Cochran, Sampling Techniques, 1977, thm. 2.2; ḡ = ∇ℓ(θ*) = 0).
/// In H's eigenbasis (H = Σⱼ λⱼ oⱼoⱼᵀ) every linear method decouples (d2l §11.6.3.1) and direction j is z ← R(λⱼ) z + b ξⱼ
/// with Var ξⱼ = oⱼᵀ Cov ξ oⱼ, so the loss settles at the plateau ℓ* + Σⱼ ½λⱼ E[uⱼ²] (<see cref="GradientNoise"/>), a
/// function of η, β and B.
/// </summary>
/// <remarks>
/// <para>
/// The prediction is approximate. Within an epoch the minibatches are drawn without replacement from one shuffle, so
/// their noises are not independent: they sum to exactly zero over an epoch, which lowers the plateau of directions whose
/// memory (about 1/(1 − ρ) steps) is not short beside an epoch — the <see cref="MinibatchSampling.Independent"/> model
/// ignores this, the <see cref="MinibatchSampling.Reshuffled"/> model includes it. Both take the noise at θ*, while the
/// gradient at θ has the extra term (x̃ᵢx̃ᵢᵀ − H)(θ − θ*), which raises the plateau a little when ηλ is large (the
/// fluctuations of θ are then larger). The tests compare both with training runs.
/// </para>
/// <para>
/// With <see cref="RegressionLoss.SquaredError"/> the gradients (and H and the noise) are those of (ŷ − y)², twice and four
/// times ½(ŷ − y)²'s, while the recorded loss stays ½·MSE as the book plots it; the dynamics use cλⱼ and c²Var ξⱼ
/// (c = 2), the plateau ½λⱼ.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var noise = RegressionNoise.Of(data);
/// double plateau = noise.Plateau(LinearMethod.Of(Optimizer.HeavyBall(0.01, 0.9)), batchSize: 10);
/// </code>
/// </example>
public sealed record RegressionNoise
{
    internal RegressionNoise(int rows, RegressionLoss loss, ImmutableArray<double> optimum, double minimumLoss,
        SymmetricEigendecomposition hessian, ImmutableArray<double> exampleVariances)
    {
        Rows = rows;
        Loss = loss;
        Optimum = optimum;
        MinimumLoss = minimumLoss;
        Hessian = hessian;
        ExampleVariances = exampleVariances;
    }

    /// <summary>n, the rows of the data.</summary>
    public int Rows { get; }

    /// <summary>The loss the gradients are of.</summary>
    public RegressionLoss Loss { get; }

    /// <summary>θ* = [w*, b*], the least-squares solution H⁻¹ (1/n) Σ yᵢx̃ᵢ.</summary>
    public ImmutableArray<double> Optimum { get; }

    /// <summary>ℓ* = ℓ(θ*) = (1/n) Σ ½(x̃ᵢ·θ* − yᵢ)², the floor of every recorded loss.</summary>
    public double MinimumLoss { get; }

    /// <summary>The eigendecomposition of H = (1/n) Σ x̃ᵢx̃ᵢᵀ, the Hessian of the recorded loss ½·MSE.</summary>
    public SymmetricEigendecomposition Hessian { get; }

    /// <summary>oⱼᵀ S oⱼ: the variance of one example's gradient (of ½(ŷ − y)²) at θ* along each eigenvector of H.</summary>
    public ImmutableArray<double> ExampleVariances { get; }

    /// <summary>c, the factor of the trained loss's gradient over ½(ŷ − y)²'s: 1, or 2 for the squared error.</summary>
    public double GradientScale => Loss == RegressionLoss.SquaredError ? 2 : 1;

    /// <summary>The statistics of <paramref name="data"/>, in double precision.</summary>
    /// <exception cref="ArgumentException">
    /// The data has fewer than two rows, or H is singular to working precision (smallest eigenvalue ≤ 10⁻¹² of the
    /// largest: the features, with the constant column, are linearly dependent).
    /// </exception>
    public static RegressionNoise Of<T>(Dataset<T> data, RegressionLoss loss = RegressionLoss.HalfSquaredError)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "must be HalfSquaredError or SquaredError.");
        var (n, p) = (data.Rows, data.FeatureCount + 1);
        if (n < 2) throw new ArgumentException($"the data has {n} row: minibatch noise needs at least 2.", nameof(data));
        var x = Matrix<double>.Build.Dense(n, p, (i, j) => j < data.FeatureCount ? double.CreateChecked(data.Features[i * data.FeatureCount + j]) : 1);
        var y = Vector.Build.Dense(n, i => double.CreateChecked(data.Labels[i]));
        var h = x.TransposeThisAndMultiply(x) / n;
        h = (h + h.Transpose()) / 2;
        var hessian = SymmetricEigen.Of(h.ToArray());
        if (!(hessian.Smallest > 1e-12 * hessian.Largest))
            throw new ArgumentException("the data's Hessian (1/n) X̃ᵀX̃ is singular: the features (with the constant column) are linearly dependent.", nameof(data));
        var optimum = h.Cholesky().Solve(x.TransposeThisAndMultiply(y) / n);
        var residuals = x * optimum - y;
        var minimum = residuals.DotProduct(residuals) / (2 * n);

        // gᵢ = rᵢ x̃ᵢ, centred on their mean (zero up to rounding at θ*), projected on each eigenvector.
        var gradients = x.Clone();
        for (var i = 0; i < n; i++) gradients.SetRow(i, x.Row(i) * residuals[i]);
        var mean = gradients.ColumnSums() / n;
        var variances = hessian.Eigenvectors.Select(o =>
        {
            var direction = Vector.Build.DenseOfEnumerable(o);
            var projected = gradients * direction - mean.DotProduct(direction);
            return projected.DotProduct(projected) / n;
        });
        return new(n, loss, [.. optimum], minimum, hessian, [.. variances]);
    }

    /// <summary>(n − B)/(B(n − 1)): the variance of a mean of B rows drawn without replacement, per unit of one row's.</summary>
    /// <exception cref="HyperparameterException">B ∉ [1, n].</exception>
    public double BatchFactor(int batchSize)
    {
        if (batchSize < 1 || batchSize > Rows)
            throw new HyperparameterException(nameof(RegressionNoise), nameof(batchSize), batchSize, $"must be in [1, {Rows}], the number of rows");
        return (double)(Rows - batchSize) / ((double)batchSize * (Rows - 1));
    }

    /// <summary>Var ξⱼ of the trained loss's minibatch gradient along each eigenvector of H: c² (n − B)/(B(n − 1)) oⱼᵀ S oⱼ.</summary>
    /// <exception cref="HyperparameterException">B ∉ [1, n].</exception>
    public ImmutableArray<double> GradientVariances(int batchSize)
    {
        var factor = BatchFactor(batchSize) * GradientScale * GradientScale;
        return [.. ExampleVariances.Select(v => factor * v)];
    }

    /// <summary>The curvatures the trained loss has along H's eigenvectors: cλⱼ.</summary>
    public ImmutableArray<double> TrainedCurvatures => [.. Hessian.Eigenvalues.Select(l => GradientScale * l)];

    /// <summary>
    /// The predicted plateau of the recorded loss, ℓ* + Σⱼ ½λⱼ E[uⱼ²], E[uⱼ²] the stationary second moment of direction j
    /// under <paramref name="method"/>:
    /// <list type="bullet">
    /// <item><see cref="MinibatchSampling.Independent"/>: every step's noise independent with Var ξⱼ, so E[uⱼ²] solves the
    /// Lyapunov equation (<see cref="GradientNoise.StationarySecondMoment"/>);</item>
    /// <item><see cref="MinibatchSampling.Reshuffled"/> (d2l's loader, <see cref="ShuffleMode.Rows"/>): each epoch a fresh
    /// shuffle cut into K = ⌈n/B⌉ minibatches of sizes B_k, whose noises have Cov(ξ_k, ξ_l) = sⱼ(δ_kl·n/B_k − 1)/(n − 1)
    /// (disjoint samples without replacement: they sum to zero over the epoch), independent between epochs; E[uⱼ²] is the
    /// second moment averaged over the K phases of an epoch, from the covariance at an epoch's start (the Lyapunov equation
    /// of R^K) and the epoch's own noise.</item>
    /// </list>
    /// </summary>
    /// <exception cref="HyperparameterException">B ∉ [1, n].</exception>
    /// <exception cref="ArgumentException">A direction does not converge under the method.</exception>
    public double Plateau(LinearMethod method, int batchSize, MinibatchSampling sampling = MinibatchSampling.Reshuffled)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (!Enum.IsDefined(sampling)) throw new ArgumentOutOfRangeException(nameof(sampling), sampling, "must be Independent or Reshuffled.");
        var (curvatures, variances) = (TrainedCurvatures, GradientVariances(batchSize));
        var excess = 0.0;
        for (var j = 0; j < curvatures.Length; j++)
        {
            var map = method.At(curvatures[j]);
            var secondMoment = sampling == MinibatchSampling.Independent
                ? GradientNoise.StationarySecondMoment(map, variances[j])
                : ReshuffledSecondMoment(map, batchSize, GradientScale * GradientScale * ExampleVariances[j]);
            excess += 0.5 * Hessian.Eigenvalues[j] * secondMoment;
        }
        return MinimumLoss + excess;
    }

    // E[u²] averaged over an epoch's phases when each epoch's minibatch noises sum to zero (see Plateau).
    private double ReshuffledSecondMoment(LinearMap map, int batchSize, double exampleVariance)
    {
        var radius = map.SpectralRadius();
        if (!(radius < 1))
            throw new ArgumentException($"{map} has no stationary distribution: ρ(R) = {Inputs.Text(radius)} must be < 1.", nameof(map));
        var n = Rows;
        var batches = Minibatches.PerEpoch(n, batchSize);
        double Size(int k) => k < batches - 1 ? batchSize : n - (batches - 1) * batchSize;
        var relevant = map.Relevant;
        var r = Matrix<double>.Build.DenseOfArray(map.RelevantBlock());
        var b = Vector.Build.DenseOfEnumerable(relevant.Select(i => map.NoiseInput[i]));
        var m = relevant.Length;
        var scale = exampleVariance / (n - 1);

        // After j steps of an epoch, this epoch's noise contributes Q_j = scale·(P_j − v_j v_jᵀ) with
        // P_{j+1} = R P_j Rᵀ + (n/B_j) b bᵀ and v_{j+1} = R v_j + b.
        Matrix<double> EpochNoise(int steps, Action<int, Matrix<double>>? visit)
        {
            var p = Matrix<double>.Build.Dense(m, m);
            var v = Vector.Build.Dense(m);
            for (var j = 0; j < steps; j++)
            {
                p = r * p * r.Transpose() + b.OuterProduct(b) * (n / Size(j));
                v = r * v + b;
                visit?.Invoke(j + 1, (p - v.OuterProduct(v)) * scale);
            }
            return (p - v.OuterProduct(v)) * scale;
        }

        // The covariance at an epoch's start: Σ₀ = R^K Σ₀ (R^K)ᵀ + Q_K.
        var sigma = Lyapunov.Solve(r.Power(batches), EpochNoise(batches, null));

        // Average Cov(u) = (R^j Σ₀ (R^j)ᵀ + Q_j)ₓₓ over the phases j = 1 … K.
        var (sum, carried) = (0.0, sigma);
        EpochNoise(batches, (j, q) =>
        {
            carried = r * carried * r.Transpose();
            sum += carried[0, 0] + q[0, 0];
        });
        return sum / batches;
    }

    /// <summary>
    /// The predicted mean of the recorded loss after t = 0 … <paramref name="steps"/> minibatch steps from
    /// <paramref name="start"/> (θ₀): ℓ* + Σⱼ ½λⱼ(E[uⱼ]² + Var uⱼ), uⱼ = oⱼ·(θ − θ*) (<see cref="GradientNoise.Transient"/>).
    /// </summary>
    /// <exception cref="ArgumentException">θ₀ is not F + 1 long.</exception>
    /// <exception cref="HyperparameterException">B ∉ [1, n], or the steps are negative.</exception>
    public ImmutableArray<double> ExpectedLoss(LinearMethod method, int batchSize, ReadOnlySpan<double> start, int steps)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (start.Length != Optimum.Length)
            throw new ArgumentException($"θ₀ has {start.Length} values; the model has {Optimum.Length}.", nameof(start));
        var (curvatures, variances) = (TrainedCurvatures, GradientVariances(batchSize));
        var total = new double[Inputs.AtLeast(steps, 0, nameof(RegressionNoise), nameof(steps)) + 1];
        for (var j = 0; j < curvatures.Length; j++)
        {
            var offset = 0.0;
            for (var i = 0; i < start.Length; i++) offset += Hessian.Eigenvectors[j][i] * (start[i] - Optimum[i]);
            var direction = GradientNoise.Transient(method.At(curvatures[j]), offset, variances[j], steps);
            for (var t = 0; t <= steps; t++)
                total[t] += 0.5 * Hessian.Eigenvalues[j] * (direction[t].Mean * direction[t].Mean + direction[t].Variance);
        }
        return [.. total.Select(v => MinimumLoss + v)];
    }

    /// <inheritdoc />
    public bool Equals(RegressionNoise? other) =>
        other is not null && Rows == other.Rows && Loss == other.Loss && Optimum.SequenceEqual(other.Optimum) && MinimumLoss.Equals(other.MinimumLoss)
        && Hessian.Equals(other.Hessian) && ExampleVariances.SequenceEqual(other.ExampleVariances);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Rows, MinimumLoss);
}
