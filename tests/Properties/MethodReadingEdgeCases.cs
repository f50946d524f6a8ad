using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// How a method's linear map is read off its step, at the edges no built-in transformation reaches: state that only the
/// start, the first gradient or the first step writes, state nothing writes, a delay line whose last buffer is two hops from
/// anything the start touches, a buffer x never reads; steps that stop being linear only for a negative gradient, off the
/// unit directions or at a later step, and scalars that follow a large state;
/// and the error's modes between whole steps and around a dip below the threshold.
/// </summary>
public class MethodReadingEdgeCases
{
    /// <summary>One rule of a test method on one parameter: the update u from g and x, with the buffers and scalars it may change.</summary>
    private delegate double Rule(double g, double x, Span<double> buffers, Span<double> scalars, long step);

    /// <summary>A test method written on doubles: its buffers start as <c>start(x)</c> gives them (else 0), its scalars at 0.</summary>
    private sealed class OnDoubles(string name, string[] vectors, string[] scalars, Rule rule, Action<double, Span<double>>? start = null)
        : IGradientTransformation
    {
        public StateShape Shape { get; } = StateShape.Of([.. vectors], [.. scalars]);

        public void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<double> buffers = stackalloc double[vectors.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                buffers.Clear();
                start?.Invoke(double.CreateChecked(parameters[i]), buffers);
                for (var v = 0; v < vectors.Length; v++) state.Vector(v)[i] = T.CreateChecked(buffers[v]);
            }
            for (var s = 0; s < scalars.Length; s++) state.Scalar(s) = 0;
        }

        public void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<double> buffers = stackalloc double[vectors.Length];
            Span<double> values = stackalloc double[scalars.Length];
            for (var s = 0; s < scalars.Length; s++) values[s] = state.Scalar(s);
            for (var i = 0; i < updates.Length; i++)
            {
                for (var v = 0; v < vectors.Length; v++) buffers[v] = double.CreateChecked(state.Vector(v)[i]);
                var u = rule(double.CreateChecked(updates[i]), double.CreateChecked(parameters[i]), buffers, values, step);
                for (var v = 0; v < vectors.Length; v++) state.Vector(v)[i] = T.CreateChecked(buffers[v]);
                updates[i] = T.CreateChecked(u);
            }
            for (var s = 0; s < scalars.Length; s++) state.Scalar(s) = values[s];
        }

        public override string ToString() => name; // not the type's name: the refusals must name the method by its text
    }

    // x' = x − 0.1 g − 0.1 (x − b): pulled toward a buffer b that keeps its value (eigenvalue 1 when it matters).
    private static double Pulled(double g, double x, double b) => -0.1 * g - 0.1 * (x - b);

    public static TheoryData<string, IGradientTransformation, int[]> Buffers() => new()
    {
        { "a buffer nothing writes (always 0)", new OnDoubles("Unwritten", ["b"], [], (g, x, b, _, _) => Pulled(g, x, b[0])), [0] },
        { "a buffer the start writes (b = x₀)", new OnDoubles("Anchored", ["b"], [], (g, x, b, _, _) => Pulled(g, x, b[0]), (x, b) => b[0] = x), [0, 1] },
        { "a buffer the first gradient writes", new OnDoubles("FirstGradient", ["b"], [], (g, x, b, _, t) => { if (t == 0) b[0] = g; return Pulled(g, x, b[0]); }), [0, 1] },
        { "a buffer the first step copies x into", new OnDoubles("FirstCopy", ["b"], [], (g, x, b, _, t) => { if (t == 0) b[0] = x; return Pulled(g, x, b[0]); }), [0, 1] },
        { "a buffer the start writes that x never reads", new OnDoubles("Unread", ["b"], [], (g, x, _, _, _) => -0.1 * g - 0.1 * x, (x, b) => b[0] = x), [0] },
    };

    [Theory]
    [MemberData(nameof(Buffers))]
    public void A_buffer_is_relevant_exactly_when_the_start_or_a_step_can_write_it_and_it_reaches_x(string what, IGradientTransformation method, int[] relevant)
    {
        var map = LinearMethod.Of(method).At(2);
        Assert.True(relevant.SequenceEqual(map.Relevant), $"{what}: [{string.Join(", ", map.Relevant)}]");
        // A kept buffer holds its value for good (eigenvalue 1): the map stops converging exactly when it is relevant.
        Assert.Equal(relevant.Length == 1 ? Math.Abs(1 - 0.1 * 2 - 0.1) : 1.0, map.SpectralRadius(), 12);
    }

    [Fact]
    public void A_gradient_delayed_by_three_steps_is_read_whole_and_its_eigenvalues_solve_z4_minus_z3_plus_eta_lambda()
    {
        // Asynchronous SGD's staleness: x_{t+1} = x_t − η g_{t−3}, buffers d₁ ← g, d₂ ← d₁, d₃ ← d₂. Only d₁ is written from
        // the gradient; d₃ is two hops from it, and reaches x, so every coordinate counts.
        var delayed = new OnDoubles("Delayed", ["d1", "d2", "d3"], [], (g, _, d, _, _) =>
        {
            var u = -0.1 * d[2];
            (d[2], d[1], d[0]) = (d[1], d[0], g);
            return u;
        });
        const double lambda = 3;
        var map = LinearMethod.Of(delayed).At(lambda);
        Assert.Equal([0, 1, 2, 3], map.Relevant.ToArray());
        var eigenvalues = map.Eigenvalues();
        Assert.Equal(4, eigenvalues.Length);
        // x_{t+1} = x_t − ηλ x_{t−3}: the characteristic polynomial z⁴ − z³ + ηλ.
        foreach (var z in eigenvalues)
            Assert.True(Complex.Abs(Complex.Pow(z, 4) - Complex.Pow(z, 3) + 0.1 * lambda) < 1e-12, $"{z}");
        // Its four roots, not one of them four times: they sum to 1 and multiply to ηλ (Vieta).
        Assert.True(Complex.Abs(eigenvalues.Aggregate(Complex.Zero, (a, z) => a + z) - 1) < 1e-12);
        Assert.True(Complex.Abs(eigenvalues.Aggregate(Complex.One, (a, z) => a * z) - 0.1 * lambda) < 1e-12);
    }

    /// <summary>Steps refused at one edge (a scalar that moves, a probe step, an overflow, a negative gradient, a state off the unit directions); asserted by TheoryEdgeCases' refusal test.</summary>
    public static TheoryData<string, IGradientTransformation, NonlinearReason, string> NotLinearAtAnEdge() => new()
    {
        { "a counter", new OnDoubles("Counter", [], ["count"], (g, _, _, s, _) => { s[0] += 1; return -0.1 * g; }), NonlinearReason.VariesWithStep,
            "its scalar \"count\" moves from 1 to 2 at step 1 (unit x)" },
        { "a flag set at step 5", new OnDoubles("FlagAt5", [], ["flag"], (g, _, _, s, t) => { if (t == 5) s[0] = 1; return -0.1 * g; }), NonlinearReason.VariesWithStep,
            "its scalar \"flag\" moves from 0 to 1 at step 5 (a combination of states)" },
        { "a learning rate refused only at step 256", RefusedAt(256), NonlinearReason.VariesWithStep, "a hyperparameter is refused at step 256 (" },
        { "a learning rate refused only at step 999", RefusedAt(999), NonlinearReason.VariesWithStep, "a hyperparameter is refused at step 999 (" },
        { "a learning rate refused only at step 1023", RefusedAt(1023), NonlinearReason.VariesWithStep, "a hyperparameter is refused at step 1023 (" },
        { "a learning rate halved from step 2", new OnDoubles("HalvedAt2", [], [], (g, _, _, _, t) => (t >= 2 ? -0.05 : -0.1) * g), NonlinearReason.VariesWithStep,
            "its step 2 gives x = 0.984268 where the map of step 1 gives 1.00498: a scheduled hyperparameter or a period" },
        { "an update that overflows for a unit gradient", new OnDoubles("Overflowing", [], [], (g, _, _, _, _) => g * 1e308 * 10), NonlinearReason.NotFinite,
            "the unit gradient gives Infinity at step 0" },
        { "an update that overflows for a unit state", new OnDoubles("OverflowingInX", [], [], (g, x, _, _, _) => -0.1 * g - x * 1e308 * 10), NonlinearReason.NotFinite,
            "a unit state gives -Infinity at step 0" },
        { "a gradient clipped below at 0", new OnDoubles("Rectified", [], [], (g, _, _, _, _) => -0.1 * Math.Max(g, 0)), NonlinearReason.NotLinear,
            "at step 0 the response to a state and gradient of size 1 has x = -0.963558, but A z + b g = -0.892848" },
        { "scalars that follow a large state", new OnDoubles("FlagsLarge", [], ["large"], (g, x, _, s, _) => { if (Math.Abs(x) > 100) s[0] = 1; return -0.1 * g; }),
            NonlinearReason.NotLinear, "the scalars it leaves at step 0 depend on the state (the state scaled by 1E+06)" },
        { "an update curved in the state", new OnDoubles("Curved", [], [], (g, x, _, _, _) => -0.1 * g - 0.01 * x * Math.Abs(x)), NonlinearReason.NotLinear,
            "at step 0 the response to a state and gradient of size 1E-06 has x = 8.92848E-07, but A z + b g = 8.83213E-07" },
    };

    /// <summary>Gradient descent whose learning rate is refused at step <paramref name="at"/> alone.</summary>
    internal static IGradientTransformation RefusedAt(long at) => new OnDoubles($"RefusedAt{at}", [], [], (g, _, _, _, t) =>
        t == at ? throw new HyperparameterException("RefusedAt", "learningRate", 0.1, "expired", t) : -0.1 * g);

    [Fact]
    public void A_refused_chain_is_named_by_its_text()
    {
        var clipped = new Chain(new ClipByGlobalNorm(1), Optimizer.HeavyBall(0.1, 0.9));
        var e = Assert.Throws<NonlinearMethodException>(() => LinearMethod.Of(clipped));
        Assert.Equal(clipped.ToString(), e.Method);
        Assert.Throws<ArgumentNullException>(() => LinearMethod.Of(null!));
    }

    [Fact]
    public void A_map_prints_its_method_and_eigenvalue_and_refuses_what_it_cannot_apply()
    {
        var method = Optimizer.HeavyBall(0.1, 0.9);
        var map = LinearMethod.Of(method).At(2.5);
        Assert.Equal($"LinearMap {{ Method = {method}, Eigenvalue = 2.5 }}", map.ToString());
        var length = Assert.Throws<ArgumentException>(() => map.Apply([1.0, 2.0, 3.0]));
        Assert.Equal("the state has 3 values; z has 2 (x, trace). (Parameter 'state')", length.Message);
        var start = Assert.Throws<HyperparameterException>(() => map.AfterFirstStep(double.NaN));
        Assert.Equal("start", start.Name);
    }

    // ----- the error's modes -----

    [Fact]
    public void The_modes_give_the_start_at_step_0_and_refuse_a_negative_step()
    {
        var modes = ErrorModes.Of(LinearMethod.Of(Optimizer.GradientDescent(0.1)).At(2), 3);
        Assert.Equal(3, modes.Value(0));
        Assert.Equal(3 * 0.8, modes.Value(1), 14);
        Assert.Equal(3 * 0.8 * 0.8, modes.Value(2), 14);
        var e = Assert.Throws<HyperparameterException>(() => modes.Value(-1));
        Assert.Equal("step", e.Name);
        Assert.Throws<ArgumentNullException>(() => ErrorModes.Of(null!, 1));
    }

    [Fact]
    public void At_critical_damping_the_modes_give_every_iterate_of_the_map()
    {
        // Heavy ball with ηλ = 0.25 and β = (1 − √(ηλ))² = 0.25: one eigenvalue 0.5 twice, a Jordan block. By hand from
        // x₁ = 0.75·x₀, x₂ = 0.5·x₀ and the recurrence x_{t+1} = x_t − ηλx_t + β(x_t − x_{t−1}): x_t = x₀(1 + t/2)·2⁻ᵗ.
        var modes = ErrorModes.Of(LinearMethod.Of(Optimizer.HeavyBall(0.125, 0.25)).At(2), 3);
        Assert.Equal(2, Assert.Single(modes.Modes).Multiplicity);
        for (var t = 1; t <= 30; t++)
            Assert.Equal(3 * (1 + t / 2.0) * Math.Pow(2, -t), modes.Value(t), 1e-12 * Math.Pow(2, -t) * (1 + t));
    }

    [Theory]
    [InlineData(5, 0, 1)]
    [InlineData(5, 1, 5)]
    [InlineData(5, 2, 10)]
    [InlineData(6, 3, 20)]
    [InlineData(2.5, 3, 0.3125)]   // 2.5 · 1.5 · 0.5 / 3!
    public void The_binomial_of_a_real_number_is_its_falling_factorial_over_q_factorial(double s, int q, double expected) =>
        Assert.Equal(expected, ErrorMode.Binomial(s, q), 12);

    [Theory]
    [InlineData(0.25)]  // in (0, 0.5), rounded to step 0: x₀
    [InlineData(0.5)]   // the first point rounded to step 1
    [InlineData(0.75)]  // in [0.5, 1), rounded to the first whole step: its term, x₁
    [InlineData(1)]
    [InlineData(1.5)]   // between steps: |x₁|·ρ^(t − 1), not a rounded step
    [InlineData(2.7)]
    public void The_envelope_of_gradient_descent_is_x1_times_rho_to_the_steps_after_the_first(double t)
    {
        // σ = 1 − ηλ = 0.8 and x₁ = 0.8·x₀ = 2.4: E(t) = 2.4·0.8^(t − 1) from t = 1 on, x₁'s size from t = 0.5 (rounded to
        // step 1) and x₀'s before.
        var modes = ErrorModes.Of(LinearMethod.Of(Optimizer.GradientDescent(0.1)).At(2), 3);
        Assert.Equal(t < 0.5 ? 3 : t < 1 ? 2.4 : 2.4 * Math.Pow(0.8, t - 1), modes.Envelope(t), 1e-13);
    }

    [Fact]
    public void Before_its_multiplicity_allows_a_modes_envelope_is_the_exact_iterate_of_the_nearest_step()
    {
        // One mode σ = 0.5 of multiplicity 4, a = (1, 2, 3, 4): x_t = Σ_{q ≤ s} a_q C(s, q) σ^(s − q) with s = t − 1, by hand:
        // x₁ = 1, x₂ = 0.5 + 2 = 2.5, x₃ = 0.25 + 2·2·0.5 + 3 = 5.25. Below s = m − 1 = 3 the envelope is |x| of the nearest step.
        var modes = new ErrorModes(1.0, [new ErrorMode(0.5, [1, 2, 3, 4])]);
        Assert.Equal([1, 2.5, 2.5, 5.25], new[] { 1, 1.75, 2, 3 }.Select(modes.Envelope));
        Assert.Equal([1, 2.5, 5.25], new long[] { 1, 2, 3 }.Select(modes.Value));
        Assert.Equal("ErrorModes.step = -1: must be an integer ≥ 0", Assert.Throws<HyperparameterException>(() => modes.Value(-1)).Message);
    }

    [Fact]
    public void A_mode_that_does_not_decay_takes_forever_unless_its_coefficients_are_zero()
    {
        static double Halving(double t) => t <= 0 ? 1 : Math.Pow(0.5, t);
        Assert.Equal(double.PositiveInfinity, ErrorModes.LastCrossing(Halving, [new ErrorMode(1, [Complex.One])], 0.1));
        Assert.Equal(double.PositiveInfinity, ErrorModes.LastCrossing(Halving, [new ErrorMode(1, [Complex.Zero, Complex.One])], 0.1));
        // A mode whose coefficients are all zero never shows: the crossing is the halving's, log(0.1)/log(0.5).
        Assert.Equal(Math.Log(0.1) / Math.Log(0.5), ErrorModes.LastCrossing(Halving, [new ErrorMode(1, [Complex.Zero])], 0.1), 9);
        // An envelope that never exceeds the threshold is below it from the start.
        Assert.Equal(0, ErrorModes.LastCrossing(Halving, [new ErrorMode(0.5, [Complex.One])], 1));
    }

    [Fact]
    public void The_last_crossing_is_found_after_a_dip_below_the_threshold_and_a_late_hump()
    {
        // A critically damped mode with only its Jordan term: s·ρ^(s−1) at s = t − 1, ρ = 0.99. It is 0 at t = 1 (below the
        // threshold), rises to ~37 at s ≈ 100, and falls below 0.5 again for good near s ≈ 725.
        const double rho = 0.99, threshold = 0.5;
        static double Hump(double s) => s * Math.Pow(rho, s - 1);
        double Envelope(double t) => t <= 0 ? 1 : Hump(t - 1);
        // The reference: bisection on the closed form past its peak (s = −1/ln ρ ≈ 99.5), where it only falls.
        var (low, high) = (100.0, 5000.0);
        for (var i = 0; i < 200; i++)
        {
            var mid = (low + high) / 2;
            if (Hump(mid) > threshold) low = mid;
            else high = mid;
        }
        Assert.Equal(high + 1, ErrorModes.LastCrossing(Envelope, [new ErrorMode(rho, [Complex.Zero, Complex.One])], threshold), 1e-6);

        // The same mode's bound on when terms stop rising (t₀ = 1 + 2·2/−ln ρ ≈ 399), with a hump that starts at t = 250
        // and is over by t₀: no doubling past t₀, so only the scan for the peak keeps the search off the dip before it.
        static double Late(double t) => t <= 250 ? (t <= 0 ? 1 : 0) : (t - 250) * Math.Pow(0.9, t - 251);
        (low, high) = (260.0, 399.0);
        for (var i = 0; i < 200; i++)
        {
            var mid = (low + high) / 2;
            if (Late(mid) > threshold) low = mid;
            else high = mid;
        }
        Assert.Equal(high, ErrorModes.LastCrossing(Late, [new ErrorMode(rho, [Complex.Zero, Complex.One])], threshold), 1e-6);
    }
}
