using Momentum.Runner.Cli;

// `momentum [verb] [options]`: the whole program is App.RunAsync, which the end-to-end tests call directly.
return await App.RunAsync(args, Console.Out, Console.Error);
