using System.Globalization;
using Momentum.Optimizers;

namespace Momentum.Runner.Cli;

/// <summary>
/// The optimizer options shared by the verbs (<c>--optimizer gd|momentum|nesterov</c>, <c>--lr</c>, <c>--momentum</c>,
/// and where asked <c>--dampening</c> and <c>--weight-decay</c>), read into Core's <see cref="SgdOptions"/>.
/// </summary>
internal static class OptimizerSettings
{
    public static readonly string[] Names = ["gd", "momentum", "nesterov"];

    public static IEnumerable<OptionSpec> Specs(string lr, string momentum, bool full, string optimizer = "gd")
    {
        yield return new("--optimizer", "gd (gradient descent), momentum (heavy ball, d2l §11.6.2) or nesterov (PyTorch's form).", optimizer);
        yield return new("--lr", "Learning rate η > 0.", lr);
        yield return new("--momentum", "Momentum β in [0, 1); gd ignores it.", momentum);
        if (!full) yield break;
        yield return new("--dampening", "Dampening in [0, 1] of the gradient in the buffer after the first step (torch.optim.SGD).", "0");
        yield return new("--weight-decay", "Coupled L2 weight decay ≥ 0, added to the gradient before momentum (torch.optim.SGD).", "0");
    }

    public static SgdOptions Read(SettingsReader reader, bool full)
    {
        var optimizer = reader.Choice("--optimizer", Names);
        var lr = reader.Double("--lr", Rules.Positive);
        var momentum = reader.Double("--momentum", Rules.MomentumRange);
        var dampening = full ? reader.Double("--dampening", Rules.UnitInterval) : 0;
        var weightDecay = full ? reader.Double("--weight-decay", Rules.NonNegative) : 0;
        switch (optimizer)
        {
            case "gd":
                return new SgdOptions(lr, 0, dampening, weightDecay);
            case "nesterov":
                if (momentum == 0)
                    throw SettingsReader.Fail("--momentum", reader.Raw("--momentum")!, "must be > 0 with --optimizer nesterov");
                if (dampening != 0)
                    throw SettingsReader.Fail("--dampening", reader.Raw("--dampening")!, "must be 0 with --optimizer nesterov");
                return new SgdOptions(lr, momentum, 0, weightDecay, Nesterov: true);
            default:
                return new SgdOptions(lr, momentum, dampening, weightDecay);
        }
    }

    /// <summary>Names the optimizer the way the book labels its figures: "momentum, η = 0.6, β = 0.5".</summary>
    public static string Describe(SgdOptions o)
    {
        var name = o.Momentum == 0 ? "gd" : o.Nesterov ? "nesterov" : "momentum";
        var text = string.Create(CultureInfo.InvariantCulture, $"{name}, η = {o.LearningRate:G4}");
        if (o.Momentum != 0) text += string.Create(CultureInfo.InvariantCulture, $", β = {o.Momentum:G4}");
        if (o.Dampening != 0) text += string.Create(CultureInfo.InvariantCulture, $", dampening {o.Dampening:G4}");
        if (o.WeightDecay != 0) text += string.Create(CultureInfo.InvariantCulture, $", weight decay {o.WeightDecay:G4}");
        return text;
    }
}
