using Momentum.Testing;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>Learning-rate schedules as pure functions of the step.</summary>
public class ScheduleProperties
{
    private static readonly Arbitrary<long> Steps = Gen.Choose(0, 100_000).Select(s => (long)s).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Step_decay_multiplies_by_gamma_every_step_size_steps() =>
        Prop.ForAll(Steps, Gen.Choose(1, 500).ToArbitrary(), Generators.Uniform(0.1, 1).ToArbitrary(), (t, size, gamma) =>
        {
            var schedule = Schedule.StepDecay(0.1, size, gamma);
            var expected = 0.1 * Math.Pow(gamma, t / size);
            return schedule.At(t) == expected && schedule.At(t) == schedule.At(t / size * size);
        });

    [Property(MaxTest = 300)]
    public Property Exponential_decay_is_eta0_times_gamma_to_the_t() =>
        Prop.ForAll(Steps, Generators.Uniform(0.9, 1).ToArbitrary(), (t, gamma) =>
            Math.Abs(Schedule.Exponential(0.5, gamma).At(t) - 0.5 * Math.Pow(gamma, t)) <= 1e-15);

    [Property(MaxTest = 300)]
    public Property Warmup_cosine_rises_linearly_to_the_peak_then_falls_monotonically_to_the_final_rate() =>
        Prop.ForAll((from warmup in Gen.Choose(0, 200) from decay in Gen.Choose(1, 2000) from t in Gen.Choose(0, 2300) from initial in Generators.Uniform(0, 0.5)
                     select (warmup, decay, t, initial)).ToArbitrary(), c =>
        {
            var (warmup, decay, t, initial) = c;
            // t drawn up to just past the end, so the warmup, the cosine and the tail are each reached.
            var schedule = Schedule.WarmupCosine(initial, 1.0, warmup, warmup + decay, 0.01);
            var at = schedule.At(t);
            var next = schedule.At(t + 1);
            return t < warmup
                ? Math.Abs(at - (initial + (1 - initial) * t / warmup)) <= 1e-15 && next > at
                : t <= warmup + decay
                    ? at <= 1 && at >= 0.01 - 1e-15 && next <= at && (t != warmup || at == 1)
                    : at == 0.01;
        });

    [Property(MaxTest = 300)]
    public Property Piecewise_constant_takes_the_value_of_the_last_boundary_passed() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(1, 50), 4).ToArbitrary(), Steps, (gaps, t) =>
        {
            var boundaries = new long[gaps.Length];
            long sum = 0;
            for (var i = 0; i < gaps.Length; i++) boundaries[i] = sum += gaps[i];
            double[] values = [1, 0.5, 0.25, 0.125, 0.0625];
            var schedule = Schedule.PiecewiseConstant(boundaries, values);
            var k = boundaries.Count(b => b <= t % (sum + 10));
            return schedule.At(t % (sum + 10)) == values[k];
        });

    [Property(MaxTest = 100)]
    public Property The_running_mean_is_t_over_t_plus_1_and_a_function_schedule_is_its_function() =>
        Prop.ForAll(Steps, t =>
            Schedule.RunningMean().At(t) == t / (t + 1.0)
            && Schedule.FromFunction(s => 0.1 / Math.Sqrt(s + 1), "0.1/√(t+1)").At(t) == 0.1 / Math.Sqrt(t + 1));

    [Fact]
    public void Schedules_refuse_bad_arguments()
    {
        Assert.Throws<HyperparameterException>(() => Schedule.StepDecay(0.1, 0, 0.5));
        Assert.Throws<HyperparameterException>(() => Schedule.WarmupCosine(0, 1, 10, 10, 0));
        Assert.Throws<ArgumentException>(() => Schedule.PiecewiseConstant([5, 5], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => Schedule.PiecewiseConstant([5], [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Constant(0.1).At(-1));
    }

    [Fact]
    public void A_warmup_cosine_decays_from_the_end_of_its_warmup_over_the_steps_left()
    {
        // W = 10, T = 110: at t = 60 the cosine is halfway through its 100 steps of decay, (1 + cos(π/2))/2 = ½.
        var schedule = Schedule.WarmupCosine(0, 1, 10, 110, 0);
        Assert.Equal(0.5, schedule.At(60), 15);
        Assert.Equal((1 + Math.Cos(Math.PI * 0.25)) / 2, schedule.At(35), 15);
        Assert.Equal(0.5, schedule.At(5), 15);      // the warmup: 5/10 of the way from 0 to 1
        Assert.Equal(0.0, schedule.At(110));
        // No warmup: step 0 is already the cosine's start (the warmup line would divide 0 by 0 there).
        Assert.Equal(1.0, Schedule.WarmupCosine(0.2, 1, 0, 10, 0).At(0));
    }

    public static TheoryData<string, Action, string> Refusals() => new()
    {
        { "values missing", () => _ = new PiecewiseConstantSchedule([2], default), "0 values for 1 boundaries: need one more value than boundaries. (Parameter 'values')" },
        { "a value too many", () => _ = new PiecewiseConstantSchedule([2], [1.0, 0.5, 0.25]), "3 values for 1 boundaries: need one more value than boundaries. (Parameter 'values')" },
        { "boundaries out of order", () => _ = new PiecewiseConstantSchedule([5, 3], [1.0, 0.5, 0.25]), "boundaries[1] = 3: boundaries must be positive and strictly increasing. (Parameter 'boundaries')" },
        { "schedules missing", () => _ = new JoinedSchedule(default, [2]), "0 schedules for 1 boundaries: need one more schedule than boundaries. (Parameter 'schedules')" },
        { "a schedule too many", () => _ = new JoinedSchedule([0.1, 0.2, 0.3], [2]), "3 schedules for 1 boundaries: need one more schedule than boundaries. (Parameter 'schedules')" },
        { "a negative boundary", () => _ = new PiecewiseConstantSchedule([-5], [1.0, 0.5]), "boundaries[0] = -5: boundaries must be positive and strictly increasing. (Parameter 'boundaries')" },
        { "a joined boundary of −5", () => _ = new JoinedSchedule([0.1, 0.2], [-5]), "boundaries[0] = -5: boundaries must be positive and strictly increasing. (Parameter 'boundaries')" },
        { "joined boundaries out of order", () => _ = new JoinedSchedule([0.1, 0.2, 0.3], [4, 4]), "boundaries[1] = 4: boundaries must be positive and strictly increasing. (Parameter 'boundaries')" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_piecewise_or_joined_schedule_that_does_not_fit_is_refused_saying_why(string what, Action build, string message)
        => Refusal.Says(what, build, message);

    [Fact]
    public void A_piecewise_value_that_is_not_a_rate_and_a_missing_joined_schedule_are_refused()
    {
        Assert.Throws<HyperparameterException>(() => Schedule.PiecewiseConstant([2], [0.1, double.NaN]));
        Assert.Throws<HyperparameterException>(() => Schedule.PiecewiseConstant([2], [-0.1, 0.1]));
        Assert.Equal("schedules", Assert.Throws<ArgumentNullException>(() => Schedule.Join([0.1, null!], [2])).ParamName);
    }

    [Fact]
    public void Piecewise_and_joined_schedules_are_equal_exactly_when_every_part_is_and_print_their_parts()
    {
        var piecewise = Schedule.PiecewiseConstant([2, 5], [1.0, 0.5, 0.25]);
        Assert.Equal(piecewise, Schedule.PiecewiseConstant([2, 5], [1.0, 0.5, 0.25]));
        Assert.Equal(piecewise.GetHashCode(), Schedule.PiecewiseConstant([2, 5], [1.0, 0.5, 0.25]).GetHashCode());
        Assert.NotEqual(piecewise, Schedule.PiecewiseConstant([2, 6], [1.0, 0.5, 0.25]));
        Assert.NotEqual(piecewise, Schedule.PiecewiseConstant([2, 5], [1.0, 0.5, 0.125]));
        Assert.False(((PiecewiseConstantSchedule)piecewise).Equals(null));
        Assert.Equal("PiecewiseConstantSchedule { Boundaries = [2, 5], Values = [1, 0.5, 0.25] }", piecewise.ToString());

        var joined = Schedule.Join([0.1, piecewise], [3]);
        Assert.Equal(joined, Schedule.Join([0.1, Schedule.PiecewiseConstant([2, 5], [1.0, 0.5, 0.25])], [3]));
        Assert.Equal(joined.GetHashCode(), Schedule.Join([0.1, Schedule.PiecewiseConstant([2, 5], [1.0, 0.5, 0.25])], [3]).GetHashCode());
        Assert.NotEqual(joined, Schedule.Join([0.1, piecewise], [4]));
        Assert.NotEqual(joined, Schedule.Join([0.2, piecewise], [3]));
        Assert.False(((JoinedSchedule)joined).Equals(null));
        Assert.Equal($"JoinedSchedule {{ Schedules = [{(Schedule)0.1}, {piecewise}], Boundaries = [3] }}", joined.ToString());
        Assert.EndsWith("], Boundaries = [3, 7] }", Schedule.Join([0.1, 0.2, 0.3], [3, 7]).ToString());
    }
}
