using System.Text;
using BertGen.Data;
using BertGen.Tests.Support;
using Xunit.Abstractions;

namespace BertGen.Tests.Kernels;

/// <summary>
/// Every backward kernel, through the whole model, against central finite differences in double precision.
/// </summary>
public sealed class GradientCheckTests(ITestOutputHelper output)
{
    /// <summary>Largest relative error allowed between an analytic and a numerical partial derivative.</summary>
    private const double Tolerance = 1e-6;

    /// <summary>
    /// Partial derivatives smaller than this are compared absolutely: |a - n| / max(|a|, |n|, Floor). The numerical
    /// estimate's own error is about 1e-11 (fourth-order differences, step 1e-3), far below Tolerance * Floor.
    /// </summary>
    private const double Floor = 1e-4;

    private const double Step = 1e-3;

    /// <summary>
    /// The test models: between them every path of every kernel (the fused attention and the head-by-head one past 16
    /// rows; the weight gradients gathered over a batch's rows and, past 256 rows a batch in "long", summed per sample).
    /// </summary>
    public static TheoryData<string> Models => new() { "seed", "odd", "plain", "wide", "deep", "long" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Backward_matches_finite_differences_for_every_parameter(string name)
    {
        var model = TestModels.Create(name, vocabSize: 13);
        var random = new SeededRandom(7);
        var weights = TestBatches.Weights(model, random);
        var batch = TestBatches.Random(model.Config, random);
        Assert.True(batch.InputIds.Contains(Vocabulary.Pad), "the batch must hold a padded sample");
        Assert.Contains(Vocabulary.Pad, batch.MaskedTokens.AsSpan(0, batch.Count * model.Config.MaxPred).ToArray());

        var analytic = Passes.Gradients<double>(model, weights, batch);
        var arena = new double[batch.Capacity * model.Activations.Length];
        double Loss(double[] w) => Passes.Forward<double>(model, w, batch, arena).Loss;

        var failures = new StringBuilder();
        double worst = 0;
        string worstAt = "";
        foreach (var tensor in model.Parameters)
        {
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                double numeric = FiniteDifference(weights, i, Loss);
                double error = Math.Abs(analytic[i] - numeric) / Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)), Floor);
                if (error > worst)
                {
                    (worst, worstAt) = (error, $"{tensor.Name}[{i - tensor.Offset}]");
                }

                if (error > Tolerance && failures.Length < 4000)
                {
                    failures.AppendLine($"{tensor.Name}[{i - tensor.Offset}]: analytic {analytic[i]:E6}, numeric {numeric:E6}, relative error {error:E2}");
                }
            }
        }

        output.WriteLine($"{name}: {model.Parameters.Length} parameters, largest relative error {worst:E2} at {worstAt}");
        Assert.True(failures.Length == 0, $"{name}: gradients differ from finite differences (tolerance {Tolerance:E0}):\n{failures}");
    }

    [Fact]
    public void Gradient_check_detects_a_wrong_gradient()
    {
        // The check above must be able to fail: a gradient off by 1e-5 relative shows up.
        var model = TestModels.Create("odd", vocabSize: 11);
        var random = new SeededRandom(3);
        var weights = TestBatches.Weights(model, random);
        var batch = TestBatches.Random(model.Config, random);
        var analytic = Passes.Gradients<double>(model, weights, batch);
        var arena = new double[batch.Capacity * model.Activations.Length];
        int i = model.Parameters["cls.seq_relationship.weight"].Offset;
        double numeric = FiniteDifference(weights, i, w => Passes.Forward<double>(model, w, batch, arena).Loss);
        double wrong = analytic[i] * (1 + 1e-5);
        double error = Math.Abs(wrong - numeric) / Math.Max(Math.Max(Math.Abs(wrong), Math.Abs(numeric)), Floor);
        Assert.True(Math.Abs(analytic[i]) > Floor);
        Assert.True(error > Tolerance, $"an error of 1e-5 went unnoticed ({error:E2})");
    }

    /// <summary>Fourth-order central difference: (8(f(+h) - f(-h)) - (f(+2h) - f(-2h))) / 12h.</summary>
    private static double FiniteDifference(double[] w, int i, Func<double[], double> f)
    {
        double x = w[i];
        w[i] = x + Step;
        double p1 = f(w);
        w[i] = x - Step;
        double m1 = f(w);
        w[i] = x + (2 * Step);
        double p2 = f(w);
        w[i] = x - (2 * Step);
        double m2 = f(w);
        w[i] = x;
        return ((8 * (p1 - m1)) - (p2 - m2)) / (12 * Step);
    }
}
