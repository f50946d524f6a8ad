using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Momentum.Optimizers;

/// <summary>
/// What a transformation keeps between steps: named vectors with one value per parameter (a momentum buffer "trace",
/// Lookahead's "slow" weights) and named scalars (a flag "initialized", a count "mini_step"), the way PyTorch's
/// <c>state_dict</c> names an optimizer's tensors. A <see cref="Chain"/>'s shape is its links' shapes one after another,
/// each name prefixed with the link's index ("1.trace").
/// </summary>
/// <param name="Vectors">The names of the per-parameter vectors, in storage order.</param>
/// <param name="Scalars">The names of the scalars, in storage order.</param>
public sealed record StateShape(ImmutableArray<string> Vectors, ImmutableArray<string> Scalars)
{
    /// <summary>No state (a stateless transformation such as clipping or scaling).</summary>
    public static StateShape Empty { get; } = new([], []);

    /// <summary>The names of the per-parameter vectors, in storage order.</summary>
    public ImmutableArray<string> Vectors { get; init; } = Vectors.IsDefault ? [] : Vectors;

    /// <summary>The names of the scalars, in storage order.</summary>
    public ImmutableArray<string> Scalars { get; init; } = Scalars.IsDefault ? [] : Scalars;

    /// <summary>A shape with these names.</summary>
    public static StateShape Of(IEnumerable<string>? vectors = null, IEnumerable<string>? scalars = null) =>
        new([.. vectors ?? []], [.. scalars ?? []]);

    /// <summary>The shapes one after another, each name prefixed with its position ("0.trace", "2.count").</summary>
    public static StateShape Concat(IEnumerable<StateShape> shapes)
    {
        var (vectors, scalars) = (ImmutableArray.CreateBuilder<string>(), ImmutableArray.CreateBuilder<string>());
        var k = 0;
        foreach (var shape in shapes)
        {
            vectors.AddRange(shape.Vectors.Select(v => $"{k}.{v}"));
            scalars.AddRange(shape.Scalars.Select(s => $"{k}.{s}"));
            k++;
        }
        return new(vectors.ToImmutable(), scalars.ToImmutable());
    }

    /// <summary>This shape with <paramref name="prefix"/> before every name, for a wrapper's inner state ("inner.trace").</summary>
    public StateShape Prefixed(string prefix) =>
        new([.. Vectors.Select(v => $"{prefix}.{v}")], [.. Scalars.Select(s => $"{prefix}.{s}")]);

    /// <summary>A wrapper's own names, then its inner transformation's names prefixed with "inner.".</summary>
    public static StateShape Wrapping(StateShape inner, IEnumerable<string>? vectors = null, IEnumerable<string>? scalars = null)
    {
        var prefixed = inner.Prefixed("inner");
        return new([.. vectors ?? [], .. prefixed.Vectors], [.. scalars ?? [], .. prefixed.Scalars]);
    }

    /// <summary>The number of values the vectors need for <paramref name="length"/> parameters.</summary>
    public int VectorLength(int length) => checked(Vectors.Length * length);

    /// <inheritdoc />
    public bool Equals(StateShape? other) =>
        other is not null && Vectors.SequenceEqual(other.Vectors) && Scalars.SequenceEqual(other.Scalars);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Vectors.Length, Scalars.Length);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Vectors = [").AppendJoin(", ", Vectors).Append("], Scalars = [").AppendJoin(", ", Scalars).Append(']');
        return true;
    }
}

/// <summary>
/// The span level of a transformation's state: caller-owned buffers, read and written in place. <see cref="Vectors"/>
/// holds the shape's vectors one after another (vector k at <c>[k·n, (k + 1)·n)</c>); <see cref="Scalars"/> its scalars.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public readonly ref struct StateBuffers<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Views <paramref name="vectors"/> and <paramref name="scalars"/> as the state of <paramref name="length"/> parameters.</summary>
    /// <exception cref="ArgumentException">The vector buffer is not a whole number of vectors of that length.</exception>
    public StateBuffers(Span<T> vectors, Span<double> scalars, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0 ? vectors.Length != 0 : vectors.Length % length != 0)
            throw new ArgumentException($"vectors has {vectors.Length} values, not a whole number of vectors of {length}.", nameof(vectors));
        Vectors = vectors;
        Scalars = scalars;
        Length = length;
    }

    /// <summary>Every vector, one after another.</summary>
    public Span<T> Vectors { get; }

    /// <summary>Every scalar.</summary>
    public Span<double> Scalars { get; }

    /// <summary>n, the parameters (and the length of each vector).</summary>
    public int Length { get; }

    /// <summary>Vector <paramref name="k"/>.</summary>
    public Span<T> Vector(int k) => Vectors.Slice(k * Length, Length);

    /// <summary>Scalar <paramref name="k"/>, by reference.</summary>
    public ref double Scalar(int k) => ref Scalars[k];

    /// <summary>The part of the state from vector <paramref name="vector"/> and scalar <paramref name="scalar"/> on that <paramref name="shape"/> covers: a link's or an inner transformation's state.</summary>
    public StateBuffers<T> Slice(int vector, int scalar, StateShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new(Vectors.Slice(vector * Length, shape.Vectors.Length * Length), Scalars.Slice(scalar, shape.Scalars.Length), Length);
    }

    /// <summary>Checks that the buffers have the size <paramref name="shape"/> needs for <paramref name="length"/> parameters.</summary>
    internal void Require(StateShape shape, int length)
    {
        if (Length != length)
            throw new ArgumentException($"the state is for {Length} parameters, but there are {length}.", "state");
        if (Vectors.Length != shape.Vectors.Length * length)
            throw new ArgumentException($"the state has {Vectors.Length} vector values; this transformation needs {shape.Vectors.Length} vectors of {length}.", "state");
        if (Scalars.Length != shape.Scalars.Length)
            throw new ArgumentException($"the state has {Scalars.Length} scalars; this transformation needs {shape.Scalars.Length}.", "state");
    }
}

/// <summary>
/// The record level of a transformation's state: immutable, compared by value, everything a checkpoint needs.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed record TransformState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a state, checking the sizes against the shape.</summary>
    /// <exception cref="ArgumentException">The sizes do not match the shape, or the count is negative.</exception>
    public TransformState(StateShape shape, int length, ImmutableArray<T> vectors, ImmutableArray<double> scalars, long count = 0)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (vectors.IsDefault) vectors = [];
        if (scalars.IsDefault) scalars = [];
        if (vectors.Length != shape.VectorLength(length))
            throw new ArgumentException($"{vectors.Length} vector values for {shape.Vectors.Length} vectors of {length}.", nameof(vectors));
        if (scalars.Length != shape.Scalars.Length)
            throw new ArgumentException($"{scalars.Length} scalars for a shape of {shape.Scalars.Length}.", nameof(scalars));
        Shape = shape;
        Length = length;
        Vectors = vectors;
        Scalars = scalars;
        Count = count;
    }

    /// <summary>The names of the vectors and scalars.</summary>
    public StateShape Shape { get; }

    /// <summary>n, the number of parameters.</summary>
    public int Length { get; }

    /// <summary>Every vector, one after another (vector k at <c>[k·n, (k + 1)·n)</c>).</summary>
    public ImmutableArray<T> Vectors { get; }

    /// <summary>Every scalar.</summary>
    public ImmutableArray<double> Scalars { get; }

    /// <summary>t, the updates made so far: the step at which schedules are read for the next one.</summary>
    public long Count { get; }

    /// <summary>The vector named <paramref name="name"/> (e.g. "trace", or "1.trace" in a chain).</summary>
    /// <exception cref="KeyNotFoundException">The shape has no such vector.</exception>
    public ImmutableArray<T> Vector(string name)
    {
        var k = Shape.Vectors.IndexOf(name);
        if (k < 0) throw new KeyNotFoundException($"no vector \"{name}\"; the state has {string.Join(", ", Shape.Vectors)}.");
        return Vectors.Slice(k * Length, Length);
    }

    /// <summary>The scalar named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The shape has no such scalar.</exception>
    public double Scalar(string name)
    {
        var k = Shape.Scalars.IndexOf(name);
        if (k < 0) throw new KeyNotFoundException($"no scalar \"{name}\"; the state has {string.Join(", ", Shape.Scalars)}.");
        return Scalars[k];
    }

    /// <inheritdoc />
    public bool Equals(TransformState<T>? other) =>
        other is not null && Count == other.Count && Length == other.Length && Shape.Equals(other.Shape)
        && Vectors.AsSpan().SequenceEqual(other.Vectors.AsSpan()) && Scalars.AsSpan().SequenceEqual(other.Scalars.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Count, Length, Vectors.Length);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Count = ").Append(Count);
        for (var k = 0; k < Shape.Vectors.Length; k++)
            builder.Append(", ").Append(Shape.Vectors[k]).Append(" = ").Append(Show.Values(Vectors.AsSpan(k * Length, Length)));
        for (var k = 0; k < Shape.Scalars.Length; k++)
            builder.Append(", ").Append(Shape.Scalars[k]).Append(" = ").Append(Show.Number(Scalars[k]));
        return true;
    }

    /// <summary>
    /// Wraps freshly made arrays without copying them: they must not be written afterwards, except by the donating step
    /// when this state is donated.
    /// </summary>
    internal static TransformState<T> Wrap(StateShape shape, int length, T[] vectors, double[] scalars, long count) =>
        new(shape, length, ImmutableCollectionsMarshal.AsImmutableArray(vectors), ImmutableCollectionsMarshal.AsImmutableArray(scalars), count);

    /// <summary>The state after one more update, in <paramref name="vectors"/> and <paramref name="scalars"/> (wrapped as <see cref="Wrap"/> does).</summary>
    internal TransformState<T> Next(T[] vectors, double[] scalars) => Wrap(Shape, Length, vectors, scalars, Count + 1);
}

/// <summary>
/// An optimizer's whole state at the record level: the parameters x and the transformation's state, as one immutable
/// value (until it is donated, below) that a fold carries from step to step (<see cref="TransformationExtensions.Step{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>).
/// </summary>
/// <param name="Parameters">x.</param>
/// <param name="Transform">The transformation's state; its <see cref="TransformState{T}.Count"/> is the number of steps taken.</param>
/// <param name="SkippedSteps">Steps refused under <see cref="NonFinitePolicy.Skip"/> because the gradient was not finite.</param>
/// <remarks>
/// A state given to <see cref="TransformationExtensions.StepDonating{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
/// is donated: its arrays become the next state's, and reading its <see cref="Parameters"/> or <see cref="Transform"/>
/// afterwards (and so comparing or hashing it) throws <see cref="InvalidOperationException"/>, and it prints as
/// "donated to step N"; so do its <c>with</c> copies, and what <c>Step</c> returned for it when it skipped a non-finite
/// gradient. Values read from it before it was donated share its arrays and change with them.
/// </remarks>
public sealed record OptimizerState<T>(ImmutableArray<T> Parameters, TransformState<T> Transform, long SkippedSteps = 0)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Shared with every `with` copy (a copy shares the arrays too); a new state from the constructor gets its own.
    private readonly Donation donation = new();

    /// <summary>x.</summary>
    /// <exception cref="InvalidOperationException">The state was donated.</exception>
    public ImmutableArray<T> Parameters
    {
        get { donation.ThrowIfDonated(); return field; }
        init => field = value;
    } = Parameters.IsDefault ? throw new ArgumentException("Parameters must not be a default ImmutableArray.", nameof(Parameters)) : Parameters;

    /// <summary>The transformation's state.</summary>
    /// <exception cref="InvalidOperationException">The state was donated.</exception>
    public TransformState<T> Transform
    {
        get { donation.ThrowIfDonated(); return field; }
        init => field = value;
    } = Transform ?? throw new ArgumentNullException(nameof(Transform));

    /// <summary>Steps refused because the gradient was not finite.</summary>
    public long SkippedSteps { get; init; } = SkippedSteps >= 0 ? SkippedSteps : throw new ArgumentOutOfRangeException(nameof(SkippedSteps));

    /// <summary>The steps taken (skipped steps are not counted).</summary>
    public long Step => Transform.Count;

    /// <inheritdoc />
    public bool Equals(OptimizerState<T>? other) =>
        other is not null && SkippedSteps == other.SkippedSteps && Parameters.AsSpan().SequenceEqual(other.Parameters.AsSpan())
        && Transform.Equals(other.Transform);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Transform, SkippedSteps);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        if (Volatile.Read(ref donation.Step) is var step and not Donation.Live)
            builder.Append(Donation.Describe(step));
        else
            builder.Append("Parameters = ").Append(Show.Values(Parameters.AsSpan())).Append(", Transform = ").Append(Transform);
        builder.Append(", SkippedSteps = ").Append(SkippedSteps);
        return true;
    }

    /// <summary>Marks this state (and its <c>with</c> copies) donated to the step after <paramref name="step"/>.</summary>
    /// <exception cref="InvalidOperationException">It was donated already (also when two threads donate it at once).</exception>
    internal void Donate(long step)
    {
        if (Interlocked.CompareExchange(ref donation.Step, step, Donation.Live) != Donation.Live) donation.ThrowIfDonated();
    }

    private sealed class Donation
    {
        public const long Live = -1;

        // A state donated after `step` steps went to step `step + 1`.
        public static string Describe(long step) => $"donated to step {step + 1}";

        // The state's step count when it was donated; Live until then.
        public long Step = Live;

        public void ThrowIfDonated()
        {
            var step = Volatile.Read(ref Step);
            if (step != Live)
                throw new InvalidOperationException(
                    $"this optimizer state was {Describe(step)} (StepDonating) and can no longer be read; copy what you keep before donating, or use Step, which leaves its input alone.");
        }
    }
}

/// <summary>How records print numbers and vectors: every digit that round-trips, long vectors shortened.</summary>
internal static class Show
{
    /// <summary>Vectors longer than this print their first and last few values.</summary>
    public const int Shortened = 8;

    public static string Number(double value) => TransformationJson.ExactText(value);

    public static string Values<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        string Text(T v) => typeof(T) == typeof(double) ? Number(double.CreateTruncating(v)) : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (values.Length <= Shortened)
        {
            var all = new string[values.Length];
            for (var i = 0; i < values.Length; i++) all[i] = Text(values[i]);
            return "[" + string.Join(", ", all) + "]";
        }
        var head = new string[3];
        var tail = new string[3];
        for (var i = 0; i < 3; i++) (head[i], tail[i]) = (Text(values[i]), Text(values[values.Length - 3 + i]));
        return $"[{string.Join(", ", head)}, … ({values.Length - 6} more) …, {string.Join(", ", tail)}]";
    }
}
