using Momentum.Testing;
using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>
/// The momentum family checked against its papers' identities: each member reduces to another where its paper says it
/// does, and the wrappers do what their definitions say.
/// </summary>
public class FamilyProperties
{
    /// <summary>A start and a sequence of gradients (not computed from the iterates: the identities hold for any gradients).</summary>
    public sealed record Path(double[] Start, double[][] Gradients)
    {
        public override string ToString() => $"n = {Start.Length}, {Gradients.Length} steps";
    }

    private static readonly Arbitrary<Path> Paths =
        (from n in Gen.Choose(1, 12)
         from start in Gen.ArrayOf(Generators.Normal, n)
         from steps in Gen.Choose(1, 40)
         from gradients in Gen.ArrayOf(Gen.ArrayOf(Generators.Normal, n), steps)
         select new Path(start, gradients)).ToArbitrary();

    private static readonly Arbitrary<double> Betas = Generators.Momentum.Where(b => b < 0.999).ToArbitrary();

    private static readonly Arbitrary<double> Rates = Generators.LogUniform(1e-3, 1).ToArbitrary();

    private static Arbitrary<(Path Path, double A, double B, double C)> With(Gen<double> a, Gen<double> b, Gen<double> c) =>
        (from path in Paths.Generator from x in a from y in b from z in c select (path, x, y, z)).ToArbitrary();

    private static void Near(double[] expected, IEnumerable<double> actual, double tolerance)
    {
        var a = actual.ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (var i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], tolerance);
    }

    private static double[] Iterate(IGradientTransformation optimizer, Path path) =>
        [.. TransformationProperties.SpanSteps<double>(optimizer, path.Start, path.Gradients).Parameters];

    /// <summary>Equal up to <paramref name="tolerance"/> relative to the sizes the run can reach (start, steps × rate).</summary>
    private static Property Close(double[] a, double[] b, Path path, double rate, double tolerance = 1e-11)
    {
        var scale = 1 + path.Start.Max(Math.Abs) + rate * path.Gradients.Length * path.Gradients.Length * 4;
        for (var i = 0; i < a.Length; i++)
            if (!(Math.Abs(a[i] - b[i]) <= tolerance * scale))
                return false.Label($"x[{i}]: {a[i]:R} vs {b[i]:R}");
        return true.ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property Qhm_with_nu_0_is_plain_SGD() =>
        Prop.ForAll(Paths, Rates, Betas, (path, alpha, beta) =>
            Close(Iterate(Optimizer.Qhm(alpha, beta, 0.0), path), Iterate(Optimizer.GradientDescent(alpha), path), path, alpha, 1e-14));

    [Property(MaxTest = 300)]
    public Property Qhm_with_nu_1_is_heavy_ball_with_eta_alpha_times_1_minus_beta() =>
        Prop.ForAll(Paths, Rates, Betas, (path, alpha, beta) =>
            Close(Iterate(Optimizer.Qhm(alpha, beta, 1.0), path), Iterate(Optimizer.HeavyBall(alpha * (1 - beta), beta), path), path, alpha));

    [Property(MaxTest = 300)]
    public Property Qhm_with_alpha_eta_over_1_minus_beta_and_nu_beta_is_PyTorchs_Nesterov() =>
        Prop.ForAll(Paths, Rates, Betas.Filter(b => b > 0), (path, eta, beta) =>
            Close(Iterate(Optimizer.Qhm(eta / (1 - beta), beta, beta), path), Iterate(Optimizer.Nesterov(eta, beta), path), path, eta / (1 - beta)));

    [Property(MaxTest = 300)]
    public Property AggMo_with_one_beta_is_heavy_ball() =>
        Prop.ForAll(Paths, Rates, Betas, (path, gamma, beta) =>
            Close(Iterate(Optimizer.AggMo(gamma, beta), path), Iterate(Optimizer.HeavyBall(gamma, beta), path), path, gamma, 1e-15));

    [Property(MaxTest = 200)]
    public Property AggMo_steps_along_the_mean_of_its_heavy_ball_velocities() =>
        Prop.ForAll(With(Rates.Generator, Betas.Generator, Betas.Generator), c =>
        {
            var (path, gamma, b1, b2) = c;
            // x_T = x₀ − (γ/K) Σ_t Σ_i v⁽ⁱ⁾_t: the average of K heavy-ball runs with rate γ, each from x₀.
            var aggmo = Iterate(Optimizer.AggMo(gamma, b1, b2), path);
            var first = Iterate(Optimizer.HeavyBall(gamma, b1), path);
            var second = Iterate(Optimizer.HeavyBall(gamma, b2), path);
            return Close(aggmo, [.. first.Zip(second, (a, b) => (a + b) / 2)], path, gamma);
        });

    [Property(MaxTest = 300)]
    public Property Sgdw_without_momentum_is_coupled_weight_decay_to_the_bit() =>
        Prop.ForAll(Paths, Rates, Generators.LogUniform(1e-5, 0.5).ToArbitrary(), (path, eta, decay) =>
            Iterate(Optimizer.Sgdw(eta, 0.0, decay), path).SequenceEqual(Iterate(Optimizer.Sgd(eta, weightDecay: decay), path)));

    [Property(MaxTest = 200)]
    public Property Sgdw_keeps_the_decay_out_of_the_velocity() =>
        Prop.ForAll(With(Rates.Generator, Betas.Generator.Where(b => b > 0.1), Generators.LogUniform(1e-3, 0.5)), c =>
        {
            var (path, eta, beta, decay) = c;
            // The decoupled velocity is the plain heavy-ball velocity of the gradients; the coupled one holds λx too.
            var sgdw = Optimizer.Sgdw(eta, beta, decay);
            var state = sgdw.Start<double>(path.Start);
            foreach (var g in path.Gradients) state = sgdw.Step(state, g);
            var plain = Optimizer.HeavyBall(eta, beta);
            var reference = plain.Start<double>(path.Start);
            foreach (var g in path.Gradients) reference = plain.Step(reference, g);
            return state.Transform.Vector("0.trace").SequenceEqual(reference.Transform.Vector("trace"));
        });

    [Fact]
    public void Demon_gives_the_momenta_of_its_paper()
    {
        var demon = Schedule.Demon(0.9, 100);
        Assert.Equal(0.9, demon.At(0), 15);
        Assert.Equal(9.0 / 11, demon.At(50), 14);   // β/(1 − β) = 0.5 · 9 = 4.5
        Assert.Equal(9.0 / 19, demon.At(90), 14);   // β/(1 − β) = 0.1 · 9 = 0.9
        Assert.Equal(0.818182, demon.At(50), 6);
        Assert.Equal(0.473684, demon.At(90), 6);
        Assert.Equal(0, demon.At(100));
        Assert.Equal(0, demon.At(1000));
    }

    [Property(MaxTest = 300)]
    public Property Demons_total_weight_decays_linearly() =>
        Prop.ForAll(Betas.Filter(b => b > 0), Gen.Choose(1, 10_000).ToArbitrary(), Generators.Unit.ToArbitrary(), (beta0, steps, u) =>
        {
            var t = (long)(u * steps);
            var beta = Schedule.Demon(beta0, steps).At(t);
            var expected = (1 - (double)t / steps) * beta0 / (1 - beta0);
            return Math.Abs(beta / (1 - beta) - expected) <= 1e-12 * (1 + expected);
        });

    [Property(MaxTest = 200)]
    public Property Lookahead_with_alpha_1_is_its_inner_optimizer() =>
        Prop.ForAll(With(Rates.Generator, Betas.Generator, Gen.Choose(1, 6).Select(k => (double)k)), c =>
        {
            var (path, eta, beta, k) = c;
            // φ + 1·(x − φ) is x up to one rounding per synchronisation.
            return Close(Iterate(Optimizer.Lookahead(Optimizer.HeavyBall(eta, beta), (int)k, 1.0), path), Iterate(Optimizer.HeavyBall(eta, beta), path), path, eta, 1e-13);
        });

    [Property(MaxTest = 200)]
    public Property Lookahead_moves_the_slow_weights_alpha_of_the_way_to_the_fast_ones_every_k_steps() =>
        Prop.ForAll(With(Rates.Generator, Gen.Choose(1, 6).Select(k => (double)k), Generators.Uniform(0.1, 0.9)), c =>
        {
            var (path, eta, period, alpha) = c;
            var k = (int)period;
            // With plain SGD the fast weights after a sync are φ − η Σ g over the k steps; φ' = φ + α(fast − φ).
            var lookahead = Optimizer.Lookahead(Optimizer.GradientDescent(eta), k, alpha);
            var state = lookahead.Start<double>(path.Start);
            var slow = (double[])path.Start.Clone();
            var fast = (double[])path.Start.Clone();
            for (var t = 0; t < path.Gradients.Length; t++)
            {
                state = lookahead.Step(state, path.Gradients[t]);
                for (var i = 0; i < fast.Length; i++) fast[i] -= eta * path.Gradients[t][i];
                if ((t + 1) % k == 0)
                    for (var i = 0; i < fast.Length; i++) fast[i] = slow[i] = slow[i] + alpha * (fast[i] - slow[i]);
            }
            return Close([.. state.Parameters], fast, path, eta).And(Close([.. state.Transform.Vector("slow")], slow, path, eta));
        });

    [Property(MaxTest = 200)]
    public Property Accumulating_k_gradients_steps_once_with_their_mean() =>
        Prop.ForAll(With(Rates.Generator, Betas.Generator, Gen.Choose(1, 5).Select(k => (double)k)), c =>
        {
            var (path, eta, beta, period) = c;
            var k = (int)period;
            var usable = path.Gradients.Length / k * k;
            var means = Enumerable.Range(0, usable / k)
                .Select(s => Enumerable.Range(0, path.Start.Length).Select(i => Enumerable.Range(s * k, k).Average(t => path.Gradients[t][i])).ToArray())
                .ToArray();
            var accumulated = Iterate(Optimizer.Accumulate(Optimizer.HeavyBall(eta, beta), k), path with { Gradients = path.Gradients[..usable] });
            var direct = Iterate(Optimizer.HeavyBall(eta, beta), path with { Gradients = means });
            return Close(accumulated, direct, path, eta);
        });

    [Fact]
    public void Between_accumulated_steps_the_parameters_do_not_move()
    {
        var optimizer = Optimizer.Accumulate(Optimizer.HeavyBall(0.1, 0.9), 3);
        var state = optimizer.Start<double>([1.0, -1.0]);
        var after1 = optimizer.Step(state, [0.5, 0.25]);
        var after2 = optimizer.Step(after1, [0.1, 0.2]);
        Assert.Equal(state.Parameters.ToArray(), after2.Parameters.ToArray());
        var after3 = optimizer.Step(after2, [0.3, 0.3]);
        Near([1 - 0.1 * 0.3, -1 - 0.1 * 0.25], after3.Parameters, 1e-15);
        Assert.Equal(1, after3.Transform.Scalar("gradient_step"));
    }

    [Fact]
    public void Apply_if_finite_skips_non_finite_gradients_and_gives_up_after_too_many_in_a_row()
    {
        var optimizer = Optimizer.SkipNonFinite(Optimizer.GradientDescent(0.5), 2);
        var (vectors, scalars) = (new double[optimizer.Shape.Vectors.Length], new double[optimizer.Shape.Scalars.Length]);
        double[] x = [1.0];
        optimizer.Init<double>(x, new StateBuffers<double>(vectors, scalars, 1));
        void Step(double g, long t) => optimizer.Step<double>([g], new StateBuffers<double>(vectors, scalars, 1), x, t);
        Step(1, 0);
        Assert.Equal(0.5, x[0]);
        Step(double.NaN, 1);
        Step(double.PositiveInfinity, 2);
        Assert.Equal(0.5, x[0]);                         // two in a row are skipped
        Assert.Equal([2, 0, 2, 1, 0], scalars);          // notfinite_count, last_finite, total_notfinite, inner_count, inner.initialized
        Step(1, 3);
        Assert.Equal(0, x[0]);
        var (updates, _) = optimizer.Update<double>([double.NaN], optimizer.Init<double>([1.0]), [1.0]);
        Assert.Equal([0.0], updates.ToArray());   // a skipped gradient passes on no update
        Assert.Equal([0, 1, 2, 2, 0], scalars);
        Step(double.NaN, 4); Step(double.NaN, 5); Step(double.NaN, 6);
        Assert.True(double.IsNaN(x[0]));                 // the third in a row is let through
        Assert.Equal([3, 0, 5, 3, 0], scalars);
    }

    [Property(MaxTest = 200)]
    public Property Polyak_averaging_keeps_the_mean_of_the_iterates() =>
        Prop.ForAll(Paths, Rates, Betas, (path, eta, beta) =>
        {
            var averaged = Optimizer.Polyak(Optimizer.HeavyBall(eta, beta));
            var plain = Optimizer.HeavyBall(eta, beta);
            var (a, p) = (averaged.Start<double>(path.Start), plain.Start<double>(path.Start));
            var sum = new double[path.Start.Length];
            foreach (var g in path.Gradients)
            {
                (a, p) = (averaged.Step(a, g), plain.Step(p, g));
                for (var i = 0; i < sum.Length; i++) sum[i] += p.Parameters[i];
            }
            var mean = sum.Select(s => s / path.Gradients.Length).ToArray();
            return Close([.. ParameterAverage.Average(a.Transform)], mean, path, eta)
                .And(a.Parameters.SequenceEqual(p.Parameters).Label("the iterates themselves are unchanged"));
        });

    [Property(MaxTest = 200)]
    public Property An_average_with_decay_0_is_the_last_iterate_and_with_decay_1_the_first() =>
        Prop.ForAll(Paths, Rates, (path, eta) =>
        {
            var last = Optimizer.WithAverage(Optimizer.GradientDescent(eta), 0.0);
            var first = Optimizer.WithAverage(Optimizer.GradientDescent(eta), 1.0);
            var (a, b) = (last.Start<double>(path.Start), first.Start<double>(path.Start));
            foreach (var g in path.Gradients) (a, b) = (last.Step(a, g), first.Step(b, g));
            return a.Transform.Vector("average").SequenceEqual(a.Parameters) && b.Transform.Vector("average").SequenceEqual(path.Start);
        });

    [Property(MaxTest = 200)]
    public Property Schedule_free_averages_its_z_sequence_and_steps_z_by_SGD_at_y() =>
        Prop.ForAll(Paths, Rates, Generators.Uniform(0.05, 0.95).ToArbitrary(), (path, gamma, beta) =>
        {
            // Constant γ, no warmup, r = 0: every weight is γ², so x_t is the mean of z_1 … z_t (Defazio et al. 2024, eq. 2),
            // z_{t+1} = z_t − γ g_t, and y = (1 − β) z + β x.
            var sf = Optimizer.ScheduleFree(gamma, beta);
            var state = sf.Start<double>(path.Start);
            var z = (double[])path.Start.Clone();
            var sum = new double[z.Length];
            foreach (var g in path.Gradients)
            {
                state = sf.Step(state, g);
                for (var i = 0; i < z.Length; i++) sum[i] += z[i] -= gamma * g[i];
            }
            var x = sum.Select(s => s / path.Gradients.Length).ToArray();
            var y = z.Zip(x, (zi, xi) => (1 - beta) * zi + beta * xi).ToArray();
            return Close([.. state.Transform.Vector("z")], z, path, gamma)
                .And(Close([.. ScheduleFree.EvaluationPoint(state.Transform)], x, path, gamma))
                .And(Close([.. state.Parameters], y, path, gamma));
        });

    [Property(MaxTest = 300)]
    public Property Schedule_free_with_warmup_weights_and_decay_is_the_reference_algorithm() =>
        Prop.ForAll(Paths, Rates,
            (from beta in Generators.Uniform(0.05, 0.95) from warmup in Gen.Choose(0, 4) from r in Gen.Elements(0.0, 0.5, 1.0)
             from power in Gen.Elements(0.0, 1.0, 2.0) from decay in Gen.Elements(0.0, 0.01, 0.3) select (beta, warmup, r, power, decay)).ToArbitrary(),
            (path, gamma, o) =>
            {
                var beta = o.beta;
                // Defazio et al. 2024, "The road less scheduled", Algorithm 1 with warmup and weighting as in schedule_free's
                // SGDScheduleFree: γ_t = γ(t + 1)/W during warmup, lr_max = max(lr_max, γ_t) (from −1),
                // w_t = (t + 1)^r · lr_max^p, c = w_t/Σw (0 while Σw = 0), g ← ∇ + λy, z ← z − γ_t g, x ← (1 − c)x + cz,
                // y = (1 − β)z + βx. Written here in plain arithmetic, without the fused multiply-adds of the code: a few ε
                // apart per step and coordinate, against Close's 10⁻¹¹ of the path's scale (a margin of 10³ or more).
                var sf = new ScheduleFree(gamma, beta, o.decay, o.warmup, o.power, o.r);
                var state = sf.Start<double>(path.Start);
                var (z, x, y) = ((double[])path.Start.Clone(), (double[])path.Start.Clone(), (double[])path.Start.Clone());
                var (lrMax, weightSum) = (-1.0, 0.0);
                for (var t = 0; t < path.Gradients.Length; t++)
                {
                    state = sf.Step(state, path.Gradients[t]);
                    var rate = t < o.warmup ? gamma * (t + 1) / o.warmup : gamma;
                    lrMax = Math.Max(lrMax, rate);
                    var weight = Math.Pow(t + 1, o.r) * Math.Pow(lrMax, o.power);
                    weightSum += weight;
                    var c = weightSum == 0 ? 0 : weight / weightSum;
                    for (var i = 0; i < z.Length; i++)
                    {
                        z[i] -= rate * (path.Gradients[t][i] + o.decay * y[i]);
                        x[i] = (1 - c) * x[i] + c * z[i];
                        y[i] = (1 - beta) * z[i] + beta * x[i];
                    }
                }
                return Close([.. state.Transform.Vector("z")], z, path, gamma).Label("z")
                    .And(Close([.. ScheduleFree.EvaluationPoint(state.Transform)], x, path, gamma).Label("x"))
                    .And(Close([.. state.Parameters], y, path, gamma).Label("y"))
                    .And((state.Transform.Scalar("lr_max") == lrMax).Label($"lr_max {state.Transform.Scalar("lr_max"):R} vs {lrMax:R}"));
            });

    [Fact]
    public void Schedule_free_starts_its_average_at_the_start_and_stays_there_with_a_rate_of_0()
    {
        var sf = Optimizer.ScheduleFree(0.0, 0.9);
        var state = sf.Start<double>([1.5, -2.0]);
        Assert.Equal([1.5, -2.0], ScheduleFree.EvaluationPoint(state.Transform).ToArray());
        Assert.Equal(["z", "x"], sf.Shape.Vectors.ToArray());
        Assert.Equal(["lr_max", "weight_sum"], sf.Shape.Scalars.ToArray());
        for (var t = 0; t < 3; t++) state = sf.Step(state, [1.0, 1.0]);
        // Every weight is 0^2 = 0, so Σw = 0 and c = 0: nothing moves, and nothing is NaN.
        Assert.Equal([1.5, -2.0], ScheduleFree.EvaluationPoint(state.Transform).ToArray());
        Assert.Equal([1.5, -2.0], state.Parameters.ToArray());
    }

    [Fact]
    public void Schedule_free_warms_its_step_size_up_linearly()
    {
        var sf = Optimizer.ScheduleFree(1.0, 0.5, warmupSteps: 4);
        var state = sf.Start<double>([0.0]);
        var zs = new List<double>();
        for (var t = 0; t < 6; t++)
        {
            state = sf.Step(state, [1.0]);
            zs.Add(state.Transform.Vector("z")[0]);
        }
        // γ_t = (t + 1)/4 for t < 4, then 1: z = −0.25, −0.75, −1.5, −2.5, −3.5, −4.5.
        Assert.Equal([-0.25, -0.75, -1.5, -2.5, -3.5, -4.5], zs);
    }

    [Property(MaxTest = 200)]
    public Property Clipping_by_global_norm_keeps_the_direction_and_caps_the_length() =>
        Prop.ForAll(Generators.Length.Where(n => n > 0).SelectMany(n => Gen.ArrayOf(Generators.Value, n)).ToArbitrary(), Generators.LogUniform(1e-3, 1e3).ToArbitrary(), (g, c) =>
        {
            var clip = new ClipByGlobalNorm(c);
            var (u, _) = clip.Update<double>(g, clip.Init<double>(g), g);
            var norm = Math.Sqrt(g.Sum(v => v * v));
            var clipped = Math.Sqrt(u.Sum(v => v * v));
            if (!double.IsFinite(norm) || norm == 0 || norm < 1e-150) return true.ToProperty();
            return (norm < c ? u.SequenceEqual(g) : Math.Abs(clipped - c) <= 1e-12 * c).Label("length")
                .And(Enumerable.Range(0, g.Length).All(i => Math.Abs(u[i] - g[i] * Math.Min(1, c / norm)) <= 1e-12 * Math.Abs(g[i]) + 1e-300).Label("direction"));
        });

    [Fact]
    public void The_global_norm_neither_overflows_nor_underflows()
    {
        Assert.Equal(5e200, ClipByGlobalNorm.Norm<double>([3e200, 4e200]), 1e188);
        Assert.Equal(5e-200, ClipByGlobalNorm.Norm<double>([3e-200, -4e-200]), 1e-212);
        Assert.Equal(5e30, ClipByGlobalNorm.Norm<float>([3e30f, 4e30f]), 1e24);
        Assert.True(double.IsNaN(ClipByGlobalNorm.Norm<double>([1, double.NaN])));
        var (u, _) = new ClipByGlobalNorm(1).Update<double>([3e200, 4e200], new ClipByGlobalNorm(1).Init<double>([0.0, 0.0]), [0.0, 0.0]);
        Near([0.6, 0.8], u, 1e-15);
    }

    [Fact]
    public void Clipping_by_value_bounds_every_element()
    {
        var clip = new ClipByValue(0.5);
        var (u, _) = clip.Update<double>([-2, -0.25, 0, 0.5, 3], clip.Init<double>(new double[5]), new double[5]);
        Assert.Equal([-0.5, -0.25, 0, 0.5, 0.5], u.ToArray());
    }

    [Property(MaxTest = 200)]
    public Property A_scheduled_momentum_is_read_at_each_step_as_PyTorch_reads_a_changed_param_group() =>
        Prop.ForAll(With(Rates.Generator, Betas.Generator, Betas.Generator), c =>
        {
            var (path, eta, b1, b2) = c;
            // Momentum b1 for 3 steps, then b2: the same as stepping with HeavyBall(b1) three times and HeavyBall(b2) after.
            var scheduled = Optimizer.HeavyBall(eta, Schedule.PiecewiseConstant([3], [b1, b2]));
            var state = scheduled.Start<double>(path.Start);
            foreach (var g in path.Gradients) state = scheduled.Step(state, g);
            var (first, second) = (Optimizer.HeavyBall(eta, b1), Optimizer.HeavyBall(eta, b2));
            var manual = first.Start<double>(path.Start);
            for (var t = 0; t < path.Gradients.Length; t++) manual = (t < 3 ? first : second).Step(manual, path.Gradients[t]);
            return state.Parameters.SequenceEqual(manual.Parameters);
        });

    [Fact]
    public void Joined_schedules_restart_their_step_at_each_boundary()
    {
        var joined = Schedule.Join([Schedule.Constant(1), Schedule.Exponential(2, 0.5), Schedule.Constant(7)], [2, 5]);
        Assert.Equal([1, 1, 2, 1, 0.5, 7, 7], Enumerable.Range(0, 7).Select(t => joined.At(t)).ToArray());
        Assert.Throws<ArgumentException>(() => Schedule.Join([Schedule.Constant(1)], [3]));
        Assert.Throws<ArgumentException>(() => Schedule.Join([Schedule.Constant(1), Schedule.Constant(2), Schedule.Constant(3)], [5, 5]));
    }

    private sealed record InverseSquareRoot(double Initial) : Schedule
    {
        protected override double Evaluate(long step) => Initial / Math.Sqrt(step + 1);
    }

    [Fact]
    public void A_user_defined_schedule_drives_any_hyperparameter()
    {
        var optimizer = Optimizer.HeavyBall(new InverseSquareRoot(1.0), 0.0);
        var state = optimizer.Start<double>([0.0]);
        for (var t = 0; t < 4; t++) state = optimizer.Step(state, [1.0]);
        Assert.Equal(-(1 + 1 / Math.Sqrt(2) + 1 / Math.Sqrt(3) + 0.5), state.Parameters[0], 14);
        Assert.Equal(new InverseSquareRoot(1.0), new InverseSquareRoot(1.0));
    }

    [Fact]
    public void AggMo_and_chains_are_equal_exactly_when_every_part_is_and_print_their_parts()
    {
        var aggMo = new AggMo(0.1, [0.0, 0.9]);
        Assert.Equal(aggMo, new AggMo(0.1, [0.0, 0.9]));
        Assert.Equal(aggMo.GetHashCode(), new AggMo(0.1, [0.0, 0.9]).GetHashCode());
        Assert.NotEqual(aggMo, new AggMo(0.2, [0.0, 0.9]));
        Assert.NotEqual(aggMo, new AggMo(0.1, [0.0, 0.5]));
        Assert.False(aggMo.Equals(null));
        Assert.Equal("AggMo { LearningRate = 0.1, Betas = [0, 0.9] }", aggMo.ToString());

        var chain = new Chain(new ClipByValue(0.5), aggMo);
        Assert.Equal(chain, new Chain(new ClipByValue(0.5), new AggMo(0.1, [0.0, 0.9])));
        Assert.Equal(chain.GetHashCode(), new Chain(new ClipByValue(0.5), new AggMo(0.1, [0.0, 0.9])).GetHashCode());
        Assert.NotEqual(chain, new Chain(new ClipByValue(0.25), aggMo));
        Assert.False(chain.Equals(null));
        Assert.Equal(new Chain().GetHashCode(), new Chain().GetHashCode());
        Assert.Equal(new Chain(), new Chain());
    }

    [Fact]
    public void A_chain_refuses_buffers_of_another_shape_on_both_levels()
    {
        var chain = new Chain(Optimizer.HeavyBall(0.1, 0.9));
        const string Message = "the state has 4 vector values; this transformation needs 1 vectors of 2. (Parameter 'state')";
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => chain.Update<double>(new double[2], new StateBuffers<double>(new double[4], new double[1], 2), new double[2], 0)).Message);
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => chain.Step<double>(new double[2], new StateBuffers<double>(new double[4], new double[1], 2), new double[2], 0)).Message);
    }

    [Fact]
    public void Scaling_by_1_leaves_the_updates_and_by_minus_1_negates_them_exactly()
    {
        double[] g = [0.5, -2.0, 3.25];
        Assert.Equal(g, new Scale(1.0).Update<double>(g, new Scale(1.0).Init<double>(g), g).Updates.ToArray());
        Assert.Equal([-0.5, 2.0, -3.25], new Scale(-1.0).Update<double>(g, new Scale(-1.0).Init<double>(g), g).Updates.ToArray());
    }

    [Fact]
    public void A_range_says_what_it_allows_on_each_side()
    {
        Assert.Equal("must be ≤ 1", new ValueRange(double.NegativeInfinity, false, 1, true).Describe());
        Assert.Equal("must be < 1", new ValueRange(double.NegativeInfinity, false, 1, false).Describe());
        Assert.Equal("must be > 0", new ValueRange(0, false, double.PositiveInfinity, false).Describe());
        Assert.Equal("must be in (0, 1]", new ValueRange(0, false, 1, true).Describe());
        Assert.Equal("must be a finite number", new ValueRange(double.NegativeInfinity, false, double.PositiveInfinity, false).Describe());
        var e = Assert.Throws<HyperparameterException>(() => Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.9), 0));
        Assert.Equal(("SyncPeriod", 0.0), (e.Name, e.Value));
        Assert.Contains("must be an integer ≥ 1", e.Message);
        var warmup = Assert.Throws<HyperparameterException>(() => Optimizer.ScheduleFree(0.1, warmupSteps: -1));
        Assert.Equal(("WarmupSteps", -1.0), (warmup.Name, warmup.Value));
        Assert.Contains("must be an integer ≥ 0", warmup.Message);
    }

    [Fact]
    public void Gradient_accumulation_starts_each_mean_afresh_even_after_huge_gradients()
    {
        // Two minibatches of 10²⁰, then two of 1: the second mean is exactly 1. A mean that started from the first one's
        // leftover would lose the 1 against 10²⁰ (10²⁰ + (1 − 10²⁰) = 0 in double precision).
        var accumulate = Optimizer.Accumulate(Optimizer.GradientDescent(1.0), 2);
        var state = accumulate.Init<double>([0.0]);
        var updates = System.Collections.Immutable.ImmutableArray<double>.Empty;
        foreach (var g in new[] { 1e20, 1e20, 1.0, 1.0 }) (updates, state) = accumulate.Update<double>([g], state, [0.0]);
        Assert.Equal([-1.0], updates.ToArray());
    }

    [Fact]
    public void Skipping_non_finite_gradients_starts_its_counters_whatever_the_buffers_held()
    {
        var skip = Optimizer.SkipNonFinite(Optimizer.GradientDescent(0.5), 2);
        var scalars = Enumerable.Repeat(7.0, skip.Shape.Scalars.Length).ToArray();
        skip.Init<double>([1.0], new StateBuffers<double>(new double[skip.Shape.Vectors.Length], scalars, 1));
        Assert.Equal([0.0, 1.0, 0.0, 0.0], scalars[..4]);
    }
}
