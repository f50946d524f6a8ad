using System.Collections.Immutable;
using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Problems;

namespace Momentum.Properties;

/// <summary>
/// The record level's edges, each with what it says: every null argument refused by name, states of the wrong size or
/// names refused with what is allowed, states compared and printed part by part, malformed saved states refused with
/// the path and what was expected, JSON's naming rule, and <see cref="Trajectory"/>'s policies and start.
/// </summary>
public class RecordLevelEdgeCases
{
    private static readonly Sgd HeavyBall = Optimizer.HeavyBall(0.1, 0.9);
    private static readonly OptimizerState<double> State = HeavyBall.Start<double>([1.0, 2.0]);
    private static readonly IObjective Chapter = TwoDimensionalQuadratic.Chapter;

    public static TheoryData<string, Action, string> NullArguments() => new()
    {
        { "Step without a state", () => HeavyBall.Step(null!, [1.0, 2.0]), "state" },
        { "StepDonating without a state", () => HeavyBall.StepDonating(null!, [1.0, 2.0]), "state" },
        { "Step without a transformation", () => ((IGradientTransformation)null!).Step(State, [1.0, 2.0]), "transformation" },
        { "Update without a state", () => HeavyBall.Update<double>([1.0, 2.0], null!, [1.0, 2.0]), "state" },
        { "Update without a transformation", () => ((IGradientTransformation)null!).Update<double>([1.0, 2.0], State.Transform, [1.0, 2.0]), "transformation" },
        { "Init without a transformation", () => ((IGradientTransformation)null!).Init<double>([1.0, 2.0]), "transformation" },
        { "AveragedIterate without a state", () => ((OptimizerState<double>)null!).AveragedIterate(), "state" },
        { "Trajectory without an objective", () => Trajectory.Run(null!, HeavyBall, [1.0, 2.0], 1, (t, x, f) => true), "objective" },
        { "Trajectory without an optimizer", () => Trajectory.Run(Chapter, null!, [1.0, 2.0], 1, (t, x, f) => true), "optimizer" },
        { "Trajectory without a visitor", () => Trajectory.Run(Chapter, HeavyBall, [1.0, 2.0], 1, null!), "visit" },
        { "a TransformState without a shape", () => _ = new TransformState<double>(null!, 2, [0.0, 0.0], [0.0]), "shape" },
        { "StateBuffers.Slice without a shape", () => new StateBuffers<double>(new double[2], new double[1], 2).Slice(0, 0, null!), "shape" },
        { "KindOf without a type", () => Catalog.KindOf(null!), "type" },
        { "Schedule-Free's evaluation point without a state", () => ScheduleFree.EvaluationPoint<double>(null!), "state" },
        { "an average without a state", () => ParameterAverage.Average<double>(null!), "state" },
        { "writing to no writer", () => TransformationJson.Write((Utf8JsonWriter)null!, HeavyBall), "writer" },
        { "writing no transformation", () => TransformationJson.Write(new Utf8JsonWriter(Stream.Null), (IGradientTransformation)null!), "transformation" },
        { "writing a state to no writer", () => TransformationJson.WriteState(null!, State.Transform), "writer" },
        { "writing no state", () => TransformationJson.WriteState<double>(new Utf8JsonWriter(Stream.Null), null!), "state" },
        { "reading a state without a shape", () => TransformationJson.ReadState<double>(JsonDocument.Parse("{}").RootElement, null!), "shape" },
        { "reading no text", () => TransformationJson.ReadTransformation((string)null!), "json" },
    };

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void Every_null_argument_is_refused_by_name(string what, Action call, string parameter)
    {
        var e = Assert.Throws<ArgumentNullException>(call);
        Assert.True(e.ParamName == parameter, $"{what}: named {e.ParamName}");
    }

    public static TheoryData<string, Action, Type, string> WrongSizes() => new()
    {
        { "a negative length", () => _ = new TransformState<double>(HeavyBall.Shape, -1, [], [0.0]), typeof(ArgumentOutOfRangeException), "length" },
        { "a negative count", () => _ = new TransformState<double>(HeavyBall.Shape, 2, [0.0, 0.0], [0.0], -1), typeof(ArgumentOutOfRangeException), "count" },
        { "too few vector values", () => _ = new TransformState<double>(HeavyBall.Shape, 2, [0.0], [0.0]), typeof(ArgumentException), "1 vector values for 1 vectors of 2. (Parameter 'vectors')" },
        { "too many scalars", () => _ = new TransformState<double>(HeavyBall.Shape, 2, [0.0, 0.0], [0.0, 0.0]), typeof(ArgumentException), "2 scalars for a shape of 1. (Parameter 'scalars')" },
        { "buffers of a negative length", () => _ = new StateBuffers<double>(new double[2], new double[1], -1), typeof(ArgumentOutOfRangeException), "length" },
        { "buffers of part of a vector", () => _ = new StateBuffers<double>(new double[3], new double[1], 2), typeof(ArgumentException), "vectors has 3 values, not a whole number of vectors of 2. (Parameter 'vectors')" },
        { "vectors for no parameters", () => _ = new StateBuffers<double>(new double[1], new double[1], 0), typeof(ArgumentException), "vectors has 1 values, not a whole number of vectors of 0. (Parameter 'vectors')" },
        { "buffers for other parameters", () => HeavyBall.Step<double>(new double[3], new StateBuffers<double>(new double[2], new double[1], 2), new double[3], 0), typeof(ArgumentException), "the state is for 2 parameters, but there are 3. (Parameter 'state')" },
        { "buffers of another shape", () => HeavyBall.Step<double>(new double[2], new StateBuffers<double>(new double[4], new double[1], 2), new double[2], 0), typeof(ArgumentException), "the state has 4 vector values; this transformation needs 1 vectors of 2. (Parameter 'state')" },
        { "Sgd's update with buffers for other parameters", () => HeavyBall.Update<double>(new double[3], new StateBuffers<double>(new double[2], new double[1], 2), new double[3], 0), typeof(ArgumentException), "the state is for 2 parameters, but there are 3. (Parameter 'state')" },
        { "Sgd's step with a gradient of another length", () => HeavyBall.Step<double>(new double[3], new StateBuffers<double>(new double[2], new double[1], 2), new double[2], 0), typeof(ArgumentException), "gradient has length 3, but parameters has length 2: every span of a step must have the same length. (Parameter 'gradient')" },
        { "Sgd's shared step without a team", () => HeavyBall.StepParallel<double>(new double[2], new double[2], new double[1], new double[2], 0, null!), typeof(ArgumentNullException), "team" },
        { "Sgd's shared step with buffers of another shape", () => HeavyBall.StepParallel<double>(new double[3], new double[6], new double[1], new double[3], 0, new ParallelProperties.ThreadTeam(2)), typeof(ArgumentException), "the state has 6 vector values; this transformation needs 1 vectors of 3. (Parameter 'state')" },
        { "Sgd's shared step with a gradient of another length", () => HeavyBall.StepParallel<double>(new double[3], new double[2], new double[1], new double[2], 0, new ParallelProperties.ThreadTeam(2)), typeof(ArgumentException), "gradient has length 3, but parameters has length 2: every span of a step must have the same length. (Parameter 'gradient')" },
        { "buffers with other scalars", () => HeavyBall.Step<double>(new double[2], new StateBuffers<double>(new double[2], new double[2], 2), new double[2], 0), typeof(ArgumentException), "the state has 2 scalars; this transformation needs 1. (Parameter 'state')" },
        { "a record state for other parameters", () => HeavyBall.Step(State with { Parameters = [1.0] }, [1.0]), typeof(ArgumentException), "the state is for 2 parameters, but there are 1. (Parameter 'state')" },
        { "a record state of another optimizer", () => Optimizer.Qhm(0.1, 0.9, 0.7).Step(State, [1.0, 2.0]), typeof(ArgumentException), "the state's shape (StateShape { Vectors = [trace], Scalars = [initialized] }) is not this transformation's (StateShape { Vectors = [momentum_buffer], Scalars = [] }). (Parameter 'state')" },
        { "a gradient of another length", () => HeavyBall.Step(State, [1.0]), typeof(ArgumentException), "gradient" },
        { "an update's gradient of another length", () => HeavyBall.Update<double>([1.0], State.Transform, [1.0, 2.0]), typeof(ArgumentException), "gradient" },
        { "an update of another optimizer's state", () => Optimizer.Qhm(0.1, 0.9, 0.7).Update<double>([1.0, 2.0], State.Transform, [1.0, 2.0]), typeof(ArgumentException), "the state's shape (StateShape { Vectors = [trace], Scalars = [initialized] }) is not this transformation's (StateShape { Vectors = [momentum_buffer], Scalars = [] }). (Parameter 'state')" },
        { "updates of another length", () => TransformationExtensions.ApplyUpdates<double>([1.0, 2.0], [1.0]), typeof(ArgumentException), "updates" },
        { "a donated gradient of another length", () => HeavyBall.StepDonating(State, [1.0, 2.0, 3.0]), typeof(ArgumentException), "gradient" },
        { "Stop for a single step", () => HeavyBall.Step(State, [1.0, 2.0], NonFinitePolicy.Stop), typeof(ArgumentOutOfRangeException), "a single step throws or skips; Stop is for folds (Trainer, Trajectory). (Parameter 'policy')\nActual value was Stop." },
        { "parameters left default", () => _ = new OptimizerState<double>(default, State.Transform), typeof(ArgumentException), "Parameters must not be a default ImmutableArray. (Parameter 'Parameters')" },
        { "a negative count of skipped steps", () => _ = new OptimizerState<double>([1.0, 2.0], State.Transform, -1), typeof(ArgumentOutOfRangeException), "SkippedSteps" },
        { "a vector that is not there", () => State.Transform.Vector("velocity"), typeof(KeyNotFoundException), "no vector \"velocity\"; the state has trace." },
        { "a scalar that is not there", () => Optimizer.Sgdw(0.1, 0.9, 0.01).Start<double>([1.0]).Transform.Scalar("count"), typeof(KeyNotFoundException), "no scalar \"count\"; the state has 0.initialized." },
        { "a scalar of a wrapper that is not there", () => Optimizer.SkipNonFinite(Optimizer.GradientDescent(0.5), 2).Start<double>([1.0]).Transform.Scalar("x"), typeof(KeyNotFoundException), "no scalar \"x\"; the state has notfinite_count, last_finite, total_notfinite, inner_count, inner.initialized." },
        { "a vector of a wrapper that is not there", () => Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.9)).Start<double>([1.0]).Transform.Vector("x"), typeof(KeyNotFoundException), "no vector \"x\"; the state has slow, inner.trace." },
        { "a trajectory of negative length", () => Trajectory.Run(Chapter, HeavyBall, [1.0, 2.0], -1, (t, x, f) => true), typeof(ArgumentOutOfRangeException), "steps" },
        { "a trajectory collected every 0 steps", () => Trajectory.Collect(Chapter, HeavyBall, [1.0, 2.0], 5, every: 0), typeof(ArgumentOutOfRangeException), "every" },
    };

    [Theory]
    [MemberData(nameof(WrongSizes))]
    public void Wrong_sizes_names_and_counts_are_refused_by_parameter_name_or_with_what_is_allowed(string what, Action call, Type type, string parameterOrMessage)
    {
        var e = Record.Exception(call);
        Assert.True(e?.GetType() == type, $"{what}: {e?.GetType().Name ?? "nothing"} thrown");
        if (e is ArgumentException { ParamName: { } name } a && name == parameterOrMessage) return;
        Assert.Equal(parameterOrMessage, e!.Message.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Shapes_and_states_are_equal_only_when_every_part_is()
    {
        var shape = StateShape.Of(["trace"], ["initialized"]);
        Assert.Equal(HeavyBall.Shape, shape);
        Assert.Equal(StateShape.Of([], []), new StateShape(default, default));
        Assert.NotEqual(shape, StateShape.Of(["trace"], ["count"]));
        Assert.NotEqual(shape, StateShape.Of(["buffer"], ["initialized"]));
        Assert.Equal("StateShape { Vectors = [a, b], Scalars = [c, d] }", StateShape.Of(["a", "b"], ["c", "d"]).ToString());
        Assert.Equal(StateShape.Of([], ["c"]), StateShape.Of(scalars: ["c"]));
        Assert.Equal(StateShape.Of(["a"], []), StateShape.Of(vectors: ["a"]));
        Assert.Throws<OverflowException>(() => StateShape.Of(["a", "b", "c", "d"]).VectorLength((1 << 30) + 1));   // 4·(2³⁰ + 1) would wrap to 4

        var state = new TransformState<double>(shape, 2, [1.0, 2.0], [1.0], 3);
        Assert.Equal(state, new TransformState<double>(shape, 2, [1.0, 2.0], [1.0], 3));
        Assert.NotEqual(state, new TransformState<double>(shape, 2, [1.0, 2.0], [1.0], 4));
        Assert.NotEqual(state, new TransformState<double>(shape, 2, [1.0, 2.5], [1.0], 3));
        Assert.NotEqual(state, new TransformState<double>(shape, 2, [1.0, 2.0], [0.0], 3));
        Assert.NotEqual(state, new TransformState<double>(StateShape.Of(["velocity"], ["initialized"]), 2, [1.0, 2.0], [1.0], 3));
        Assert.NotEqual(state, new TransformState<double>(StateShape.Of(["trace"], ["initialized"]), 1, [1.0], [1.0], 3));

        var point = new Iterate(3, [1.0, 2.0], 0.5);
        Assert.Equal(point, new Iterate(3, [1.0, 2.0], 0.5));
        Assert.NotEqual(point, new Iterate(4, [1.0, 2.0], 0.5));
        Assert.NotEqual(point, new Iterate(3, [1.0, 2.5], 0.5));
        Assert.NotEqual(point, new Iterate(3, [1.0, 2.0], 0.25));
        Assert.False(point.Equals(null));
    }

    [Fact]
    public void Vectors_print_every_value_up_to_eight_then_the_first_and_last_three()
    {
        var eight = HeavyBall.Start<float>([0.1f, 2, 3, 4, 5, 6, 7, 8]);
        Assert.StartsWith("OptimizerState { Parameters = [0.1, 2, 3, 4, 5, 6, 7, 8], ", eight.ToString());
        var nine = HeavyBall.Start<double>([0.1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.StartsWith("OptimizerState { Parameters = [0.1, 2, 3, … (3 more) …, 7, 8, 9], ", nine.ToString());
        // float prints the float's shortest text, double the double's: 0.1f is not 0.1.
        Assert.Contains("Parameters = [0.1]", HeavyBall.Start<float>([0.1f]).ToString());
        Assert.Contains("Parameters = [0.10000000149011612]", HeavyBall.Start<double>([(double)0.1f]).ToString());
        Assert.Contains("Parameters = [2.9802322387695312E-08]", HeavyBall.Start<double>([Math.ScaleB(1.0, -25)]).ToString());   // the text that reads back
    }

    [Fact]
    public void Applying_updates_adds_them()
    {
        Assert.Equal([1.5, 1.0], TransformationExtensions.ApplyUpdates<double>([1.0, 2.0], [0.5, -1.0]).ToArray());
    }

    [Fact]
    public void The_default_initial_state_is_zero_whatever_the_buffers_held()
    {
        var (vectors, scalars) = (new double[] { 7, 7 }, new double[] { 7 });
        HeavyBall.Init<double>([1.0, 2.0], new StateBuffers<double>(vectors, scalars, 2));
        Assert.Equal([0.0, 0.0, 0.0], [.. vectors, .. scalars]);
    }

    public static TheoryData<string, string> MalformedStates() => new()
    {
        { """{"count": 0, "vectors": {"trace": [0, 0]}, "scalars": {"initialized": 0}}""", "$: missing \"length\"." },
        { """{"length": -1, "count": 0, "vectors": {"trace": []}, "scalars": {"initialized": 0}}""", "$.length: expected an integer in [0, 2147483647], found -1." },
        { """{"length": 2147483648, "count": 0, "vectors": {"trace": []}, "scalars": {"initialized": 0}}""", "$.length: expected an integer in [0, 2147483647], found 2147483648." },
        { """{"length": 2, "vectors": {"trace": [0, 0]}, "scalars": {"initialized": 0}}""", "$: missing \"count\"." },
        { """{"length": 2, "count": 1.5, "vectors": {"trace": [0, 0]}, "scalars": {"initialized": 0}}""", "$.count: expected an integer in [0, 9223372036854775807], found 1.5." },
        { """{"length": 2, "count": 0, "scalars": {"initialized": 0}}""", "$: missing \"vectors\"." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0]}}""", "$: missing \"scalars\"." },
        { """{"length": 2, "count": 0, "vectors": [[0, 0]], "scalars": {"initialized": 0}}""", "$.vectors: expected an object, found a list." },
        { """{"length": 2, "count": 0, "vectors": {}, "scalars": {"initialized": 0}}""", "$.vectors: expected exactly trace; missing trace." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0], "slow": [0, 0]}, "scalars": {"initialized": 0}}""", "$.vectors: expected exactly trace; not of this optimizer: slow." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0]}, "scalars": {"initialized": 0, "count": 1}}""", "$.scalars: expected exactly initialized; not of this optimizer: count." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0]}, "scalars": {"flag": 0}}""", "$.scalars: expected exactly initialized; missing initialized; not of this optimizer: flag." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0]}, "scalars": {"initialized": 0, "initialized": 0}}""", "$.scalars: expected exactly initialized." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0], "x": [0, 0], "y": [0, 0]}, "scalars": {}}""", "$.vectors: expected exactly trace; not of this optimizer: x, y." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, "fast"]}, "scalars": {"initialized": 0}}""", "$.vectors.trace[1]: expected a number, found the string \"fast\"." },
        { """{"length": 2, "count": 0, "vectors": {"trace": [0, 0]}, "scalars": {"initialized": true}}""", "$.scalars.initialized: expected a number, found true." },
    };

    [Theory]
    [MemberData(nameof(MalformedStates))]
    public void A_malformed_saved_state_is_refused_with_its_path_and_what_was_expected(string json, string message)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(message, Assert.Throws<JsonException>(() => TransformationJson.ReadState<double>(document.RootElement, HeavyBall.Shape)).Message);
    }

    [Fact]
    public void A_stateless_shape_expects_nothing_and_NaN_reads_into_float()
    {
        using var none = JsonDocument.Parse("""{"length": 1, "count": 0, "vectors": {"x": [0], "y": [0]}, "scalars": {}}""");
        Assert.Equal("$.vectors: expected exactly a, b; missing a, b; not of this optimizer: x, y.",
            Assert.Throws<JsonException>(() => TransformationJson.ReadState<double>(none.RootElement, StateShape.Of(["a", "b"]))).Message);
        using var twice = JsonDocument.Parse("""{"length": 1, "count": 0, "vectors": {"a": [0], "a": [0]}, "scalars": {}}""");
        Assert.Equal("$.vectors: expected exactly a, b; missing b.",
            Assert.Throws<JsonException>(() => TransformationJson.ReadState<double>(twice.RootElement, StateShape.Of(["a", "b"]))).Message);
        using var extra = JsonDocument.Parse("""{"length": 1, "count": 0, "vectors": {"trace": [0]}, "scalars": {}}""");
        Assert.Equal("$.vectors: expected exactly nothing; not of this optimizer: trace.",
            Assert.Throws<JsonException>(() => TransformationJson.ReadState<double>(extra.RootElement, StateShape.Empty)).Message);
        using var nan = JsonDocument.Parse("""{"length": 2, "count": 0, "vectors": {"trace": ["NaN", 0.5]}, "scalars": {"initialized": 1}}""");
        var state = TransformationJson.ReadState<float>(nan.RootElement, HeavyBall.Shape);
        Assert.True(float.IsNaN(state.Vectors[0]));
        using var inexact = JsonDocument.Parse("""{"length": 2, "count": 0, "vectors": {"trace": [0.1, 0.5]}, "scalars": {"initialized": 1}}""");
        Assert.Equal("$.vectors.trace[0]: 0.1 is not a Single value (this state is Single).",
            Assert.Throws<JsonException>(() => TransformationJson.ReadState<float>(inexact.RootElement, HeavyBall.Shape)).Message);
    }

    private sealed record XMLReaderSchedule(double Value) : Schedule
    {
        protected override double Evaluate(long step) => Value;
    }

    private sealed record Schedule2(double Value) : Schedule
    {
        protected override double Evaluate(long step) => Value;
    }

    private sealed record NAGSchedule(double Value) : Schedule
    {
        protected override double Evaluate(long step) => Value;
    }

    private sealed record Maybe(double? Factor = null) : GradientTransformation
    {
        public override StateShape Shape => StateShape.Empty;

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step) { }
    }

    private sealed record TwoWays(double Rate) : GradientTransformation
    {
        public TwoWays() : this(0.5) { }

        public override StateShape Shape => StateShape.Empty;

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step) { }
    }

    [Fact]
    public void A_type_with_several_constructors_is_written_and_read_through_its_longest()
    {
        var catalog = Catalog.Default.With<TwoWays>();
        Assert.Equal(new TwoWays(0.25), TransformationJson.ReadTransformation(TransformationJson.Write(new TwoWays(0.25), catalog), catalog));
    }

    [Fact]
    public void A_state_cannot_be_donated_twice()
    {
        var state = HeavyBall.Start<double>([1.0]);
        state.Donate(0);
        Assert.StartsWith("this optimizer state was donated to step 1", Assert.Throws<InvalidOperationException>(() => state.Donate(0)).Message);
    }

    [Fact]
    public void A_nullable_number_reads_back_and_a_kind_must_be_a_transformations_string()
    {
        var catalog = Catalog.Default.With<Maybe>();
        Assert.Equal(new Maybe(0.5), TransformationJson.ReadTransformation(TransformationJson.Write(new Maybe(0.5), catalog), catalog));
        Assert.StartsWith("$: a transformation needs \"kind\" (one of add_decayed_weights, aggmo, ",
            Assert.Throws<JsonException>(() => TransformationJson.ReadTransformation("""{"kind": 3}""")).Message);
        Assert.StartsWith("$.kind: unknown transformation kind \"demon\"; known: add_decayed_weights, aggmo, ",
            Assert.Throws<JsonException>(() => TransformationJson.ReadTransformation("""{"kind": "demon", "initial": 0.9, "steps": 10}""")).Message);
    }

    [Fact]
    public void Schedules_are_written_and_read_with_the_catalog_given_and_refused_with_their_path()
    {
        var catalog = Catalog.Default.With<NAGSchedule>();
        var json = TransformationJson.Write(new NAGSchedule(0.25), catalog);
        Assert.Equal(new NAGSchedule(0.25), TransformationJson.ReadSchedule(json, catalog));
        Assert.Equal("$.initial: must be in [0, 1) (found 2).",
            Assert.Throws<JsonException>(() => TransformationJson.ReadSchedule("""{"kind": "demon", "initial": 2, "steps": 10}""")).Message);
        var joined = Schedule.Join([0.1, Schedule.FromFunction(t => 0.01, "0.01")], [10]);
        Assert.Equal("$.schedules[1]: FunctionSchedule { 0.01 } is a function and cannot be written as JSON; write a record deriving from Schedule.",
            Assert.Throws<JsonException>(() => TransformationJson.Write(joined)).Message);
        using var longest = JsonDocument.Parse("""{"length": 1, "count": 9223372036854775807, "vectors": {"trace": [0]}, "scalars": {"initialized": 0}}""");
        Assert.Equal(long.MaxValue, TransformationJson.ReadState<double>(longest.RootElement, HeavyBall.Shape).Count);
    }

    [Theory]
    [InlineData(-30, "9.313225746154785E-10")]      // G17 would write 9.3132257461547852E-10
    [InlineData(-1074, "5E-324")]                    // the smallest subnormal
    [InlineData(1023, "8.98846567431158E+307")]
    [InlineData(-25, "2.9802322387695312E-08")]     // the runtime's shortest, 2.980232238769531E-08, reads back as another double
    public void A_power_of_two_is_written_as_the_shortest_text_that_reads_back(int exponent, string text)
    {
        Assert.Equal(text, TransformationJson.ExactText(Math.ScaleB(1.0, exponent)));
    }

    [Fact]
    public void Kinds_are_snake_case_names_without_Schedule_in_one_sorted_catalog()
    {
        Assert.Equal("nag", Catalog.KindOf(typeof(NAGSchedule)));
        Assert.Equal("warmup_cosine", Catalog.KindOf(typeof(WarmupCosineSchedule)));
        Assert.Equal("xml_reader", Catalog.KindOf(typeof(XMLReaderSchedule)));
        Assert.Equal("schedule2", Catalog.KindOf(typeof(Schedule2)));
        Assert.Equal("schedule", Catalog.KindOf(typeof(Schedule)));
        Assert.Equal("clip_by_global_norm", Catalog.KindOf(typeof(ClipByGlobalNorm)));
        Assert.Equal("aggmo", Catalog.KindOf(typeof(AggMo)));
        Assert.Same(Catalog.Default, Catalog.Default);
        var kinds = Catalog.Default.Kinds.ToList();
        Assert.Equal(kinds.Order(StringComparer.Ordinal), kinds);
        Assert.Contains("sgd", kinds);
        Assert.Contains("piecewise_constant", kinds);
        Assert.DoesNotContain("schedule", kinds);                 // abstract
        Assert.DoesNotContain("gradient_transformation", kinds);  // abstract
        Assert.DoesNotContain("function", kinds);                 // a delegate cannot be written
    }

    [Fact]
    public void A_configuration_may_carry_comments_and_trailing_commas()
    {
        var t = TransformationJson.ReadTransformation("""
            // heavy ball, as in the chapter
            { "kind": "sgd", "learning_rate": 0.1, "momentum": 0.9, }
            """);
        Assert.Equal(HeavyBall, t);
    }

    // f(x) = ½‖x‖² whose gradient is NaN in coordinate 0 at the steps listed.
    private sealed class Poisoned(params int[] at) : IObjective
    {
        private int calls;

        public int Dimension => 2;

        public double Value(ReadOnlySpan<double> x) => 0.5 * (x[0] * x[0] + x[1] * x[1]);

        public void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
        {
            x.CopyTo(gradient);
            if (at.Contains(calls++)) gradient[0] = double.NaN;
        }
    }

    [Fact]
    public void A_trajectory_throws_skips_or_stops_at_a_non_finite_first_coordinate_as_the_policy_says()
    {
        var descent = Optimizer.GradientDescent(0.5);
        var e = Assert.Throws<NonFiniteGradientException>(() => Trajectory.Run(new Poisoned(1), descent, [1.0, 1.0], 5, (t, x, f) => true));
        Assert.Equal((0, 1L), (e.Index, e.Step));

        var skipped = Trajectory.Run(new Poisoned(1, 2), descent, [1.0, 1.0], 5, (t, x, f) => true, NonFinitePolicy.Skip);
        Assert.Equal((3L, 2L), (skipped.Step, skipped.SkippedSteps));
        Assert.Equal([0.125, 0.125], skipped.Parameters.ToArray());

        var stopped = Trajectory.Collect(new Poisoned(2), descent, [1.0, 1.0], 5, every: 5, NonFinitePolicy.Stop);
        Assert.Equal([0L, 2L], stopped.Select(p => p.Step));
        Assert.Equal([0.25, 0.25], stopped[^1].Point.ToArray());
    }

    [Fact]
    public void A_trajectory_starts_from_the_optimizers_own_initial_state()
    {
        // EMA's average starts at x₀, not 0: the fold must run Init.
        var ema = Optimizer.WithAverage(Optimizer.GradientDescent(0.1), 0.5);
        var final = Trajectory.Run(Chapter, ema, [-5.0, -2.0], 3, (t, x, f) => true);
        var state = ema.Start<double>([-5.0, -2.0]);
        var gradient = new double[2];
        for (var t = 0; t < 3; t++)
        {
            Chapter.Gradient(state.Parameters.AsSpan(), gradient);
            state = ema.Step(state, gradient);
        }
        Assert.Equal(state, final);
    }
}
