using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Problems;

namespace Momentum.Testing;

/// <summary>
/// Property harnesses that take any gradient transformation — the library's or yours — and check a claim of the theory or
/// of the library's contract, returning an FsCheck <see cref="Property"/> whose counterexample names the transformation,
/// the problem and the step where the claim failed. Run one with <c>[Property]</c> in xunit (FsCheck.Xunit) or with
/// <c>.QuickCheckThrowOnFailure()</c> anywhere.
/// </summary>
/// <example>
/// <code>
/// var mine = Gen.Choose(1, 99).Select(k => (GradientTransformation)new MyMomentum(0.1, k / 100.0));
/// Harness.EigenDecoupling(mine).QuickCheckThrowOnFailure();
/// </code>
/// </example>
public static class Harness
{
    /// <summary>
    /// The span level computes the record level's bits (the contract of <see cref="GradientTransformation"/>): for random
    /// lengths (every SIMD tail), offsets into larger buffers and a few steps, in float and double, the record-level
    /// <see cref="TransformationExtensions.Step{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>,
    /// the donating <see cref="TransformationExtensions.StepDonating{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    /// and the span-level step on caller-owned buffers give the same parameters and state, the record level never writes
    /// its gradient, and the span level writes nothing outside its spans.
    /// </summary>
    /// <param name="transformations">The transformations to check (e.g. one built from random hyperparameters).</param>
    /// <param name="maxSteps">The most steps of a run.</param>
    public static Property SpanLevelEqualsRecordLevel(Gen<IGradientTransformation> transformations, int maxSteps = 6) =>
        SpanLevelEqualsRecordLevel(transformations.ToArbitrary(), t => t, maxSteps);

    /// <summary>
    /// <see cref="SpanLevelEqualsRecordLevel(Gen{IGradientTransformation}, int)"/> for transformations built from
    /// hyperparameters drawn by <paramref name="hyperparameters"/>, which FsCheck shrinks to a small counterexample.
    /// </summary>
    /// <param name="hyperparameters">Your hyperparameters (with a shrinker, e.g. from <c>ArbMap.Default.ArbFor&lt;…&gt;()</c>).</param>
    /// <param name="build">Builds the transformation from them.</param>
    /// <param name="maxSteps">The most steps of a run.</param>
    public static Property SpanLevelEqualsRecordLevel<THyper>(Arbitrary<THyper> hyperparameters, Func<THyper, IGradientTransformation> build, int maxSteps = 6)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        var runs =
            from n in Generators.Length
            from offset in Generators.Offset
            from steps in Gen.Choose(1, maxSteps)
            from seed in Gen.Choose(0, int.MaxValue)
            select (n, offset, steps, seed);
        return Prop.ForAll(hyperparameters, h => Prop.ForAll(runs.ToArbitrary(), r =>
        {
            var run = new Run(build(h), r.n, r.offset, r.steps, r.seed);
            return SpanEqualsRecord<double>(run).And(SpanEqualsRecord<float>(run));
        }));
    }

    /// <summary>
    /// Eigen-decoupling (d2l §11.6.3.1; Goh 2017): on f(x) = ½ xᵀQx with Q = Oᵀ diag(λ) O, the iterates of a method
    /// that is linear and rotation-invariant are Oᵀ times the iterates of the same method run on each ½λᵢyᵢ² alone, from
    /// y₀ = O x₀. Compared step by step, relative to <paramref name="tolerance"/> of the iterates' size.
    /// </summary>
    /// <param name="transformations">The transformations to check.</param>
    /// <param name="dimension">n, the quadratic's dimension (≥ 2).</param>
    /// <param name="conditionNumber">κ = L/μ of the quadratics.</param>
    /// <param name="steps">Steps of each run.</param>
    /// <param name="tolerance">The allowed difference relative to the largest |yᵢ| so far (rounding grows with the steps).</param>
    public static Property EigenDecoupling(Gen<IGradientTransformation> transformations, int dimension = 4, double conditionNumber = 100,
        int steps = 40, double tolerance = 1e-9) =>
        EigenDecoupling(transformations.ToArbitrary(), t => t, dimension, conditionNumber, steps, tolerance);

    /// <summary>
    /// <see cref="EigenDecoupling(Gen{IGradientTransformation}, int, double, int, double)"/> for transformations built from
    /// hyperparameters drawn by <paramref name="hyperparameters"/>, which FsCheck shrinks to a small counterexample.
    /// </summary>
    /// <param name="hyperparameters">Your hyperparameters (with a shrinker, e.g. from <c>ArbMap.Default.ArbFor&lt;…&gt;()</c>).</param>
    /// <param name="build">Builds the transformation from them.</param>
    /// <param name="dimension">n, the quadratic's dimension (≥ 2).</param>
    /// <param name="conditionNumber">κ = L/μ of the quadratics.</param>
    /// <param name="steps">Steps of each run.</param>
    /// <param name="tolerance">The allowed difference relative to the largest |yᵢ| so far.</param>
    public static Property EigenDecoupling<THyper>(Arbitrary<THyper> hyperparameters, Func<THyper, IGradientTransformation> build, int dimension = 4,
        double conditionNumber = 100, int steps = 40, double tolerance = 1e-9)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(build);
        var cases =
            from q in Generators.RotatedQuadratic(dimension, conditionNumber)
            from start in Gen.ArrayOf(Generators.Normal, dimension)
            select (q.Problem, q.Rotation, q.Eigenvalues, Start: start);
        return Prop.ForAll(hyperparameters, h => Prop.ForAll(cases.ToArbitrary(), q =>
        {
            var c = (Transformation: build(h), q.Problem, q.Rotation, q.Eigenvalues, q.Start);
            var n = c.Start.Length;
            var rotated = new List<double[]>();
            Trajectory.Run(c.Problem, c.Transformation, c.Start, steps, (_, x, _) => { rotated.Add(Rotate(c.Rotation, x)); return true; });
            var y0 = Rotate(c.Rotation, c.Start);
            var alone = new List<double>[n];
            for (var i = 0; i < n; i++)
            {
                var run = alone[i] = [];
                Trajectory.Run(new DiagonalQuadratic([c.Eigenvalues[i]]), c.Transformation, [y0[i]], steps, (_, y, _) => { run.Add(y[0]); return true; });
            }
            // A rotation mixes the coordinates, so rounding is relative to the largest of them so far, not to each one's own size.
            var scale = 1.0;
            for (var t = 0; t < rotated.Count; t++)
            {
                for (var i = 0; i < n; i++) scale = Math.Max(scale, Math.Abs(alone[i][t]));
                for (var i = 0; i < n; i++)
                {
                    if (!(Math.Abs(rotated[t][i] - alone[i][t]) <= tolerance * scale))
                        return false.Label($"{c.Transformation} on λ = [{Numbers(c.Eigenvalues)}]: at step {t}, eigen-coordinate {i} (λ = {Number(c.Eigenvalues[i])}) "
                            + $"is {Number(rotated[t][i])} in the rotated run and {Number(alone[i][t])} run alone");
                }
            }
            return true.ToProperty();
        }));
    }

    /// <summary>
    /// The linear-map claim (d2l §11.6.3.1, eq. 11.6.12 for heavy ball; Goh 2017, "the dynamics of momentum"): on
    /// f(x) = ½λx², one step of the transformation is z ← R(λ) z for the matrix your paper gives. The matrix is read off
    /// the transformation's own step (<see cref="Theory.LinearMethod.Of"/>, state order x then the state's vectors, as
    /// <see cref="Theory.LinearMethod.State"/> names them) and compared entry by entry with <paramref name="claimed"/>; a
    /// transformation that is not a fixed linear map fails naming why.
    /// </summary>
    /// <param name="hyperparameters">Your hyperparameters (with a shrinker).</param>
    /// <param name="build">Builds the transformation from them.</param>
    /// <param name="claimed">The claimed R for these hyperparameters at λ, in the state order above.</param>
    /// <param name="eigenvalues">The λ to check at (by default log-uniform in [10⁻³, 10³] and around 1).</param>
    /// <param name="tolerance">The allowed difference, relative to the largest entry of R.</param>
    public static Property LinearMap<THyper>(Arbitrary<THyper> hyperparameters, Func<THyper, IGradientTransformation> build,
        Func<THyper, double, double[,]> claimed, Gen<double>? eigenvalues = null, double tolerance = 1e-12)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(claimed);
        var lambdas = eigenvalues ?? Gen.Frequency((3, Generators.LogUniform(1e-3, 1e3)), (1, Generators.Around(1)));
        return Prop.ForAll(hyperparameters, h => Prop.ForAll(lambdas.ToArbitrary(), lambda =>
        {
            var transformation = build(h);
            Theory.LinearMap map;
            try
            {
                map = Theory.LinearMethod.Of(transformation).At(lambda);
            }
            catch (Theory.NonlinearMethodException e)
            {
                return false.Label($"{transformation}: not a fixed linear map ({e.Message})");
            }
            var read = map.ToArray();
            var paper = claimed(h, lambda);
            var k = read.GetLength(0);
            if (paper.GetLength(0) != k || paper.GetLength(1) != k)
                return false.Label($"{transformation} at λ = {Number(lambda)}: the claimed R is {paper.GetLength(0)}×{paper.GetLength(1)}; the step's state [{string.Join(", ", map.State)}] makes it {k}×{k}");
            var scale = 0.0;
            foreach (var entry in read) scale = Math.Max(scale, Math.Abs(entry));
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++)
                    if (!(Math.Abs(read[i, j] - paper[i, j]) <= tolerance * Math.Max(scale, 1)))
                        return false.Label($"{transformation} at λ = {Number(lambda)}: R[{map.State[i]}, {map.State[j]}] is {Number(read[i, j])} from the step, {Number(paper[i, j])} claimed");
            return true.ToProperty();
        }));
    }

    /// <summary>
    /// Convergence exactly where the spectral radius is below one (d2l §11.6.3.2: the iterates of a linear method on
    /// ½λx² tend to 0 iff ρ(R(λ)) &lt; 1): the rate is read off the transformation's step, and its own iterates from x₀ = 1
    /// are run until ρᵗ would pass 10⁻⁸ (or 10⁸). A rate within <paramref name="skip"/> of 1 is not decided (its run would be
    /// too long, and a Jordan block's t·ρᵗ could still be growing), and counts as passed.
    /// </summary>
    /// <param name="hyperparameters">Your hyperparameters (with a shrinker).</param>
    /// <param name="build">Builds the transformation from them.</param>
    /// <param name="eigenvalues">The λ to run on (by default log-uniform in [10⁻³, 10³]).</param>
    /// <param name="skip">Rates in [1 − skip, 1 + skip] are not decided.</param>
    public static Property ConvergesWhereTheRateIsBelowOne<THyper>(Arbitrary<THyper> hyperparameters, Func<THyper, IGradientTransformation> build,
        Gen<double>? eigenvalues = null, double skip = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(skip);
        var lambdas = eigenvalues ?? Generators.LogUniform(1e-3, 1e3);
        return Prop.ForAll(hyperparameters, h => Prop.ForAll(lambdas.ToArbitrary(), lambda =>
        {
            var transformation = build(h);
            double rate;
            try
            {
                rate = Theory.LinearMethod.Of(transformation).At(lambda).SpectralRadius();
            }
            catch (Theory.NonlinearMethodException e)
            {
                return false.Label($"{transformation}: not a fixed linear map ({e.Message})");
            }
            if (Math.Abs(rate - 1) <= skip || rate == 0) return true.ToProperty();
            // Steps for ρᵗ to reach 10∓⁸, at least 20, at most 10⁵ (the skip keeps |ln ρ| ≥ about 10⁻³).
            var steps = (long)Math.Clamp(Math.Ceiling(8 * Math.Log(10) / Math.Abs(Math.Log(rate))), 20, 100_000);
            var last = 1.0;
            var largest = 1.0;
            Trajectory.Run(new DiagonalQuadratic([lambda]), transformation, [1.0], steps, (_, x, _) =>
            {
                last = x[0];
                largest = Math.Max(largest, Math.Abs(x[0]));
                return double.IsFinite(x[0]) && Math.Abs(x[0]) < 1e12;
            }, NonFinitePolicy.Stop);
            // Converging: |x_t| ≤ 10⁻⁴ (ρᵗ = 10⁻⁸ leaves room for a transient and a Jordan block's factor t).
            // Diverging: |x| passed 10⁴ on the way (or overflowed).
            return rate < 1
                ? (Math.Abs(last) <= 1e-4).Label($"{transformation} at λ = {Number(lambda)}: rate {Number(rate)} < 1, but after {steps} steps x = {Number(last)}")
                : (!double.IsFinite(last) || largest >= 1e4).Label($"{transformation} at λ = {Number(lambda)}: rate {Number(rate)} > 1, but in {steps} steps |x| stayed below {Number(largest)}");
        }));
    }

    /// <summary>
    /// Checkpoints: the transformation written as JSON (<see cref="TransformationJson"/>) reads back equal; its state after
    /// some steps reads back bit for bit; and a run resumed from the state read back continues exactly as the run that was
    /// never stopped.
    /// </summary>
    /// <param name="transformations">The transformations to check.</param>
    /// <param name="catalog">A catalog that knows your transformation and schedule types (<see cref="Catalog.With{T}"/>).</param>
    public static Property CheckpointRoundTrip(Gen<IGradientTransformation> transformations, Catalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(transformations);
        catalog ??= Catalog.Default;
        var cases =
            from t in transformations
            from n in Gen.Choose(1, 40)
            from before in Gen.Choose(0, 6)
            from after in Gen.Choose(1, 6)
            from seed in Gen.Choose(0, int.MaxValue)
            select (Transformation: t, Length: n, Before: before, After: after, Seed: seed);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var json = TransformationJson.Write(c.Transformation, catalog);
            var back = TransformationJson.ReadTransformation(json, catalog);
            if (!back.Equals(c.Transformation)) return false.Label($"{c.Transformation} reads back as {back} from {json}");
            var random = new Random(c.Seed);
            var gradients = Enumerable.Range(0, c.Before + c.After).Select(_ => Enumerable.Range(0, c.Length).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
            var state = c.Transformation.Start<float>([.. Enumerable.Range(0, c.Length).Select(_ => (float)(random.NextDouble() * 2 - 1))]);
            for (var k = 0; k < c.Before; k++) state = c.Transformation.Step(state, Floats(gradients[k]));
            var saved = WriteState(state.Transform);
            using var document = JsonDocument.Parse(saved);
            var restored = state with { Transform = TransformationJson.ReadState<float>(document.RootElement, back.Shape) };
            if (!restored.Equals(state)) return false.Label($"{c.Transformation}: the state after {c.Before} steps does not read back bit for bit from {saved}");
            var (straight, resumed) = (state, restored);
            for (var k = c.Before; k < c.Before + c.After; k++)
                (straight, resumed) = (c.Transformation.Step(straight, Floats(gradients[k])), back.Step(resumed, Floats(gradients[k])));
            return resumed.Equals(straight).Label($"{c.Transformation}: resumed after {c.Before} steps, it differs from the run never stopped after {c.After} more");
        });
    }

    /// <summary>
    /// Replays trajectories recorded from another implementation, in the format of the toolkit's
    /// <c>torch_sgd.json</c> (<c>{"cases": [{"dtype": "float32"|"float64", …hyperparameters…, "start": […],
    /// "gradients": [[…], …], "parameters": [[…], …], "buffers": [[…]|null, …]}]}</c>): each case is stepped with
    /// <paramref name="build"/>'s transformation on its recorded gradients, and every parameter of every step must be
    /// within <paramref name="ulps"/> units in the last place of the recording (0: the same bits).
    /// </summary>
    /// <param name="json">The recording.</param>
    /// <param name="build">The transformation for a case, from its hyperparameters (e.g. <c>c.Number("lr")</c>).</param>
    /// <param name="ulps">The allowed distance in units in the last place of the case's precision.</param>
    /// <exception cref="RecordingMismatchException">A step differs: the message names the case, the step and the values.</exception>
    public static void AgreesWithRecording(string json, Func<RecordedCase, IGradientTransformation> build, long ulps = 0)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentOutOfRangeException.ThrowIfNegative(ulps);
        using var document = JsonDocument.Parse(json);
        var k = 0;
        foreach (var element in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var c = new RecordedCase(k++, element.Clone());
            var optimizer = build(c);
            if (c.Dtype == "float64") Replay<double>(c, optimizer, ulps);
            else if (c.Dtype == "float32") Replay<float>(c, optimizer, ulps);
            else throw new RecordingMismatchException($"case {c.Index}: dtype \"{c.Dtype}\" is neither float32 nor float64.");
        }
    }

    // ----- helpers -----

    private sealed record Run(IGradientTransformation Transformation, int Length, int Offset, int Steps, int Seed)
    {
        public override string ToString() => $"{Transformation}, n = {Length}, offset = {Offset}, {Steps} steps, seed {Seed}";
    }

    private static Property SpanEqualsRecord<T>(Run run)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = run.Transformation;
        var (n, offset) = (run.Length, run.Offset);
        var random = new Random(run.Seed);
        T Next() => T.CreateChecked(random.NextDouble() * 2 - 1);
        var start = Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        var gradients = Enumerable.Range(0, run.Steps).Select(_ => Enumerable.Range(0, n).Select(_ => Next()).ToArray()).ToArray();

        // The record level, fresh arrays every step and then the donating step in its input's arrays; both only read the gradient.
        var record = t.Start<T>(start);
        var donated = t.Start<T>(start);
        foreach (var g in gradients)
        {
            var copy = (T[])g.Clone();
            record = t.Step(record, g);
            donated = t.StepDonating(donated, g);
            if (!SameBits<T>(g, copy)) return false.Label($"{typeof(T).Name}: the record level wrote its gradient");
        }
        if (!donated.Equals(record))
            return false.Label($"{typeof(T).Name}: StepDonating differs from Step: {donated} vs {record}");

        // The span level in the middle of larger buffers, filled around with a canary.
        var canary = T.CreateChecked(-7.25);
        var shape = t.Shape;
        var x = Padded(start, offset, canary);
        var vectors = Padded(new T[shape.VectorLength(n)], offset, canary);
        var scalars = Padded(new double[shape.Scalars.Length], offset, -7.25);
        var buffers = () => new StateBuffers<T>(vectors.AsSpan(offset, shape.VectorLength(n)), scalars.AsSpan(offset, shape.Scalars.Length), n);
        t.Init<T>(x.AsSpan(offset, n), buffers());
        for (var k = 0; k < gradients.Length; k++)
        {
            var g = Padded(gradients[k], offset, canary);
            t.Step<T>(g.AsSpan(offset, n), buffers(), x.AsSpan(offset, n), k);
            if (!Untouched(g, offset, n, canary)) return false.Label($"{typeof(T).Name}: step {k} wrote outside the gradient span");
        }
        if (!Untouched(x, offset, n, canary) || !Untouched(vectors, offset, shape.VectorLength(n), canary) || !Untouched(scalars, offset, shape.Scalars.Length, -7.25))
            return false.Label($"{typeof(T).Name}: the span level wrote outside its spans");
        if (!SameBits<T>(record.Parameters.AsSpan(), x.AsSpan(offset, n)))
            return false.Label($"{typeof(T).Name}: parameters differ: record {Numbers(record.Parameters)} vs span {Numbers(x.AsSpan(offset, n).ToArray())}");
        if (!SameBits<T>(record.Transform.Vectors.AsSpan(), vectors.AsSpan(offset, shape.VectorLength(n))) || !record.Transform.Scalars.AsSpan().SequenceEqual(scalars.AsSpan(offset, shape.Scalars.Length)))
            return false.Label($"{typeof(T).Name}: the state differs: record {record.Transform}");
        return true.ToProperty();
    }

    private static TValue[] Padded<TValue>(TValue[] values, int offset, TValue canary)
    {
        var padded = new TValue[values.Length + 2 * offset + 3];
        Array.Fill(padded, canary);
        values.CopyTo(padded, offset);
        return padded;
    }

    private static bool Untouched<TValue>(TValue[] padded, int offset, int length, TValue canary)
        where TValue : IEquatable<TValue>
    {
        for (var i = 0; i < offset; i++) if (!padded[i].Equals(canary)) return false;
        for (var i = offset + length; i < padded.Length; i++) if (!padded[i].Equals(canary)) return false;
        return true;
    }

    /// <summary>Bitwise equality, with every NaN equal to every NaN.</summary>
    internal static bool SameBits<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
        {
            if (T.IsNaN(a[i]) && T.IsNaN(b[i])) continue;
            if (!a[i].Equals(b[i]) || T.IsNegative(a[i]) != T.IsNegative(b[i])) return false;
        }
        return true;
    }

    private static double[] Rotate(double[,] rotation, ReadOnlySpan<double> x)
    {
        var n = x.Length;
        var y = new double[n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                y[i] += rotation[i, j] * x[j];
        return y;
    }

    private static float[] Floats(double[] values) => Array.ConvertAll(values, v => (float)v);

    private static string WriteState(TransformState<float> state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) TransformationJson.WriteState(writer, state);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Replay<T>(RecordedCase c, IGradientTransformation optimizer, long ulps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = optimizer.Start<T>(Cast<T>(c.Start));
        for (var t = 0; t < c.Gradients.Length; t++)
        {
            state = optimizer.Step(state, Cast<T>(c.Gradients[t]));
            var expected = Cast<T>(c.Parameters[t]);
            for (var i = 0; i < expected.Length; i++)
            {
                var distance = UlpDistance(state.Parameters[i], expected[i]);
                if (distance > ulps)
                    throw new RecordingMismatchException(
                        $"case {c.Index} ({c.Dtype}, {c.Describe()}): step {t + 1}, parameter {i}: {Number(double.CreateChecked(state.Parameters[i]))} "
                        + $"against the recorded {Number(double.CreateChecked(expected[i]))}, {(distance == long.MaxValue ? "not comparable" : distance + " ulps apart")} (allowed {ulps}).");
            }
        }
    }

    /// <summary>The number of representable values between a and b (0 when equal; long.MaxValue when one is NaN).</summary>
    internal static long UlpDistance<T>(T a, T b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (T.IsNaN(a) || T.IsNaN(b)) return T.IsNaN(a) && T.IsNaN(b) ? 0 : long.MaxValue;
        if (a == b) return 0;
        static long Ordered(double v)
        {
            var bits = BitConverter.DoubleToInt64Bits(v);
            return bits < 0 ? long.MinValue - bits : bits;
        }
        static long OrderedSingle(float v)
        {
            var bits = BitConverter.SingleToInt32Bits(v);
            return bits < 0 ? int.MinValue - (long)bits : bits;
        }
        return typeof(T) == typeof(float)
            ? Math.Abs(OrderedSingle(float.CreateTruncating(a)) - OrderedSingle(float.CreateTruncating(b)))
            : (long)Math.Min((ulong)long.MaxValue, (ulong)Math.Abs((decimal)Ordered(double.CreateTruncating(a)) - Ordered(double.CreateTruncating(b))));
    }

    private static T[] Cast<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(values, T.CreateSaturating);

    private static string Number(double value) => TransformationJson.ExactText(value);

    private static string Numbers(IEnumerable<double> values) => string.Join(", ", values.Take(6).Select(Number)) + (values.Count() > 6 ? ", …" : "");

    private static string Numbers<T>(IEnumerable<T> values)
        where T : IFloatingPointIeee754<T> => Numbers(values.Select(v => double.CreateTruncating(v)));
}

/// <summary>One recorded case of <see cref="Harness.AgreesWithRecording"/>: its hyperparameters and its trajectory.</summary>
public sealed class RecordedCase
{
    private readonly JsonElement element;

    internal RecordedCase(int index, JsonElement element)
    {
        this.element = element;
        Index = index;
        Dtype = element.GetProperty("dtype").GetString() ?? "";
        Start = Doubles(element.GetProperty("start"));
        Gradients = [.. element.GetProperty("gradients").EnumerateArray().Select(Doubles)];
        Parameters = [.. element.GetProperty("parameters").EnumerateArray().Select(Doubles)];
        if (Gradients.Length != Parameters.Length)
            throw new RecordingMismatchException($"case {index}: {Gradients.Length} gradients but {Parameters.Length} recorded parameter vectors.");
    }

    /// <summary>The case's position in the recording (0-based).</summary>
    public int Index { get; }

    /// <summary>"float32" or "float64".</summary>
    public string Dtype { get; }

    /// <summary>x₀.</summary>
    public double[] Start { get; }

    /// <summary>The gradient of each step.</summary>
    public double[][] Gradients { get; }

    /// <summary>The recorded parameters after each step.</summary>
    public double[][] Parameters { get; }

    /// <summary>A numeric field of the case, e.g. <c>Number("lr")</c>.</summary>
    /// <exception cref="KeyNotFoundException">The case has no such number.</exception>
    public double Number(string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble()
            : throw new KeyNotFoundException($"case {Index} has no number \"{name}\".");

    /// <summary>A boolean field of the case, e.g. <c>Flag("nesterov")</c>.</summary>
    /// <exception cref="KeyNotFoundException">The case has no such flag.</exception>
    public bool Flag(string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw new KeyNotFoundException($"case {Index} has no true/false \"{name}\".");

    /// <summary>A list of numbers of the case, e.g. <c>Numbers("rates")</c> (the learning rate of each step).</summary>
    /// <exception cref="KeyNotFoundException">The case has no such list.</exception>
    public double[] Numbers(string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? Doubles(value)
            : throw new KeyNotFoundException($"case {Index} has no list \"{name}\".");

    /// <summary>The case's scalar hyperparameters, for messages.</summary>
    public string Describe() =>
        string.Join(", ", element.EnumerateObject().Where(p => p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            .Select(p => $"{p.Name} {p.Value.GetRawText()}"));

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];
}

/// <summary>A replayed step did not agree with its recording.</summary>
public sealed class RecordingMismatchException(string message) : Exception(message);
