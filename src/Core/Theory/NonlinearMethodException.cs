namespace Momentum.Theory;

/// <summary>Why a transformation has no fixed linear map on a quadratic.</summary>
public enum NonlinearReason
{
    /// <summary>
    /// The step is not linear in the state and the gradient: the response to a combination is not the combination of the
    /// responses (clipping, a branch on the values, a norm).
    /// </summary>
    NotLinear,

    /// <summary>
    /// The step is linear but changes from step to step: a scheduled hyperparameter (Demon, a decaying learning rate),
    /// a period (Lookahead's synchronisation, MultiSteps' accumulation), or a scalar of the state that moves every step
    /// (Schedule-Free's averaging weights, ApplyIfFinite's counters).
    /// </summary>
    VariesWithStep,

    /// <summary>The step produced NaN or ±∞ from finite unit states (a hyperparameter too large for double precision).</summary>
    NotFinite,
}

/// <summary>
/// A transformation was asked for its linear map (<see cref="LinearMethod.Of"/>) but its step is not a fixed linear map of
/// its state: the theory of linear methods does not apply to it. The message says which check failed and where.
/// </summary>
public sealed class NonlinearMethodException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="method">The transformation refused (printed in the message).</param>
    /// <param name="reason">Which check failed.</param>
    /// <param name="detail">What was seen, e.g. "the response to 10⁶·z differs from R·(10⁶·z) in x by 3.2 (relative 0.5)".</param>
    public NonlinearMethodException(string method, NonlinearReason reason, string detail)
        : base(null, "method")
    {
        Method = method;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The transformation refused, as it prints.</summary>
    public string Method { get; }

    /// <summary>Which check failed.</summary>
    public NonlinearReason Reason { get; }

    /// <summary>What was seen.</summary>
    public string Detail { get; }

    /// <summary>One line: what was refused and why.</summary>
    public override string Message => Reason switch
    {
        NonlinearReason.NotLinear => $"{Method} is not linear in its state and gradient: {Detail}",
        NonlinearReason.VariesWithStep => $"{Method} is not a fixed linear map (it changes from step to step): {Detail}",
        _ => $"{Method} has no finite linear map: {Detail}",
    };
}
