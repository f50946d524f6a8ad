using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Momentum.Runner.Execution;

namespace Momentum.EndToEnd;

/// <summary>The bandwidth reference of <c>momentum bench</c>: a copy with streaming stores.</summary>
public class MemoryProbeProperties
{
    [Property(MaxTest = 300)]
    public Property The_streaming_copy_copies_every_length_at_every_offset() =>
        Prop.ForAll(Gen.Choose(0, 300).ToArbitrary(), Gen.Choose(0, 9).ToArbitrary(), Gen.Choose(0, 9).ToArbitrary(), (n, from, to) =>
        {
            var source = Enumerable.Range(0, n + from).Select(i => (float)i * 0.5f).ToArray();
            var destination = new float[n + to + 3];
            MemoryProbe.StreamingCopy<float>(source.AsSpan(from, n), destination.AsSpan(to));
            return destination.AsSpan(to, n).SequenceEqual(source.AsSpan(from, n)) && destination.AsSpan(to + n).ToArray().All(v => v == 0);
        });

    [Fact]
    public void The_streaming_copy_refuses_a_short_or_overlapping_destination()
    {
        var buffer = new double[10];
        Assert.Throws<ArgumentException>(() => MemoryProbe.StreamingCopy<double>(new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => MemoryProbe.StreamingCopy<double>(buffer.AsSpan(0, 5), buffer.AsSpan(3, 5)));
    }
}
