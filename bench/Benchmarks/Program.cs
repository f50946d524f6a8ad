using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Benchmarks -- --filter '*StepBenchmarks*'   (or '*TrainingBenchmarks*', '*')
BenchmarkSwitcher.FromAssembly(typeof(Momentum.Benchmarks.StepBenchmarks<>).Assembly).Run(args);
