using System.Globalization;
using System.Text;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// The part of the chapter's report that answers d2l §11.6.5's four exercises: with the lines the run's sections printed,
/// the figures they drew, the data they wrote (exercise 2's last iterates are read back from <c>quadratic.csv</c>), and
/// tables Core computes from the optimizers' own steps.
/// </summary>
internal static class ChapterExercises
{
    /// <summary>The chapter's f(x) = 0.1x₁² + 2x₂²: its Hessian's eigenvalues.</summary>
    private static readonly double[] BooksF = [0.2, 4];

    /// <summary>The answers in Markdown, referring to the sections by number.</summary>
    /// <param name="experiments">The chapter's sections, in order.</param>
    /// <param name="printed">What each section printed, by folder (a section that did not run is missing).</param>
    /// <param name="outFolder">The chapter's output folder.</param>
    public static string Answers(IReadOnlyList<Experiment> experiments, IReadOnlyDictionary<string, string> printed, string outFolder)
    {
        var report = new StringBuilder();
        int Number(string folder) => experiments.Select((e, i) => (e.Folder, i)).Single(e => e.Folder == folder).i + 1;
        string Section(string folder) => $"section {Number(folder)}";
        string Figure(string folder, string file) => $"![{Section(folder)}]({folder}/{file})";
        string Lines(params string[] folders) => string.Concat(folders.Where(printed.ContainsKey).Select(f =>
            string.Concat(printed[f].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => $"    {Section(f)}: {l.TrimEnd('\r')}\n"))));

        report.AppendLine("## Exercises (d2l §11.6.5)").AppendLine()
            .AppendLine("Answered with what the sections above printed and drew, and with tables Core computes from each optimizer's own step.")
            .AppendLine();

        Exercise1(report, Section, Lines);
        Exercise2(report, Section, Figure, outFolder);
        Exercise3(report);
        Exercise4(report, Section, Figure, Lines);
        return report.ToString();
    }

    private static string G(double value, int digits = 4) => Format.G(value, digits);

    private static double RateOnBooksF(IGradientTransformation method)
    {
        var linear = LinearMethod.Of(method);
        return BooksF.Max(l => linear.At(l).SpectralRadius());
    }

    private static void Exercise1(StringBuilder report, Func<string, string> section, Func<string[], string> lines)
    {
        report.AppendLine("### 1. Other combinations of momentum and learning rate").AppendLine()
            .AppendLine("On f(x) = 0.1x₁² + 2x₂² (Hessian eigenvalues 0.2 and 4) momentum's error shrinks like ρᵗ, ρ the larger spectral")
            .AppendLine("radius of R(β, η, λ) over the two directions (§11.6.3.2). Rate per step and steps to shrink the error by 10⁻⁶:")
            .AppendLine();
        double[] rates = [0.1, 0.3, 0.5, 0.6, 0.9, 1.2];
        double[] momenta = [0, 0.25, 0.5, 0.75, 0.9];
        var table = rates.Select(eta => momenta.Select(beta => RateOnBooksF(Optimizer.Sgd(eta, beta))).ToArray()).ToArray();
        var cellsByRate = table.SelectMany((row, i) => row.Select((rate, j) => (rate, i, j))).ToList();
        var bestRate = cellsByRate.Min(c => c.rate);
        var best = cellsByRate.Where(c => c.rate <= bestRate + 1e-12).ToList();
        report.AppendLine("| η \\ β | " + string.Join(" | ", momenta.Select(b => G(b))) + " |")
            .AppendLine("|---|" + string.Concat(momenta.Select(_ => "---|")));
        for (var i = 0; i < rates.Length; i++)
        {
            var cells = table[i].Select((rate, j) =>
            {
                var text = rate < 1 ? $"{G(rate, 3)} ({G(Convergence.StepsToShrink(rate, 1e-6))})" : "diverges";
                return best.Any(b => (b.i, b.j) == (i, j)) ? $"**{text}**" : text;
            });
            report.AppendLine($"| {G(rates[i])} | {string.Join(" | ", cells)} |");
        }
        report.AppendLine();

        var heavyBall = OptimalParameters.ForMomentum(BooksF[0], BooksF[1]);
        var gd = OptimalParameters.ForGradientDescent(BooksF[0], BooksF[1]);
        var ripples = table.Select(row => row[^1]).Where(r => r < 1).ToArray();
        var nesterovBound = Convergence.LargestStableLearningRate(eta => Optimizer.Nesterov(eta, heavyBall.Momentum), BooksF[1]);
        var nesterov = OptimalParameters.ForNesterov(BooksF[0], BooksF[1]);
        report.AppendLine($"- The stable range grows with β: gradient descent (β = 0) needs η < 2/L = {G(2 / BooksF[1])} ({section("02-gd-lr0.6")} diverges at η = 0.6),")
            .AppendLine($"  momentum η < (2 + 2β)/L: {G(Convergence.StabilityBound(0.5) / BooksF[1])} at β = 0.5 ({section("03-momentum-lr0.6-beta0.5")} converges at η = 0.6), {G(Convergence.StabilityBound(0.9) / BooksF[1])} at β = 0.9 (the red border of {section("13-region")}'s map).")
            .AppendLine($"- The fastest cells of the table (bold) reach ρ = {G(bestRate, 3)} at {string.Join(" and ", best.Select(b => $"η = {G(rates[b.i])}, β = {G(momenta[b.j])}"))}; Polyak's optimum η = {G(heavyBall.LearningRate)}, β = {G(heavyBall.Momentum)}")
            .AppendLine($"  gives ρ = {G(heavyBall.Rate, 3)} against gradient descent's best {G(gd.Rate, 3)} ({section("14-analyze")}, {section("15-tuned")}).")
            .AppendLine(ripples.Length > 0 && ripples.Max() - ripples.Min() < 1e-9
                ? $"- More momentum is not faster: at β = 0.9 every converging η of the table has the same rate √β = {G(ripples[0], 3)}, both directions spiralling in the ripples regime."
                : $"- More momentum is not faster: at β = 0.9 the rates are {string.Join(", ", ripples.Select(r => G(r, 3)))}.")
            .AppendLine($"- Optimal parameters do not carry over between methods: at heavy ball's β = {G(heavyBall.Momentum)}, Nesterov converges only for η < {G(nesterovBound)} on this f,")
            .AppendLine($"  below heavy ball's η = {G(heavyBall.LearningRate)}; at its own optimum (η = {G(nesterov.LearningRate)}, β = {G(nesterov.Momentum)}, ρ = {G(nesterov.Rate, 3)}) it converges ({section("15-tuned")}).")
            .AppendLine("- With minibatches the same trade-off shows in the loss the runs reach (the book's combinations):")
            .AppendLine()
            .Append(lines(["06-train-lr0.02-beta0.5", "07-train-lr0.01-beta0.9", "08-train-lr0.005-beta0.9"]))
            .AppendLine();
    }

    private static void Exercise2(StringBuilder report, Func<string, string> section, Func<string, string, string> figure, string outFolder)
    {
        report.AppendLine("### 2. Gradient descent and momentum on ½ Σ λᵢxᵢ², λᵢ = 2⁻ⁱ").AppendLine()
            .AppendLine($"From xᵢ = 1, 100 steps at η = 1 ({section("11-exercise2-gd")}; momentum β = 0.9 in {section("12-exercise2-momentum")}). Each direction")
            .AppendLine("contracts at its own rate: gradient descent's |1 − ηλᵢ|, momentum's ρ(R(β, η, λᵢ)), about 1 − ηλᵢ/(1 − β) for small λᵢ.")
            .AppendLine();
        var problem = DiagonalQuadratic.Exercise2();
        var (gd, momentum) = (LinearMethod.Of(Optimizer.GradientDescent(1)), LinearMethod.Of(Optimizer.Sgd(1, 0.9)));
        double[]? Last(string folder)
        {
            var file = Path.Combine(outFolder, folder, "quadratic.csv");
            if (!File.Exists(file)) return null;
            var table = DataFile.Read(file, threads: 1).Table;
            return table.Rows == 0 ? null : [.. table.Row(table.Rows - 1)];
        }
        var (afterGd, afterMomentum) = (Last("11-exercise2-gd"), Last("12-exercise2-momentum"));
        report.AppendLine("| i | λᵢ | gd rate | gd \\|xᵢ\\| at step 100 | momentum rate | momentum \\|xᵢ\\| at step 100 |")
            .AppendLine("|---|---|---|---|---|---|");
        for (var i = 0; i < problem.Dimension; i++)
        {
            var lambda = problem.Eigenvalues[i];
            string Measured(double[]? last) => last is null ? "—" : G(Math.Abs(last[2 + i]), 3);
            report.AppendLine($"| {i} | {G(lambda)} | {G(gd.At(lambda).SpectralRadius(), 4)} | {Measured(afterGd)} | {G(momentum.At(lambda).SpectralRadius(), 4)} | {Measured(afterMomentum)} |");
        }
        report.AppendLine()
            .AppendLine("Gradient descent removes the stiff direction (λ = 1) in one step and leaves the flat ones almost where they started;")
            .AppendLine("momentum multiplies the flat directions' step by about 1/(1 − β) = 10 and pays with ripples of modulus √β in the stiff")
            .AppendLine("ones, so the largest |xᵢ| after 100 steps is much smaller with momentum.")
            .AppendLine()
            .AppendLine(figure("11-exercise2-gd", "quadratic.png")).AppendLine()
            .AppendLine(figure("12-exercise2-momentum", "quadratic.png")).AppendLine();
    }

    private static void Exercise3(StringBuilder report)
    {
        // A worked example: Q with eigenvalues 1 and 9, c and b chosen here, solved in closed form and by momentum.
        var h = new Quadratic(new double[,] { { 5, 4 }, { 4, 5 } }, [1, -2], 3);
        var minimizer = h.Minimizer();
        var eigen = h.Eigen();
        var tuned = OptimalParameters.ForMomentum(eigen.Smallest, eigen.Largest);
        var end = Trajectory.Collect(h, Optimizer.HeavyBall(tuned.LearningRate, tuned.Momentum), [0, 0], 100)[^1];
        string Vector(IEnumerable<double> v) => "(" + string.Join(", ", v.Select(x => G(x, 6))) + ")";
        report.AppendLine("### 3. Minimum and minimizer of h(x) = ½xᵀQx + xᵀc + b").AppendLine()
            .AppendLine("For symmetric positive definite Q, ∇h(x) = Qx + c vanishes only at x* = −Q⁻¹c, and completing the square,")
            .AppendLine("h(x) = ½(x − x*)ᵀQ(x − x*) + b − ½cᵀQ⁻¹c, gives the minimum h(x*) = b − ½cᵀQ⁻¹c (d2l eq. 11.6.9). If Q has a negative")
            .AppendLine("eigenvalue h is unbounded below; if Q is only semidefinite a minimum exists exactly when c lies in Q's range.")
            .AppendLine()
            .AppendLine($"Checked on Q = [[5, 4], [4, 5]] (eigenvalues {G(eigen.Smallest)} and {G(eigen.Largest)}), c = (1, −2), b = 3: the closed form gives")
            .AppendLine($"x* = {Vector(minimizer)} and h(x*) = {G(h.Minimum(), 6)}; heavy ball at its optimal η = {G(tuned.LearningRate)}, β = {G(tuned.Momentum)}")
            .AppendLine($"(rate {G(tuned.Rate, 3)}) reaches x = {Vector(end.Point)} with h = {G(end.Value, 6)} after 100 steps from 0.")
            .AppendLine();
    }

    private static void Exercise4(StringBuilder report, Func<string, string> section, Func<string, string, string> figure, Func<string[], string> lines)
    {
        report.AppendLine("### 4. Stochastic gradients and minibatches").AppendLine()
            .AppendLine("With noise in the gradient, g = ∇f + ξ, the error no longer tends to 0: a linear method is z ← Rz + bξ, and its state")
            .AppendLine("settles where the noise put in balances the contraction, at the covariance Σ = RΣRᵀ + σ²bbᵀ (the discrete Lyapunov")
            .AppendLine("equation). The loss then sits on a plateau ½ Σ λᵢE[xᵢ²] above its minimum. On the chapter's f with σ = 1, predicted:")
            .AppendLine();
        double[] rates = [0.02, 0.05, 0.1];
        double[] momenta = [0, 0.5, 0.9];
        report.AppendLine("| η \\ β | " + string.Join(" | ", momenta.Select(b => G(b))) + " |")
            .AppendLine("|---|" + string.Concat(momenta.Select(_ => "---|")));
        foreach (var eta in rates)
        {
            var cells = momenta.Select(beta =>
            {
                var method = LinearMethod.Of(Optimizer.Sgd(eta, beta));
                return BooksF.All(l => method.At(l).Converges()) ? G(GradientNoise.StationaryExcessLoss(method, BooksF, [1, 1]), 3) : "diverges";
            });
            report.AppendLine($"| {G(eta)} | {string.Join(" | ", cells)} |");
        }
        report.AppendLine()
            .AppendLine("For small ηλ the plateau grows like ησ²/(1 − β): momentum at the same η settles higher, and at the same effective step")
            .AppendLine($"η/(1 − β) about as high as plain SGD. K = 1000 seeded runs of each ({section("16-noise-gd")},")
            .AppendLine($"{section("17-noise-momentum")}: SGD at η = 0.1 and momentum at η = 0.05, β = 0.5) measure the plateau the theory predicts:")
            .AppendLine()
            .Append(lines(["16-noise-gd", "17-noise-momentum"]))
            .AppendLine()
            .AppendLine(figure("17-noise-momentum", "noise.png")).AppendLine()
            .AppendLine("With minibatches the noise is the minibatch gradient's own: for linear regression its covariance at the optimum is")
            .AppendLine("(n − B)/(B(n − 1)) times the examples' gradient covariance, so the plateau falls with the batch size B and rises with")
            .AppendLine($"η; d2l's loader reshuffles each epoch, whose minibatch noises sum to zero, which lowers it a little more. S{section("18-plateau")[1..]}")
            .AppendLine("trains every (η, B) with momentum β = 0.9 and compares the loss the runs settle at with the prediction:")
            .AppendLine()
            .Append(lines(["18-plateau"]))
            .AppendLine()
            .AppendLine(figure("18-plateau", "plateau.png")).AppendLine()
            .AppendLine("To experiment further: `momentum noise --optimizer nesterov --lr 0.05 --momentum 0.9 --noise 0.5`, or")
            .AppendLine("`momentum plateau --optimizer qhm --nu 0.7 --batch-sizes 2,8,32,128`.")
            .AppendLine();
    }
}
