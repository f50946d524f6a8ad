using BenchmarkDotNet.Running;
using Momentum.Benchmarks;

// dotnet run -c Release --project bench/Benchmarks -- --filter '*StepBenchmarks*'   (or '*TrainingBenchmarks*', '*LoaderBenchmarks*', '*')
// dotnet run -c Release --project bench/Benchmarks -- make-csv [PATH]   writes the loader's 185 MB benchmark file
if (args is ["make-csv", ..])
{
    Console.WriteLine(BigCsv.Ensure(args.Length > 1 ? args[1] : BigCsv.DefaultPath));
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(StepBenchmarks<>).Assembly).Run(args);
