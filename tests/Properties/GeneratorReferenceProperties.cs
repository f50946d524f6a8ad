using System.Text.Json;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// The seeded generators against references computed outside this code (Fixtures/generator_references.json, by
/// bench/generators/references.py from SplitMix64's, Lemire's and Knuth's papers and Seeds.Derive64's definition): every
/// derived seed, every bounded draw (a bound of 3·10⁹ rejects about 30 % of draws, Lemire's branch that nothing else
/// reaches) and every index of every order, exactly.
/// </summary>
public class GeneratorReferenceProperties
{
    private static readonly JsonElement Fixture =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "generator_references.json"))).RootElement;

    private static IEnumerable<JsonElement> Cases(string name) => Fixture.GetProperty(name).EnumerateArray();

    private static int[] Ints(JsonElement list) => [.. list.EnumerateArray().Select(v => v.GetInt32())];

    [Fact]
    public void Every_derived_seed_is_SplitMix64_s_mix_of_the_seed_the_stream_and_the_index()
    {
        foreach (var c in Cases("derive"))
        {
            var (seed, stream, index) = (c.GetProperty("seed").GetInt32(), (Seeds.Stream)c.GetProperty("stream").GetUInt64(), c.GetProperty("index").GetInt64());
            Assert.True(ulong.Parse(c.GetProperty("value64").GetString()!) == Seeds.Derive64(seed, stream, index), $"Derive64({seed}, {stream}, {index})");
            Assert.True(c.GetProperty("value").GetInt32() == Seeds.Derive(seed, stream, index), $"Derive({seed}, {stream}, {index})");
        }
    }

    [Fact]
    public void Every_bounded_draw_is_Lemire_s_unbiased_integer_from_SplitMix64_s_upper_half()
    {
        foreach (var c in Cases("below"))
        {
            var state = ulong.Parse(c.GetProperty("state").GetString()!);
            var bound = c.GetProperty("bound").GetUInt32();
            var drawn = c.GetProperty("values").EnumerateArray().Select(_ => (long)Seeds.Below(ref state, bound)).ToArray();
            Assert.True(c.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).SequenceEqual(drawn), $"below {bound} from state {c.GetProperty("state")}");
        }
    }

    [Fact]
    public void Every_epoch_s_order_is_Algorithm_P_driven_by_the_epoch_s_stream()
    {
        foreach (var c in Cases("orders"))
        {
            var (rows, seed, epoch) = (c.GetProperty("rows").GetInt32(), c.GetProperty("seed").GetInt32(), c.GetProperty("epoch").GetInt32());
            Assert.True(Ints(c.GetProperty("order")).SequenceEqual(Minibatches.Order(rows, seed, epoch)), $"Order({rows}, {seed}, {epoch})");
            Assert.True(Ints(c.GetProperty("order")).SequenceEqual(Minibatches.Order(rows, 1, seed, epoch, ShuffleMode.Rows)), $"Order({rows}, 1, {seed}, {epoch}, Rows)");
        }
    }

    [Fact]
    public void Every_order_of_whole_minibatches_shuffles_the_minibatches_and_keeps_a_smaller_last_one_last()
    {
        foreach (var c in Cases("batches"))
        {
            var (rows, batch, seed, epoch) = (c.GetProperty("rows").GetInt32(), c.GetProperty("batch").GetInt32(), c.GetProperty("seed").GetInt32(), c.GetProperty("epoch").GetInt32());
            Assert.True(Ints(c.GetProperty("order")).SequenceEqual(Minibatches.Order(rows, batch, seed, epoch, ShuffleMode.Batches)), $"Order({rows}, {batch}, {seed}, {epoch}, Batches)");
        }
    }
}
