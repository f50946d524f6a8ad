namespace Momentum.Runner.Cli;

/// <summary>
/// An invalid argument, option value or input file: the message is one line naming what was wrong, where, and what is
/// allowed (<c>--momentum 1.5: must be in [0, 1)</c>; <c>data.tsv:7: expected 6 columns, found 5</c>). Exit code 2.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
