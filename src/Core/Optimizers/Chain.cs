using System.Collections.Immutable;
using System.Numerics;

namespace Momentum.Optimizers;

/// <summary>
/// Transformations applied one after another (Optax's <c>chain</c>): u = t_k(… t₂(t₁(g))), each link reading the
/// updates the previous one wrote and keeping its own part of the state. A step runs every link's update but the last,
/// then the last link's step, so a chain ending in <see cref="ScaleByLearningRate"/> steps with PyTorch's single
/// rounding x ← fma(d, −η, x). An empty chain is the identity, u = g.
/// </summary>
/// <example><c>new Chain(new ClipByGlobalNorm(1), Optimizer.Qhm(0.1, 0.9, 0.7))</c></example>
public sealed record Chain : GradientTransformation
{
    private readonly StateShape shape = StateShape.Empty;
    private readonly ImmutableArray<(int Vector, int Scalar)> offsets = [];

    /// <summary>Chains <paramref name="links"/> in order.</summary>
    public Chain(params IGradientTransformation[] links) => Links = [.. links ?? throw new ArgumentNullException(nameof(links))];

    /// <summary>The links, first applied first.</summary>
    public ImmutableArray<IGradientTransformation> Links
    {
        get;
        init
        {
            if (value.IsDefault) value = [];
            foreach (var link in value) ArgumentNullException.ThrowIfNull(link, nameof(Links));
            field = value;
            shape = StateShape.Concat(value.Select(l => l.Shape));
            var (vector, scalar) = (0, 0);
            var builder = ImmutableArray.CreateBuilder<(int, int)>(value.Length);
            foreach (var link in value)
            {
                builder.Add((vector, scalar));
                vector += link.Shape.Vectors.Length;
                scalar += link.Shape.Scalars.Length;
            }
            offsets = builder.MoveToImmutable();
        }
    }

    /// <inheritdoc />
    public override StateShape Shape => shape;

    /// <inheritdoc />
    public override void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
    {
        state.Require(shape, parameters.Length);
        for (var k = 0; k < Links.Length; k++) Links[k].Init(parameters, Part(state, k));
    }

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        state.Require(shape, parameters.Length);
        for (var k = 0; k < Links.Length; k++) Links[k].Update(updates, Part(state, k), parameters, step);
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        state.Require(shape, parameters.Length);
        if (Links.Length == 0)
        {
            Defaults.Step(this, gradient, state, parameters, step);
            return;
        }
        for (var k = 0; k < Links.Length - 1; k++) Links[k].Update(gradient, Part(state, k), parameters, step);
        Links[^1].Step(gradient, Part(state, Links.Length - 1), parameters, step);
    }

    private StateBuffers<T> Part<T>(StateBuffers<T> state, int k)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        state.Slice(offsets[k].Vector, offsets[k].Scalar, Links[k].Shape);

    /// <inheritdoc />
    public bool Equals(Chain? other) => other is not null && Links.SequenceEqual(other.Links);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Links.Length, Links.FirstOrDefault());

    /// <inheritdoc />
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Links = [").AppendJoin(", ", Links).Append(']');
        return true;
    }
}
