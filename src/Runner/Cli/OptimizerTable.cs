using System.Globalization;
using System.Text.Json;
using Momentum.Optimizers;

namespace Momentum.Runner.Cli;

/// <summary>
/// The one place where the command line's names meet Core's: <c>--optimizer NAME</c> and the hyperparameter options that
/// build it (shared by <c>trace</c>, <c>quadratic</c>, <c>train</c>, <c>sweep</c>), the wrappers any optimizer takes
/// (<c>--weight-decay</c>, <c>--clip-norm</c>, <c>--clip-value</c>, <c>--accumulate</c>, <c>--lookahead-steps</c>,
/// <c>--ema</c>), and the map from Core's hyperparameter names to the options, so Core's checks are reported as the
/// user wrote them (<c>--momentum 1.5: must be in [0, 1)</c>). A new optimizer is one line of <see cref="Optimizers"/>.
/// </summary>
internal static class OptimizerTable
{
    /// <summary>A hyperparameter option: its flag, the Core property (or properties) it sets, and its help.</summary>
    /// <param name="Flag">The option, e.g. <c>--nu</c>.</param>
    /// <param name="Help">What it is, with its range from Core.</param>
    /// <param name="Default">Its default as text, or null when it has none (optional, or verb-specific).</param>
    /// <param name="Properties">Core's names for it (<see cref="HyperparameterException.Name"/>).</param>
    public sealed record Hyperparameter(string Flag, string Help, string? Default, params string[] Properties);

    /// <summary>An optimizer of <c>--optimizer</c>: its name, what it is, the options it reads, and how Core builds it.</summary>
    public sealed record Entry(string Name, string Description, string[] Uses, Func<Values, IGradientTransformation> Build);

    public static readonly Hyperparameter LearningRate = new("--lr", $"Learning rate η ({ValueRange.NonNegative.Describe()}).", null, "LearningRate");
    public static readonly Hyperparameter Momentum = new("--momentum", $"Momentum β ({ValueRange.UnitInterval.Describe()}); Demon's β₀; Schedule-Free's interpolation β ({ValueRange.OpenUnitInterval.Describe()}).", null, "Momentum", "Initial");
    public static readonly Hyperparameter Dampening = new("--dampening", $"Dampening of the gradient in the buffer after the first step, torch.optim.SGD's ({ValueRange.ClosedUnitInterval.Describe()}).", "0", "Dampening");
    public static readonly Hyperparameter Nu = new("--nu", $"QHM's ν, the weight of the momentum buffer against the plain gradient ({ValueRange.ClosedUnitInterval.Describe()}; Ma & Yarats recommend 0.7).", "0.7", "Nu");
    public static readonly Hyperparameter Betas = new("--betas", $"AggMo's momenta, one per velocity (each {ValueRange.UnitInterval.Describe()[5..]}; Lucas et al.'s 0,0.9,0.99).", "0,0.9,0.99", "Betas");
    public static readonly Hyperparameter DemonSteps = new("--demon-steps", "Demon: the step at which the momentum has decayed to 0 (an integer ≥ 1).", "1000", "Steps");
    public static readonly Hyperparameter WarmupSteps = new("--warmup-steps", "Schedule-Free: steps of linear warmup of the learning rate (an integer ≥ 0).", "0", "WarmupSteps");
    public static readonly Hyperparameter WeightDecay = new("--weight-decay", $"Weight decay λ ({ValueRange.NonNegative.Describe()}): coupled (added to the gradient, torch.optim.SGD) or decoupled (SGDW), see --weight-decay-mode.", "0", "WeightDecay");
    public static readonly Hyperparameter WeightDecayMode = new("--weight-decay-mode", "coupled (λx added to the gradient before momentum) or decoupled (SGDW: x ← x − η(v + λx); gd, momentum, nesterov, demon).", "coupled");
    public static readonly Hyperparameter ClipNorm = new("--clip-norm", $"Rescale each gradient to norm at most c ({ValueRange.Positive.Describe()}; Pascanu et al. 2013); 0: no clipping.", "0", "MaxNorm");
    public static readonly Hyperparameter ClipValue = new("--clip-value", $"Clip each gradient element to [−c, c] ({ValueRange.NonNegative.Describe()}); 0: no clipping.", "0", "MaxValue");
    public static readonly Hyperparameter Accumulate = new("--accumulate", "Step once per k minibatches with their mean gradient (Optax's MultiSteps; an integer ≥ 1).", "1", "Every");
    public static readonly Hyperparameter LookaheadSteps = new("--lookahead-steps", "Lookahead: k fast steps per slow step around the optimizer (Zhang et al. 2019; an integer ≥ 1); 0: no Lookahead (lookahead's default 5).", "0", "SyncPeriod");
    public static readonly Hyperparameter LookaheadAlpha = new("--lookahead-alpha", "Lookahead's slow step α (in (0, 1]).", "0.5", "SlowStepSize");
    public static readonly Hyperparameter Ema = new("--ema", $"Keep an exponential moving average of the iterates with decay β ({ValueRange.ClosedUnitInterval.Describe()}), evaluated beside them; empty: none.", null, "Decay");

    /// <summary>The optimizers, by name. A new optimizer is one line here.</summary>
    public static IReadOnlyList<Entry> Optimizers { get; } =
    [
        new("gd", "gradient descent, x ← x − ηg (d2l §11.6.1)", ["--lr"], v => Decayed(Optimizer.GradientDescent(v.LearningRate), v)),
        new("momentum", "heavy ball, v ← βv + g, x ← x − ηv (d2l §11.6.2; torch.optim.SGD)", ["--lr", "--momentum", "--dampening"], v => Decayed(Optimizer.Sgd(v.LearningRate, v.Momentum, v.Dampening), v)),
        new("nesterov", "Nesterov momentum in PyTorch's form, b ← βb + g, x ← x − η(g + βb)", ["--lr", "--momentum"], v => Decayed(Optimizer.Nesterov(v.LearningRate, v.Momentum), v)),
        new("sgdw", "heavy ball with decoupled weight decay, x ← x − η(v + λx) (Loshchilov & Hutter 2019)", ["--lr", "--momentum", "--weight-decay"], v => Optimizer.Sgdw(v.LearningRate, v.Momentum, v.Decay)),
        new("keras", "the Keras form, v ← βv − ηg, x ← x + v", ["--lr", "--momentum"], v => Decayed(Optimizer.Keras(v.LearningRate, v.Momentum), v)),
        new("qhm", "quasi-hyperbolic momentum, x ← x − η[(1 − ν)g + νb] (Ma & Yarats 2019)", ["--lr", "--momentum", "--nu"], v => Decayed(Optimizer.Qhm(v.LearningRate, v.Momentum, v.Nu), v)),
        new("aggmo", "aggregated momentum, x ← x − (η/K) Σ b⁽ⁱ⁾ (Lucas et al. 2019)", ["--lr", "--betas"], v => Decayed(Optimizer.AggMo(v.LearningRate, v.Betas), v)),
        new("demon", "heavy ball whose momentum decays as Demon's, β₀ → 0 over --demon-steps (Chen et al. 2022)", ["--lr", "--momentum", "--demon-steps"], v => Decayed(Optimizer.Demon(v.LearningRate, v.Momentum, v.DemonSteps), v)),
        new("lookahead", "Lookahead around heavy ball (Zhang et al. 2019)", ["--lr", "--momentum", "--lookahead-steps", "--lookahead-alpha"], v => Optimizer.Lookahead(Decayed(Optimizer.HeavyBall(v.LearningRate, v.Momentum), v), v.LookaheadSteps == 0 ? 5 : v.LookaheadSteps, v.LookaheadAlpha)),
        new("schedule-free", "Schedule-Free SGD, gradients at y = (1 − β)z + βx (Defazio et al. 2024)", ["--lr", "--momentum", "--warmup-steps"], v => Optimizer.ScheduleFree(v.ConstantLearningRate, v.Momentum, v.Decay, v.WarmupSteps)),
    ];

    /// <summary>The names of the optimizers, in the table's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Optimizers.Select(o => o.Name)];

    /// <summary>Every hyperparameter option, in the order help lists them.</summary>
    public static IReadOnlyList<Hyperparameter> All { get; } =
        [LearningRate, Momentum, Dampening, Nu, Betas, DemonSteps, WarmupSteps, WeightDecay, WeightDecayMode, ClipNorm, ClipValue, Accumulate, LookaheadSteps, LookaheadAlpha, Ema];

    /// <summary>
    /// The hyperparameter options that take one number (a sweep takes a list of each: a grid axis), in help's order;
    /// <c>--betas</c> (a list in itself) and <c>--weight-decay-mode</c> are the others.
    /// </summary>
    public static IReadOnlyList<Hyperparameter> Numbers { get; } = [.. All.Where(h => h != Betas && h != WeightDecayMode)];

    /// <summary>The options that wrap any optimizer (and so are not in an entry's <see cref="Entry.Uses"/>).</summary>
    private static readonly HashSet<string> Wrappers = ["--weight-decay", "--weight-decay-mode", "--clip-norm", "--clip-value", "--accumulate", "--lookahead-steps", "--lookahead-alpha", "--ema"];

    /// <summary>The hyperparameter options that matter to <paramref name="optimizers"/>: those one of them reads, and the wrappers.</summary>
    public static IEnumerable<Hyperparameter> UsedBy(IEnumerable<string> optimizers)
    {
        var entries = optimizers.Select(Of).ToList();
        return All.Where(h => Wrappers.Contains(h.Flag) || entries.Any(e => e.Uses.Contains(h.Flag)));
    }

    /// <summary>The entry of <paramref name="name"/>.</summary>
    public static Entry Of(string name) =>
        Optimizers.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"no optimizer {name}");

    /// <summary>The option that sets Core's hyperparameter <paramref name="property"/>, or null.</summary>
    public static string? FlagOf(string property) => All.FirstOrDefault(h => h.Properties.Contains(property))?.Flag;

    /// <summary>The hyperparameter option <paramref name="flag"/> (e.g. <c>--nu</c>).</summary>
    public static Hyperparameter Option(string flag) =>
        All.FirstOrDefault(h => h.Flag == flag) ?? throw new InvalidOperationException($"no hyperparameter option {flag}");

    /// <summary>
    /// The option specs of a verb that builds optimizers: <c>--optimizer</c> and every hyperparameter option, with the
    /// verb's own defaults for the optimizer, the learning rate and the momentum (<paramref name="lists"/>: each takes
    /// a comma-separated list, for sweeps).
    /// </summary>
    public static IEnumerable<OptionSpec> Specs(string optimizer, string lr, string momentum, bool lists = false)
    {
        var each = lists ? " A list of values gives a grid axis." : "";
        yield return new("--optimizer", (lists ? "Optimizers to compare (a list): " : "The optimizer: ") + string.Join("; ", Optimizers.Select(o => $"{o.Name} ({o.Description}; {string.Join(", ", o.Uses)})")) + ".", optimizer);
        foreach (var h in All)
        {
            var @default = h == LearningRate ? lr : h == Momentum ? momentum : h.Default;
            yield return new(h.Flag, h.Help + (h == WeightDecayMode ? "" : each), @default);
        }
    }

    /// <summary>The hyperparameters read for one optimizer: numbers as given, checked by Core when it builds.</summary>
    /// <param name="LearningRate">η, or a schedule of it.</param>
    public sealed record Values(
        Schedule LearningRate, double ConstantLearningRate, double Momentum, double Dampening, double Nu, double[] Betas, long DemonSteps,
        long WarmupSteps, double Decay, bool Decoupled, double ClipNorm, double ClipValue, int Accumulate, int LookaheadSteps,
        double LookaheadAlpha, double? Ema);

    /// <summary>
    /// Builds the optimizer <paramref name="name"/> with <paramref name="values"/> and the wrappers they ask for; Core's
    /// refusal of a value is reported naming its option and the text given (<paramref name="raw"/>: option → text).
    /// </summary>
    /// <exception cref="UsageException">A value is outside what Core allows, or an option does not fit the optimizer.</exception>
    public static IGradientTransformation Build(string name, Values values, Func<string, string?> raw)
    {
        var entry = Of(name);
        if (values.Decoupled && entry.Name is not ("gd" or "momentum" or "nesterov" or "demon" or "sgdw"))
            throw SettingsReader.Fail("--weight-decay-mode", "decoupled", $"is for gd, momentum, nesterov and demon (SGDW), not --optimizer {entry.Name}");
        try
        {
            var optimizer = entry.Build(values);
            if (values.Ema is { } decay) optimizer = Optimizer.WithAverage(optimizer, decay);
            if (values.LookaheadSteps != 0 && entry.Name != "lookahead") optimizer = Optimizer.Lookahead(optimizer, values.LookaheadSteps, values.LookaheadAlpha);
            if (values.ClipValue != 0) optimizer = new Chain(new ClipByValue(values.ClipValue), optimizer);
            if (values.ClipNorm != 0) optimizer = new Chain(new ClipByGlobalNorm(values.ClipNorm), optimizer);
            if (values.Accumulate != 1) optimizer = Optimizer.Accumulate(optimizer, values.Accumulate);
            return optimizer;
        }
        catch (HyperparameterException e)
        {
            var flag = FlagOf(e.Name);
            var shown = flag is null ? null : raw(flag);
            throw flag is null
                ? new UsageException($"--optimizer {entry.Name}: {e.Message}")
                : SettingsReader.Fail(flag, shown ?? e.Value.ToString("R", CultureInfo.InvariantCulture), e.Problem + (e.Step is { } t ? $" (at step {t})" : ""));
        }
    }

    /// <summary>An optimizer as chosen on the command line: its name, Core's transformation, and a title for figures.</summary>
    /// <param name="Name">The <c>--optimizer</c> name.</param>
    /// <param name="Transformation">What Core runs.</param>
    /// <param name="Description">"momentum, η = 0.6, β = 0.5", as the book labels its figures.</param>
    /// <param name="AtLearningRate">The same optimizer at another (constant) learning rate: the family the theory's stable range is read from (null for an optimizer written out in JSON).</param>
    /// <param name="Values">The hyperparameters it was built from (null for an optimizer written out in JSON).</param>
    public sealed record Choice(string Name, IGradientTransformation Transformation, string Description, Func<double, IGradientTransformation>? AtLearningRate, Values? Values = null)
    {
        /// <summary>The book's heavy ball: momentum with no dampening, weight decay or wrapper (d2l §11.6's closed forms hold as written).</summary>
        public bool IsBooksHeavyBall => Name == "momentum" && Values is { Dampening: 0, Decay: 0, ClipNorm: 0, ClipValue: 0, Accumulate: 1, LookaheadSteps: 0, Ema: null };

        /// <summary>Whether the optimizer was named (an entry of the table) rather than written out in JSON.</summary>
        public bool IsNamed => AtLearningRate is not null;
    }

    /// <summary>
    /// Reads <c>--optimizer</c> and its hyperparameters (one value each) and builds it; <paramref name="schedule"/> turns
    /// the learning rate into the verb's schedule, when the verb has one.
    /// </summary>
    public static Choice Read(SettingsReader r, Func<double, Schedule?>? schedule = null)
    {
        if (r.Text("--optimizer").TrimStart().StartsWith('{')) return FromJson(r);
        var name = r.Choice("--optimizer", [.. Names]);
        RequireFits([name], r.IsGiven);
        var values = ReadValues(flag => r.OptionalText(flag) is null ? null : r.Double(flag, Rules.Any), flag => r.Doubles(flag, Rules.Any), r.Raw, schedule);
        return Choose(name, values, r.Raw);
    }

    /// <summary>
    /// An optimizer written out in JSON (<c>--optimizer '{"kind": "chain", …}'</c>, or an object in a run config), as
    /// Core's <see cref="TransformationJson"/> reads it: any transformation of the catalog, chains and wrappers included.
    /// Its hyperparameters are in the JSON, so the hyperparameter options and a schedule other than constant are refused.
    /// It has no learning-rate family: the stable range of a diverged run is not read off it.
    /// </summary>
    public static Choice FromJson(SettingsReader r)
    {
        var text = r.Text("--optimizer");
        foreach (var h in All)
            if (r.IsGiven(h.Flag))
                throw new UsageException($"{h.Flag}: the optimizer is written out in JSON; set its hyperparameters there");
        if (r.Has("--schedule") && r.IsGiven("--schedule") && r.Text("--schedule") != "constant")
            throw new UsageException("--schedule: the optimizer is written out in JSON; write its schedules there (a schedule's JSON, e.g. {\"kind\": \"exponential\", …}, in place of a number)");
        try
        {
            using var document = JsonDocument.Parse(text);
            var transformation = TransformationJson.ReadTransformation(document.RootElement);
            return new(KindOf(document.RootElement), transformation, Outline(document.RootElement), null);
        }
        catch (JsonException e)
        {
            throw new UsageException($"--optimizer: not an optimizer Core can read from JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]})");
        }
        catch (HyperparameterException e)
        {
            throw new UsageException($"--optimizer: {e.Message}");
        }
    }

    private static string KindOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString()! : "json";

    // "chain(clip_by_global_norm, qhm)": the kinds of a JSON optimizer, for titles.
    private static string Outline(JsonElement element)
    {
        var inner = element.ValueKind != JsonValueKind.Object ? [] : element.EnumerateObject()
            .SelectMany(p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().ToArray() : [p.Value])
            .Where(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("kind", out _) && !IsSchedule(v))
            .Select(Outline).ToList();
        return inner.Count == 0 ? KindOf(element) : $"{KindOf(element)}({string.Join(", ", inner)})";
    }

    private static bool IsSchedule(JsonElement element) =>
        Catalog.Default.TypeOf(KindOf(element)) is { } type && typeof(Schedule).IsAssignableFrom(type);

    /// <summary>The optimizer <paramref name="name"/> built from <paramref name="values"/>, with its description and family.</summary>
    public static Choice Choose(string name, Values values, Func<string, string?> raw)
    {
        var transformation = Build(name, values, raw);
        return new(Of(name).Name, transformation, Describe(name, values),
            lr => Build(name, values with { LearningRate = lr, ConstantLearningRate = lr }, raw), values);
    }

    /// <summary>The optimizer and its hyperparameters as the book labels its figures: "momentum, η = 0.6, β = 0.5".</summary>
    /// <param name="name">The optimizer's name.</param>
    /// <param name="v">Its hyperparameters.</param>
    /// <param name="learningRate">Whether to show η; false for a figure where it varies (<c>region</c>, <c>plateau</c>).</param>
    /// <param name="momenta">Whether to show β (AggMo's momenta); false for a figure whose axis it is (<c>region</c>).</param>
    public static string Describe(string name, Values v, bool learningRate = true, bool momenta = true)
    {
        var entry = Of(name);
        string N(double x) => Format.G(x);
        var parts = new List<string> { entry.Name };
        if (learningRate) parts.Add($"η = {N(v.ConstantLearningRate)}");
        foreach (var flag in entry.Uses)
            switch (flag)
            {
                case "--momentum" or "--betas" when !momenta: break;
                case "--momentum": parts.Add($"β{(entry.Name == "demon" ? "₀" : "")} = {N(v.Momentum)}"); break;
                case "--dampening" when v.Dampening != 0: parts.Add($"dampening {N(v.Dampening)}"); break;
                case "--nu": parts.Add($"ν = {N(v.Nu)}"); break;
                case "--betas": parts.Add($"β = {string.Join("/", v.Betas.Select(N))}"); break;
                case "--demon-steps": parts.Add($"T = {v.DemonSteps}"); break;
                case "--warmup-steps" when v.WarmupSteps != 0: parts.Add($"warmup {v.WarmupSteps}"); break;
                case "--lookahead-steps": parts.Add($"k = {(v.LookaheadSteps == 0 ? 5 : v.LookaheadSteps)}, α = {N(v.LookaheadAlpha)}"); break;
            }
        if (v.Decay != 0 && entry.Name != "sgdw") parts.Add($"weight decay {N(v.Decay)}{(v.Decoupled ? " (decoupled)" : "")}");
        if (entry.Name == "sgdw") parts.Add($"weight decay {N(v.Decay)}");
        if (v.LookaheadSteps != 0 && entry.Name != "lookahead") parts.Add($"lookahead k = {v.LookaheadSteps}, α = {N(v.LookaheadAlpha)}");
        if (v.ClipNorm != 0) parts.Add($"‖g‖ ≤ {N(v.ClipNorm)}");
        if (v.ClipValue != 0) parts.Add($"|g| ≤ {N(v.ClipValue)}");
        if (v.Accumulate != 1) parts.Add($"accumulate {v.Accumulate}");
        if (v.Ema is { } decay) parts.Add($"EMA {N(decay)}");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// The hyperparameters with numbers from <paramref name="number"/> (null: not given; an option with a default always
    /// has one), <c>--betas</c> from <paramref name="list"/> and <c>--weight-decay-mode</c> from <paramref name="raw"/>,
    /// which also gives the text an error shows. Ranges are Core's, checked when the optimizer is built
    /// (<see cref="Build"/>); here only what Core cannot see: whole numbers of steps, and the mode's name.
    /// </summary>
    public static Values ReadValues(Func<string, double?> number, Func<string, double[]> list, Func<string, string?> raw, Func<double, Schedule?>? schedule = null)
    {
        double Number(string flag) => number(flag) ?? throw SettingsReader.Fail(flag, "", "needs a value");
        long Integer(Hyperparameter h)
        {
            var value = Number(h.Flag);
            return value == Math.Floor(value) && Math.Abs(value) < 9.2e18 ? (long)value
                : throw SettingsReader.Fail(h.Flag, raw(h.Flag) ?? Format.G(value), "must be an integer");
        }
        int Count(Hyperparameter h) => (int)Math.Clamp(Integer(h), int.MinValue, int.MaxValue);
        var lr = Number("--lr");
        var mode = raw(WeightDecayMode.Flag)?.Trim() ?? "coupled";
        if (mode is not ("coupled" or "decoupled"))
            throw SettingsReader.Fail(WeightDecayMode.Flag, mode, "must be one of coupled, decoupled");
        return new Values(
            schedule?.Invoke(lr) ?? lr, lr, Number("--momentum"), Number("--dampening"), Number("--nu"), list("--betas"),
            Integer(DemonSteps), Integer(WarmupSteps), Number("--weight-decay"), mode == "decoupled",
            Number("--clip-norm"), Number("--clip-value"), Count(Accumulate), Count(LookaheadSteps), Number("--lookahead-alpha"),
            number("--ema"));
    }

    /// <summary>
    /// Refuses hyperparameter options given for an optimizer that does not read them (<c>--nu 0.7 --optimizer momentum</c>),
    /// naming the optimizers that do.
    /// </summary>
    public static void RequireFits(IEnumerable<string> optimizers, Func<string, bool> given)
    {
        var entries = optimizers.Select(Of).ToList();
        foreach (var h in All)
        {
            if (Wrappers.Contains(h.Flag) || !given(h.Flag) || entries.Any(e => e.Uses.Contains(h.Flag))) continue;
            var users = Optimizers.Where(o => o.Uses.Contains(h.Flag)).Select(o => o.Name).ToList();
            throw new UsageException($"{h.Flag}: not a hyperparameter of --optimizer {string.Join(",", entries.Select(e => e.Name))}" +
                (users.Count > 0 ? $"; {string.Join(", ", users)} {(users.Count == 1 ? "reads" : "read")} it" : ""));
        }
    }

    // Coupled weight decay: torch.optim.SGD's option for its family, the gradient + λx link before any other optimizer;
    // decoupled: SGDW.
    private static IGradientTransformation Decayed(IGradientTransformation optimizer, Values v)
    {
        if (v.Decay == 0 && !v.Decoupled) return optimizer;
        return optimizer switch
        {
            Sgd sgd when v.Decoupled => new Chain(new Trace(sgd.Momentum, sgd.Dampening, sgd.Nesterov), new AddDecayedWeights(v.Decay), new ScaleByLearningRate(sgd.LearningRate)),
            Sgd sgd => sgd with { WeightDecay = v.Decay },
            _ => new Chain(new AddDecayedWeights(v.Decay), optimizer),
        };
    }
}
