using System.Globalization;
using Momentum.Testing;
using System.Buffers;
using System.Text;
using System.Text.Json;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>Transformations, schedules and states written as JSON read back as the same values, bit for bit.</summary>
public class JsonProperties
{
    [Property(MaxTest = 300)]
    public Property Every_transformation_reads_back_as_the_same_record() =>
        Prop.ForAll(Generators.Transformation.ToArbitrary(), t =>
        {
            var json = TransformationJson.Write(t);
            var back = TransformationJson.ReadTransformation(json);
            return back.Equals(t).Label(json);
        });

    [Property(MaxTest = 200)]
    public Property Every_state_reads_back_bit_for_bit() =>
        Prop.ForAll(Generators.Transformation.ToArbitrary(), Generators.Length.ToArbitrary(), Gen.Choose(0, 5).ToArbitrary(), (t, n, steps) =>
        {
            bool RoundTrips<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                var random = new Random(n * 31 + steps);
                var state = t.Start<T>([.. Enumerable.Range(0, n).Select(_ => T.CreateChecked(random.NextDouble() * 4 - 2))]);
                for (var k = 0; k < steps; k++)
                    state = t.Step(state, [.. Enumerable.Range(0, n).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))]);
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer)) TransformationJson.WriteState(writer, state.Transform);
                using var document = JsonDocument.Parse(buffer.WrittenMemory);
                return TransformationJson.ReadState<T>(document.RootElement, t.Shape).Equals(state.Transform);
            }
            return RoundTrips<double>() && RoundTrips<float>();
        });

    [Fact]
    public void Every_power_of_two_and_its_negative_reads_back_from_its_text()
    {
        // .NET 10's "R" writes 2⁻²⁵ as 2.980232238769531E-08, one ulp below when read back; 2⁻⁹⁵⁸ likewise.
        for (var e = -1074; e <= 1023; e++)
            foreach (var v in new[] { Math.ScaleB(1.0, e), -Math.ScaleB(1.0, e) })
                Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(double.Parse(TransformationJson.ExactText(v), CultureInfo.InvariantCulture)));
        Assert.Equal("2.9802322387695312E-08", TransformationJson.ExactText(Math.ScaleB(1.0, -25)));
    }

    [Property(MaxTest = 1000)]
    public Property Any_double_reads_back_from_its_text_and_the_text_is_the_runtimes_shortest_where_that_reads_back() =>
        Prop.ForAll(Arb.From(Gen.Choose(int.MinValue, int.MaxValue).Two().Select(p => BitConverter.Int64BitsToDouble(((long)p.Item1 << 32) | (uint)p.Item2))), v =>
        {
            var text = TransformationJson.ExactText(v);
            var shortest = v.ToString("R", CultureInfo.InvariantCulture);
            var back = double.Parse(text, CultureInfo.InvariantCulture);
            return (double.IsNaN(v) ? double.IsNaN(back) : BitConverter.DoubleToInt64Bits(back) == BitConverter.DoubleToInt64Bits(v))
                .And(double.Parse(shortest, CultureInfo.InvariantCulture).Equals(v) == (text == shortest))
                .Label($"{v:G17}: {text}");
        });

    [Fact]
    public void A_float_trace_of_minus_2_to_the_minus_25_reads_back_bit_for_bit()
    {
        // The state the round-trip property once found: heavy ball's buffer after a first gradient of −2⁻²⁵.
        var t = Optimizer.HeavyBall(0.1, 0.9);
        var state = t.Step(t.Start<float>([1f, 0f]), [-MathF.ScaleB(1f, -25), MathF.ScaleB(1f, -25)]);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) TransformationJson.WriteState(writer, state.Transform);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(state.Transform, TransformationJson.ReadState<float>(document.RootElement, t.Shape));
        Assert.Contains("-2.9802322387695312E-08", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void A_chain_reads_from_the_JSON_a_person_writes()
    {
        var t = TransformationJson.ReadTransformation("""
            { "kind": "chain", "links": [
                { "kind": "clip_by_global_norm", "max_norm": 1 },
                { "kind": "qhm", "learning_rate": 0.1, "momentum": { "kind": "demon", "initial": 0.9, "steps": 100 }, "nu": 0.7 } ] }
            """);
        Assert.Equal(new Chain(new ClipByGlobalNorm(1), Optimizer.Qhm(0.1, Schedule.Demon(0.9, 100), 0.7)), t);
        Assert.Equal(Optimizer.Nesterov(0.1, 0.9), TransformationJson.ReadTransformation("""{"kind": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": true}"""));
        Assert.Equal(Optimizer.AggMo(0.1, 0, 0.9, 0.99), TransformationJson.ReadTransformation("""{"kind": "aggmo", "learning_rate": 0.1, "betas": [0, 0.9, 0.99]}"""));
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { """{"kind": "adam"}""", "$.kind: unknown transformation kind \"adam\"; known: " },
        { """{"learning_rate": 0.1}""", "$: a transformation needs \"kind\"" },
        { """{"kind": "sgd"}""", "$: \"sgd\" needs \"learning_rate\"." },
        { """{"kind": "sgd", "learning_rate": 0.1, "option": 1}""", "$.option: \"sgd\" has no hyperparameter \"option\"; it has learning_rate, momentum, dampening, weight_decay, nesterov, maximize." },
        { """{"kind": "sgd", "learning_rate": 0.1, "momentum": 1.5}""", "$.momentum: must be in [0, 1) (found 1.5)." },
        { """{"kind": "sgd", "learning_rate": "fast"}""", "$.learning_rate: expected a number, found the string \"fast\"." },
        { """{"kind": "sgd", "learning_rate": {"kind": "cosine"}}""", "$.learning_rate.kind: unknown schedule kind \"cosine\"; known: " },
        { """{"kind": "chain", "links": [{"kind": "sgd", "learning_rate": 0.1}, {"kind": "trace", "momentum": -1}]}""", "$.links[1].momentum: must be in [0, 1) (found -1)." },
        { """{"kind": "lookahead", "inner": 3}""", "$.inner: expected a transformation object {\"kind\": …}, found 3." },
        { """{"kind": "sgd", "learning_rate": 0.1, "nesterov": "yes"}""", "$.nesterov: expected true or false, found the string \"yes\"." },
        { """{"kind": "sgd", "learning_rate": 0.1, "learning_rate": 0.2}""", "$.learning_rate: given twice." },
        { """{"kind": "sgd", "learning_rate": 1e999}""", "$.learning_rate: 1e999 is out of the range of a double." },
        { """{"kind": "aggmo", "learning_rate": 0.1, "betas": [0.9, null]}""", "$.betas[1]: expected a number, found null." },
        { """{"kind": "aggmo", "learning_rate": 0.1, "betas": {"first": 0.9}}""", "$.betas: expected a list, found an object." },
        { """{"kind": "lookahead", "inner": [{"kind": "sgd", "learning_rate": 0.1}]}""", "$.inner: expected a transformation object {\"kind\": …}, found a list." },
        { """{"kind": "aggmo", "learning_rate": 0.1, "betas": []}""", "$.betas: needs at least one momentum" },
        { """{"kind": "sgd", "learning_rate": {"kind": "piecewise_constant", "boundaries": [10, 5], "values": [0.1, 0.05, 0.01]}}""",
            "$.learning_rate: boundaries[1] = 5: boundaries must be positive and strictly increasing." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_wrong_configuration_is_refused_naming_the_path_and_what_is_allowed(string json, string message)
    {
        var e = Assert.Throws<JsonException>(() => TransformationJson.ReadTransformation(json));
        Assert.StartsWith(message, e.Message);
    }

    private sealed record Halving(double Initial, long Every) : Schedule
    {
        protected override double Evaluate(long step) => Initial * Math.Pow(0.5, step / Every);
    }

    private sealed record SignDescent(Schedule LearningRate) : GradientTransformation
    {
        public override StateShape Shape => StateShape.Empty;

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
        {
            var rate = T.CreateChecked(LearningRate.At(step));
            for (var i = 0; i < updates.Length; i++) updates[i] = -rate * T.CreateChecked(T.Sign(updates[i]));
        }
    }

    [Fact]
    public void A_users_schedule_and_transformation_are_written_and_read_once_added_to_the_catalog()
    {
        var catalog = Catalog.Default.With<Halving>().With<SignDescent>("sign_descent");
        var t = new Chain(new SignDescent(new Halving(0.5, 10)), new AddDecayedWeights(0.01));
        var json = TransformationJson.Write(t, catalog);
        Assert.Contains("\"kind\": \"halving\"", json);
        Assert.Equal(t, TransformationJson.ReadTransformation(json, catalog));
        var unknown = Assert.Throws<JsonException>(() => TransformationJson.Write(t));
        Assert.Contains("Catalog.With<SignDescent>()", unknown.Message);
        Assert.Throws<JsonException>(() => TransformationJson.Write(Optimizer.HeavyBall(Schedule.FromFunction(t => 0.1, "0.1"), 0.9)));
    }

    [Fact]
    public void A_state_of_another_optimizer_or_precision_is_refused()
    {
        var state = Optimizer.HeavyBall(0.1, 0.9).Start<double>([1e300, 0.5]).Transform;
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) TransformationJson.WriteState(writer, state with { });
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan).Replace("\"trace\":[0,0]", "\"trace\":[1e300,0]");
        using var document = JsonDocument.Parse(text);
        var wrongShape = Assert.Throws<JsonException>(() => TransformationJson.ReadState<double>(document.RootElement, Optimizer.Qhm(0.1, 0.9, 0.7).Shape));
        Assert.Contains("missing momentum_buffer", wrongShape.Message);
        var overflow = Assert.Throws<JsonException>(() => TransformationJson.ReadState<float>(document.RootElement, state.Shape));
        Assert.Equal("$.vectors.trace[0]: 1E+300 is not a Single value (this state is Single).", overflow.Message);
    }

    private sealed record Labelled(Schedule LearningRate, string Label) : GradientTransformation
    {
        public override StateShape Shape => StateShape.Empty;

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step) { }
    }

    private sealed record Optional(Schedule? LearningRate = null) : GradientTransformation
    {
        public override StateShape Shape => StateShape.Empty;

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step) { }
    }

    [Fact]
    public void The_catalog_names_its_kinds_and_refuses_what_it_cannot_hold()
    {
        Assert.Equal(typeof(Sgd), Catalog.Default.TypeOf("sgd"));
        Assert.Equal(typeof(PiecewiseConstantSchedule), Catalog.Default.TypeOf("piecewise_constant"));
        Assert.Null(Catalog.Default.TypeOf("adam"));
        Assert.Equal("String is neither an IGradientTransformation nor a Schedule. (Parameter 'T')",
            Assert.Throws<ArgumentException>(() => Catalog.Default.With<string>()).Message);
        Assert.Equal("the kind \"sgd\" is already Sgd's. (Parameter 'kind')",
            Assert.Throws<ArgumentException>(() => Catalog.Default.With<Halving>("sgd")).Message);
        Assert.Equal(typeof(Halving), Catalog.Default.With<Halving>().With<Halving>().TypeOf("halving"));
    }

    [Fact]
    public void A_schedule_reads_back_as_the_same_record()
    {
        var schedule = Schedule.WarmupCosine(0, 0.1, 100, 10_000, 0.001);
        var json = TransformationJson.Write(schedule);
        Assert.StartsWith("{\"kind\": \"warmup_cosine\"", json.Replace("\n", "").Replace("  ", ""));
        Assert.Equal(schedule, TransformationJson.ReadSchedule(json));
    }

    [Fact]
    public void A_hyperparameter_left_out_is_written_as_null_and_reads_back_left_out()
    {
        var catalog = Catalog.Default.With<Optional>();
        var json = TransformationJson.Write(new Optional(), catalog);
        Assert.Contains("\"learning_rate\": null", json);
        Assert.Equal(new Optional(), TransformationJson.ReadTransformation(json, catalog));
    }

    [Fact]
    public void A_hyperparameter_of_a_type_JSON_does_not_hold_is_refused_both_ways()
    {
        var catalog = Catalog.Default.With<Labelled>();
        Assert.Equal("$.label: a String cannot be written as JSON.",
            Assert.Throws<JsonException>(() => TransformationJson.Write(new Labelled(0.1, "mine"), catalog)).Message);
        Assert.Equal("$.label: a String cannot be read from JSON.",
            Assert.Throws<JsonException>(() => TransformationJson.ReadTransformation("""{"kind": "labelled", "learning_rate": 0.1, "label": "mine"}""", catalog)).Message);
    }

    [Fact]
    public void A_state_holding_NaN_and_infinities_reads_back_and_a_vector_of_the_wrong_length_is_refused()
    {
        var shape = Optimizer.HeavyBall(0.1, 0.9).Shape;
        var state = new TransformState<double>(shape, 3, [double.NaN, double.PositiveInfinity, double.NegativeInfinity], [1.0], 7);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) TransformationJson.WriteState(writer, state);
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Contains("\"trace\":[\"NaN\",\"Infinity\",\"-Infinity\"]", text);
        using (var document = JsonDocument.Parse(text))
            Assert.Equal(state, TransformationJson.ReadState<double>(document.RootElement, shape));
        using var shorter = JsonDocument.Parse(text.Replace("\"trace\":[\"NaN\",", "\"trace\":["));
        Assert.Equal("$.vectors.trace: expected a list of 3 numbers.",
            Assert.Throws<JsonException>(() => TransformationJson.ReadState<double>(shorter.RootElement, shape)).Message);
    }
}
