using Momentum.Optimizers;

namespace Momentum.Properties;

/// <summary>The averaged iterate an optimizer keeps beside its parameters, found wherever it sits.</summary>
public class AveragedIterateTests
{
    [Fact]
    public void The_average_of_an_EMA_or_Polyak_wrapper_and_Schedule_Frees_x_are_found_inside_chains_and_wrappers()
    {
        static OptimizerState<double> Run(IGradientTransformation t) =>
            t.Step(t.Step(t.Start<double>([1.0, 2.0]), [0.5, -1.0]), [0.25, 1.0]);

        var ema = Run(Optimizer.WithAverage(Optimizer.HeavyBall(0.1, 0.9), 0.5));
        Assert.Equal(ParameterAverage.Average(ema.Transform), ema.AveragedIterate());
        var polyak = Run(Optimizer.Lookahead(Optimizer.Polyak(Optimizer.GradientDescent(0.1))));
        Assert.Equal(polyak.Transform.Vector("inner.average"), polyak.AveragedIterate());
        var free = Run(new Chain(new ClipByGlobalNorm(1), Optimizer.ScheduleFree(0.1)));
        Assert.Equal(free.Transform.Vector("1.x"), free.AveragedIterate());
        Assert.NotEqual(free.Parameters, free.AveragedIterate());
    }

    [Fact]
    public void An_optimizer_that_keeps_no_average_has_none() =>
        Assert.Null(Optimizer.Nesterov(0.1, 0.9).Start<double>([1.0]).AveragedIterate());
}
