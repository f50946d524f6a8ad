namespace Momentum.Kernels;

/// <summary>Argument checks shared by the kernels: equal lengths and the aliasing rules.</summary>
internal static class SpanChecks
{
    /// <summary>
    /// Requires five equal lengths; each destination may be the same span as its own input (in-place) but must not
    /// overlap any other span.
    /// </summary>
    public static void RequireStepShapes<T>(
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> velocity,
        ReadOnlySpan<T> gradient,
        Span<T> parametersDestination,
        Span<T> velocityDestination)
    {
        var n = parameters.Length;
        RequireLength(velocity.Length, n, nameof(velocity));
        RequireLength(gradient.Length, n, nameof(gradient));
        RequireLength(parametersDestination.Length, n, nameof(parametersDestination));
        RequireLength(velocityDestination.Length, n, nameof(velocityDestination));

        RequireSameOrDisjoint(parametersDestination, parameters, nameof(parametersDestination), nameof(parameters));
        RequireSameOrDisjoint(velocityDestination, velocity, nameof(velocityDestination), nameof(velocity));
        RequireDisjoint(parametersDestination, velocity, nameof(parametersDestination), nameof(velocity));
        RequireDisjoint(parametersDestination, gradient, nameof(parametersDestination), nameof(gradient));
        RequireDisjoint(parametersDestination, velocityDestination, nameof(parametersDestination), nameof(velocityDestination));
        RequireDisjoint(velocityDestination, parameters, nameof(velocityDestination), nameof(parameters));
        RequireDisjoint(velocityDestination, gradient, nameof(velocityDestination), nameof(gradient));
    }

    /// <summary>Refuses a span whose length is not the parameters' (<paramref name="expected"/>), naming it.</summary>
    public static void RequireLength(int actual, int expected, string name)
    {
        if (actual != expected)
            throw new ArgumentException(
                $"{name} has length {actual}, but parameters has length {expected}: every span of a step must have the same length.",
                name);
    }

    /// <summary>Refuses parameters of another length than the <paramref name="expected"/> count an objective has.</summary>
    public static void RequireParameterCount(int actual, int expected, string name = "parameters")
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has length {actual}; {expected} are expected.", name);
    }

    private static void RequireSameOrDisjoint<T>(ReadOnlySpan<T> destination, ReadOnlySpan<T> input, string destinationName, string inputName)
    {
        if (destination.Overlaps(input, out var offset) && offset != 0)
            throw new ArgumentException(
                $"{destinationName} partially overlaps {inputName}: it must be the same span (in-place) or not overlap it.",
                destinationName);
    }

    private static void RequireDisjoint<T>(ReadOnlySpan<T> destination, ReadOnlySpan<T> other, string destinationName, string otherName)
    {
        if (destination.Overlaps(other))
            throw new ArgumentException($"{destinationName} overlaps {otherName}: it may only alias its own input.", destinationName);
    }
}
