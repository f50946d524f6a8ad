namespace Momentum.Properties;

/// <summary>
/// What a piece of code allocates on this thread, as the fewest bytes over several rounds of it: code that allocates does
/// so in every round, while the runtime's one-off work (a method recompiled at a higher tier and its call sites patched,
/// a few kilobytes) lands in one round at most, at a moment no warm-up can choose on a busy machine. Code that allocates
/// only in some rounds (a buffer grown now and then) can pass: a round should hold the code's whole cycle.
/// </summary>
internal static class Allocation
{
    /// <summary>The fewest bytes <paramref name="round"/> allocated on this thread in <paramref name="rounds"/> calls.</summary>
    public static long Fewest(int rounds, Action round)
    {
        var fewest = long.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
