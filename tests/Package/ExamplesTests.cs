using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Momentum.Package;

/// <summary>
/// Every example in examples/ runs as a user runs it (<c>dotnet run examples/NAME.cs</c>, <c>dotnet fsi
/// examples/NAME.fsx</c>, the scripts consuming the packed packages) and prints what it promises.
/// </summary>
public class ExamplesTests
{
    private static (int Code, string Output) Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ReadmeTests.Repository() };
        start.ArgumentList.Add(command);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A safety net against a hung build, not a speed claim: the examples take seconds.
        if (!process.WaitForExit(TimeSpan.FromMinutes(15))) { process.Kill(true); throw new TimeoutException($"dotnet {command} {string.Join(" ", arguments)} did not finish"); }
        return (process.ExitCode, output.Result + error.Result);
    }

    [Theory]
    [InlineData("run", "examples/rosenbrock.cs")]
    [InlineData("fsi", "examples/rosenbrock.fsx")]
    public void Rosenbrock_is_solved_by_heavy_ball_and_nesterov_in_both_languages(string command, string example)
    {
        var (code, output) = Run(command, example);
        Assert.True(code == 0, output);
        Assert.Contains("heavy ball: x = (1.0000, 1.0000)", output);
        Assert.Contains("nesterov: x = (1.0000, 1.0000)", output);
        Assert.Matches(@"gradient descent: x = \(0\.99", output);
    }

    [Fact]
    public void A_custom_network_trained_through_the_fold_fits_its_data()
    {
        var (code, output) = Run("run", "examples/custom-model.cs");
        Assert.True(code == 0, output);
        var m = Regex.Match(output, @"loss: ([0-9.]+) before, ([0-9.]+) after");
        Assert.True(m.Success, output);
        Assert.True(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) < double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 50, output);
    }

    [Fact]
    public void A_new_transformation_chains_with_the_built_ins()
    {
        var (code, output) = Run("run", "examples/new-transformation.cs");
        Assert.True(code == 0, output);
        Assert.Matches(@"heavy ball: f after 60 steps = ", output);
        Assert.Matches(@"normalised, then heavy ball: f after 60 steps = ", output);
        Assert.Matches(@"normalised, clipped by value, then heavy ball: f after 60 steps = ", output);
    }

    [Theory]
    [InlineData("run", "examples/quadratic-rate.cs")]
    [InlineData("fsi", "examples/quadratic-rate.fsx")]
    public void On_a_1000_dimensional_quadratic_the_measured_rate_is_the_theory_s(string command, string example)
    {
        var (code, output) = Run(command, example);
        Assert.True(code == 0, output);
        // κ = 1000 (μ = 0.001, L = 1); the closed forms written here: gradient descent (κ − 1)/(κ + 1), heavy ball
        // (√κ − 1)/(√κ + 1) (Polyak), Nesterov 1 − 2/√(3κ + 1) (Lessard, Recht, Packard).
        var kappa = 1000.0;
        foreach (var (name, rate) in new[]
        {
            ("gradient descent", (kappa - 1) / (kappa + 1)),
            ("heavy ball", (Math.Sqrt(kappa) - 1) / (Math.Sqrt(kappa) + 1)),
            ("nesterov", 1 - 2 / Math.Sqrt(3 * kappa + 1)),
        })
        {
            var m = Regex.Match(output, name + @" \(η = [0-9.]+, β = [0-9.]+\): measured rate ([0-9.]+), read off its step ([0-9.]+), closed form ([0-9.]+)");
            Assert.True(m.Success, output);
            double Read(int group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
            // Printed to 4 places; the measured rate is within (k/j)^(1/(k − j)) − 1 = 0.00035 of the worst rate.
            Assert.Equal(rate, Read(3), 0.00005);
            Assert.Equal(rate, Read(2), 0.00005);
            Assert.Equal(rate, Read(1), 0.0005);
        }
    }

    [Theory]
    [InlineData("run", "examples/verify-my-optimizer.cs")]
    [InlineData("fsi", "examples/verify-my-optimizer.fsx")]
    public void The_harnesses_pass_a_correct_optimizer_and_catch_the_planted_bug(string command, string example)
    {
        var (code, output) = Run(command, example);
        Assert.True(code == 0, output);
        Assert.Contains("LeakyHeavyBall: every claim holds", output);
        var (bugCode, bugOutput) = Run(command, example, command == "run" ? "--" : "", "--bug");
        Assert.Equal(1, bugCode);
        Assert.Contains("Falsifiable", bugOutput);
        Assert.Contains("Label of failing property", bugOutput);
        Assert.Contains("Bug = ", bugOutput);
    }
}
