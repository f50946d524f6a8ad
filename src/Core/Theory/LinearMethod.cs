using System.Collections.Immutable;
using System.Globalization;
using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>
/// A linear method read off its own code: a gradient transformation whose step, on one parameter, is a fixed linear map of
/// its state z = (x, the state's vectors …) and the gradient g,
/// <code>
/// z' = A z + b g          (every step after the first)
/// z₁ = A₀ z₀ + b₀ g₀,  z₀ = s·x₀   (the first step, from the state Init gives x₀)
/// </code>
/// On the quadratic f(x) = ½λx² (one eigen-direction of d2l §11.6.3.1's h) the gradient is g = λx + ξ, so the method is
/// z ← R z + b ξ with the iteration matrix R(λ) = A + λ·b·e₀ᵀ (<see cref="At"/>): d2l's R(β, η, λ) for heavy ball
/// (§11.6.3.2), and the same construction for every method whose step is linear — gradient descent, heavy ball with
/// dampening and coupled or decoupled weight decay, PyTorch's Nesterov, QHM, AggMo, the Keras form.
/// </summary>
/// <remarks>
/// <para>
/// The matrices are obtained by running the transformation's span-level
/// <see cref="IGradientTransformation.Step{T}(Span{T}, StateBuffers{T}, Span{T}, long)"/> on unit states (x = 1 or one state
/// vector = 1, the rest 0, gradient 0) and on a unit gradient from the zero state, so the theory cannot drift from the code.
/// The first step is read at step 0 from Init's scalars; the rest at step 1 from the scalars the first step left (flags
/// such as <see cref="Trace"/>'s "initialized"), which are held fixed.
/// </para>
/// <para>
/// A transformation is refused (<see cref="NonlinearMethodException"/>) when: the response to a combination of states and a
/// gradient at scales 10⁻⁶, 1 and 10⁶ (and negated) is not A z + b g to 10⁻⁹ of its terms' size (clipping, a branch);
/// Init is not linear in x₀; a scalar of the state moves during a step (a counter, averaging weights); or the step at a
/// probed later time answers that combination otherwise than step 1's A z + b g (a schedule or a period). The later
/// steps probed are 2 … 256, 10ᵐ − 1 and 10ᵐ for m = 3 … 18, and 2ᵐ − 1 and 2ᵐ for m = 9 … 62; a hyperparameter that
/// changes only elsewhere is not seen.
/// </para>
/// <para>
/// Not every coordinate of z matters for x: PyTorch keeps a momentum buffer while β = 0 but never writes it (its
/// eigenvalue 1 would otherwise read as "does not converge"), and QHM with ν = 0 updates a buffer x never reads.
/// <see cref="Relevant"/> keeps the coordinates that can be reached from the start and the gradient and that can reach x
/// (the structural Kalman decomposition: the others are exact zeros of A's graph), and every rate, regime and noise result
/// is computed on that block.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var nesterov = LinearMethod.Of(Optimizer.Nesterov(0.1, 0.9));
/// var map = nesterov.At(eigenvalue: 4);          // R over (x, trace)
/// double rate = map.SpectralRadius();            // ρ(R)
/// Regime regime = map.Regime();
/// </code>
/// </example>
public sealed record LinearMethod
{
    private const double LinearityTolerance = 1e-9;

    private LinearMethod(IGradientTransformation method, ImmutableArray<string> state, ImmutableArray<double> transition,
        ImmutableArray<double> gradientInput, ImmutableArray<double> firstTransition, ImmutableArray<double> firstGradientInput,
        ImmutableArray<double> initialState, ImmutableArray<int> relevant)
    {
        Method = method;
        State = state;
        Transition = transition;
        GradientInput = gradientInput;
        FirstTransition = firstTransition;
        FirstGradientInput = firstGradientInput;
        InitialState = initialState;
        Relevant = relevant;
    }

    /// <summary>The transformation whose map this is.</summary>
    public IGradientTransformation Method { get; }

    /// <summary>The names of z's coordinates: "x", then the transformation's state vectors ("trace", "1.trace", "trace0" …).</summary>
    public ImmutableArray<string> State { get; }

    /// <summary>k, the length of z.</summary>
    public int Dimension => State.Length;

    /// <summary>A, row-major k×k: the step's response to the state with a zero gradient (steps after the first).</summary>
    public ImmutableArray<double> Transition { get; }

    /// <summary>b: the step's response to a unit gradient from the zero state (steps after the first).</summary>
    public ImmutableArray<double> GradientInput { get; }

    /// <summary>A₀, row-major k×k: the first step's response to the state Init leaves.</summary>
    public ImmutableArray<double> FirstTransition { get; }

    /// <summary>b₀: the first step's response to a unit gradient.</summary>
    public ImmutableArray<double> FirstGradientInput { get; }

    /// <summary>s: the state Init gives x₀ = 1 (z₀ = s·x₀; s₀ = 1).</summary>
    public ImmutableArray<double> InitialState { get; }

    /// <summary>The coordinates of z that can be reached from the start and the gradient and that can reach x, ascending (x, 0, first).</summary>
    public ImmutableArray<int> Relevant { get; }

    /// <summary>
    /// Reads the linear map of <paramref name="method"/> off its span-level step (see the remarks of <see cref="LinearMethod"/>).
    /// </summary>
    /// <exception cref="NonlinearMethodException">The step is not a fixed linear map of the state and gradient.</exception>
    /// <exception cref="HyperparameterException">The transformation refuses one of its own hyperparameters at step 0 or 1.</exception>
    public static LinearMethod Of(IGradientTransformation method) => Read(method, thorough: true);

    /// <summary>The same, probing only steps 1 and 2 for changes: for repeated evaluation of a family already read once thoroughly.</summary>
    internal static LinearMethod Read(IGradientTransformation method, bool thorough)
    {
        ArgumentNullException.ThrowIfNull(method);
        var probe = new Probe(method);
        var k = probe.Dimension;

        // z₀ = s·x₀: Init must be linear in x₀.
        var (initial, initScalars) = probe.Init(1);
        var (scaled, _) = probe.Init(-2.5);
        for (var i = 0; i < k; i++)
            if (!Near(scaled[i], -2.5 * initial[i], Math.Abs(2.5 * initial[i])))
                throw probe.Refuse(NonlinearReason.NotLinear, $"Init(−2.5) gives {probe.State[i]} = {Show(scaled[i])}, not −2.5 × {Show(initial[i])}");

        var first = probe.ReadStep(initScalars, 0, checkFixedScalars: false);
        var later = probe.ReadStep(first.ScalarsAfter, 1, checkFixedScalars: true);
        foreach (var step in thorough ? LaterSteps() : [2])
        {
            try
            {
                probe.CheckStep(later, first.ScalarsAfter, step);
            }
            catch (HyperparameterException e)
            {
                throw probe.Refuse(NonlinearReason.VariesWithStep, $"a hyperparameter is refused at step {step} ({e.Message})");
            }
        }

        var relevant = RelevantCoordinates(k, later.Matrix, later.Input, initial, first.Matrix, first.Input);
        return new(method, probe.State, [.. later.Matrix], [.. later.Input], [.. first.Matrix], [.. first.Input], [.. initial], relevant);
    }

    /// <summary>The map on f(x) = ½λx²: R = A + λ·b·e₀ᵀ, and the first step's R₀ = A₀ + λ·b₀·e₀ᵀ.</summary>
    /// <param name="eigenvalue">λ, any finite number (λ ≤ 0 gives a map that does not converge).</param>
    /// <exception cref="HyperparameterException">λ is not finite.</exception>
    public LinearMap At(double eigenvalue)
    {
        Inputs.Finite(eigenvalue, nameof(LinearMethod), nameof(eigenvalue));
        return new(this, eigenvalue, WithGradient(Transition, GradientInput, eigenvalue), WithGradient(FirstTransition, FirstGradientInput, eigenvalue));
    }

    private ImmutableArray<double> WithGradient(ImmutableArray<double> transition, ImmutableArray<double> input, double eigenvalue)
    {
        var k = Dimension;
        var r = transition.ToArray();
        for (var i = 0; i < k; i++) r[i * k] = Math.FusedMultiplyAdd(eigenvalue, input[i], r[i * k]);
        return [.. r];
    }

    /// <inheritdoc />
    public bool Equals(LinearMethod? other) =>
        other is not null && Method.Equals(other.Method) && Transition.SequenceEqual(other.Transition) && GradientInput.SequenceEqual(other.GradientInput)
        && FirstTransition.SequenceEqual(other.FirstTransition) && FirstGradientInput.SequenceEqual(other.FirstGradientInput)
        && InitialState.SequenceEqual(other.InitialState);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Method, Dimension);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method).Append(", State = [").AppendJoin(", ", State).Append(']');
        return true;
    }

    // ----- reading the step -----

    private static IEnumerable<long> LaterSteps()
    {
        for (long t = 2; t <= 256; t++) yield return t;
        long power = 100;
        for (var m = 3; m <= 18; m++)
        {
            power *= 10;
            yield return power - 1;
            yield return power;
        }
        for (var m = 9; m <= 62; m++)
        {
            yield return (1L << m) - 1;
            yield return 1L << m;
        }
    }

    /// <summary>A, b of one step, and the scalars the step leaves.</summary>
    private sealed record Map(double[] Matrix, double[] Input, double[] ScalarsAfter);

    /// <summary>The transformation on one parameter, in buffers reused for every probe.</summary>
    private sealed class Probe
    {
        private readonly IGradientTransformation method;
        private readonly double[] x = new double[1], gradient = new double[1], vectors, scalars;
        private readonly ImmutableArray<string> scalarNames;

        public Probe(IGradientTransformation method)
        {
            this.method = method;
            var shape = method.Shape;
            vectors = new double[shape.Vectors.Length];
            scalars = new double[shape.Scalars.Length];
            State = ["x", .. shape.Vectors];
            scalarNames = shape.Scalars;
        }

        public ImmutableArray<string> State { get; }

        public int Dimension => State.Length;

        public NonlinearMethodException Refuse(NonlinearReason reason, string detail) => new(method.ToString() ?? method.GetType().Name, reason, detail);

        public (double[] State, double[] Scalars) Init(double start)
        {
            x[0] = start;
            method.Init<double>(x, new StateBuffers<double>(vectors, scalars, 1));
            return ([start, .. vectors], [.. scalars]);
        }

        /// <summary>z' for state z, scalars and gradient g at step t; the scalars after the step are left in <c>scalars</c>.</summary>
        private double[] Step(ReadOnlySpan<double> z, ReadOnlySpan<double> scalarsIn, double g, long step)
        {
            x[0] = z[0];
            z[1..].CopyTo(vectors);
            scalarsIn.CopyTo(scalars);
            gradient[0] = g;
            method.Step<double>(gradient, new StateBuffers<double>(vectors, scalars, 1), x, step);
            return [x[0], .. vectors];
        }

        /// <summary>A and b of the step at <paramref name="step"/> from <paramref name="scalarsIn"/>, checked for linearity.</summary>
        public Map ReadStep(double[] scalarsIn, long step, bool checkFixedScalars)
        {
            var k = Dimension;
            var matrix = new double[k * k];
            var unit = new double[k];
            double[]? after = null;
            void Scalars(string what)
            {
                if (after is null)
                {
                    after = [.. scalars];
                    if (checkFixedScalars) RequireFixed(scalarsIn, step, what);
                }
                else if (!after.AsSpan().SequenceEqual(scalars))
                    throw Refuse(NonlinearReason.NotLinear, $"the scalars it leaves at step {step} depend on the state ({what})");
            }

            for (var j = 0; j < k; j++)
            {
                unit.AsSpan().Clear();
                unit[j] = 1;
                var column = Step(unit, scalarsIn, 0, step);
                for (var i = 0; i < k; i++) matrix[i * k + j] = column[i];
                Scalars($"unit {State[j]}");
            }
            unit.AsSpan().Clear();
            var input = Step(unit, scalarsIn, 1, step);
            Scalars("unit gradient");
            foreach (var (values, cause) in new[] { (matrix, "a unit state"), (input, "the unit gradient") })
                foreach (var value in values)
                    if (!double.IsFinite(value))
                        throw Refuse(NonlinearReason.NotFinite, $"{cause} gives {Show(value)} at step {step}");

            // A combination of states and a gradient at three scales, and negated, must give A z + b g.
            var z = Combination(k);
            foreach (var scale in (ReadOnlySpan<double>)[1e-6, 1, 1e6, -1])
            {
                var zs = z.Select(v => v * scale).ToArray();
                var g = 0.7071 * scale;
                var response = Step(zs, scalarsIn, g, step);
                Scalars($"the state scaled by {Show(scale)}");
                for (var i = 0; i < k; i++)
                {
                    var (expected, size) = Expected(matrix, input, zs, g, i);
                    if (!Near(response[i], expected, size))
                        throw Refuse(NonlinearReason.NotLinear,
                            $"at step {step} the response to a state and gradient of size {Show(Math.Abs(scale))} has {State[i]} = {Show(response[i])}, but A z + b g = {Show(expected)}");
                }
            }
            return new(matrix, input, after!);
        }

        /// <summary>
        /// One step at <paramref name="step"/> from a fixed combination of states and a gradient must give A z + b g with
        /// <paramref name="map"/>'s A and b, and leave the scalars as they were.
        /// </summary>
        public void CheckStep(Map map, double[] scalarsIn, long step)
        {
            var k = Dimension;
            var z = Combination(k);
            const double g = -0.4142;
            var response = Step(z, scalarsIn, g, step);
            RequireFixed(scalarsIn, step, "a combination of states");
            for (var i = 0; i < k; i++)
            {
                var (expected, size) = Expected(map.Matrix, map.Input, z, g, i);
                if (!Near(response[i], expected, size))
                    throw Refuse(NonlinearReason.VariesWithStep,
                        $"its step {step} gives {State[i]} = {Show(response[i])} where the map of step 1 gives {Show(expected)}: a scheduled hyperparameter or a period");
            }
        }

        private void RequireFixed(double[] before, long step, string what)
        {
            for (var i = 0; i < before.Length; i++)
                if (!before[i].Equals(scalars[i]))
                    throw Refuse(NonlinearReason.VariesWithStep,
                        $"its scalar \"{scalarNames[i]}\" moves from {Show(before[i])} to {Show(scalars[i])} at step {step} ({what})");
        }
    }

    // A fixed combination of every coordinate, of mixed signs and sizes (no hidden randomness: the same every time).
    private static double[] Combination(int k)
    {
        var z = new double[k];
        for (var i = 0; i < k; i++) z[i] = Math.Sin(1.3 + 2.1 * i) * (1 + 0.25 * i);
        return z;
    }

    // (A z + b g)ᵢ and the sum of its terms' magnitudes.
    private static (double Value, double Size) Expected(double[] matrix, double[] input, double[] z, double g, int i)
    {
        var k = z.Length;
        var (value, size) = (input[i] * g, Math.Abs(input[i] * g));
        for (var j = 0; j < k; j++)
        {
            value += matrix[i * k + j] * z[j];
            size += Math.Abs(matrix[i * k + j] * z[j]);
        }
        return (value, size);
    }

    private static bool Near(double actual, double expected, double size) =>
        Math.Abs(actual - expected) <= LinearityTolerance * size || actual.Equals(expected);

    private static string Show(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>Coordinates reachable from the start and the gradient along A's graph (plus x → b's support), and reaching x.</summary>
    private static ImmutableArray<int> RelevantCoordinates(int k, double[] a, double[] b, double[] initial, double[] a0, double[] b0)
    {
        bool Edge(int from, int to) => a[to * k + from] != 0 || (from == 0 && b[to] != 0);
        var start = new bool[k];
        start[0] = true;
        for (var i = 0; i < k; i++)
        {
            var afterFirst = 0.0;
            for (var j = 0; j < k; j++) afterFirst += Math.Abs(a0[i * k + j] * initial[j]);
            start[i] |= b[i] != 0 || b0[i] != 0 || initial[i] != 0 || afterFirst != 0;
        }
        var reachable = Closure(k, start, (i, j) => Edge(i, j));
        var target = new bool[k];
        target[0] = true;
        var observable = Closure(k, target, (i, j) => Edge(j, i));
        return [.. Enumerable.Range(0, k).Where(i => reachable[i] && observable[i])];
    }

    // Every node reachable from the marked ones along edge(from, to).
    private static bool[] Closure(int k, bool[] marked, Func<int, int, bool> edge)
    {
        var result = (bool[])marked.Clone();
        var queue = new Queue<int>(Enumerable.Range(0, k).Where(i => result[i]));
        while (queue.TryDequeue(out var from))
            for (var to = 0; to < k; to++)
                if (!result[to] && edge(from, to))
                {
                    result[to] = true;
                    queue.Enqueue(to);
                }
        return result;
    }
}
