using System.Numerics;
using System.Text;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Tests.Support;
using BertGen.Training;
using Xunit.Abstractions;

namespace BertGen.Tests.Kernels;

/// <summary>
/// The whole model against values PyTorch computed from the same weights and inputs (Fixtures/*.safetensors, written by
/// tests/fixtures/make_pytorch_fixture.py in float64): logits, losses, every gradient, and the weights after three
/// Adam steps.
/// </summary>
public sealed class PyTorchCrossCheckTests(ITestOutputHelper output)
{
    /// <summary>Double kernels against PyTorch's float64: the same sums in another order.</summary>
    private const double DoubleTolerance = 1e-10;

    /// <summary>
    /// Float kernels against PyTorch's float64: float32 rounding through the layers. An error counts relative to the
    /// larger of the value and the tensor's largest magnitude, so values near zero are judged on the tensor's scale.
    /// The bound covers a few float ulps of a cancelling sum: the NSP bias gradient, sum over samples of
    /// (probs - onehot) / B, is 1.5e-3 in the seed fixture while one ulp of a probability near 0.5 is 6e-8, i.e. 4e-5
    /// of it (measured worst: 1.6e-5 there, 1.2e-6 elsewhere). A wrong kernel is off by far more.
    /// </summary>
    private const double FloatTolerance = 1e-4;

    /// <summary>
    /// The key biases' gradient is exactly zero: a key bias adds q_i . b_k to every unmasked score of row i, a shift
    /// the softmax ignores. What the kernels compute for it is rounding noise, checked against these bounds instead
    /// of relative to a zero (measured: below 1e-17 in double, 3e-9 in float). Adam turns float noise of 1e-9 into
    /// steps of about 1e-4 (it divides by sqrt(v) + 1e-8), so the float Adam comparison leaves these tensors out.
    /// </summary>
    private const double ZeroGradientBoundDouble = 1e-15;

    private const double ZeroGradientBoundFloat = 1e-7;

    public static TheoryData<string> Models => new() { "seed", "odd", "plain", "wide" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Double_forward_and_backward_match_PyTorch(string name) => CompareOnePass<double>(name, DoubleTolerance);

    [Theory]
    [MemberData(nameof(Models))]
    public void Float_forward_and_backward_match_PyTorch(string name) => CompareOnePass<float>(name, FloatTolerance);

    [Theory]
    [MemberData(nameof(Models))]
    public void Three_Adam_steps_match_PyTorch(string name)
    {
        var (fixture, model, batch) = Load(name);
        var report = new StringBuilder();
        double worst = 0;
        foreach (bool inDouble in new[] { true, false })
        {
            double[] weights = inDouble ? Steps<double>(model, batch, fixture, 3) : Steps<float>(model, batch, fixture, 3).Select(f => (double)f).ToArray();
            foreach (var tensor in model.Parameters.Where(t => inDouble || !HasZeroGradient(t)))
            {
                double error = Compare(report, (inDouble ? "double " : "float ") + tensor.Name, fixture.Float64("adam3." + tensor.Name), tensor.Of<double>(weights).ToArray(), inDouble ? DoubleTolerance : FloatTolerance);
                worst = inDouble ? worst : Math.Max(worst, error);
            }
        }

        output.WriteLine($"{name}: largest relative error of the float weights after three steps {worst:E2}");
        Assert.True(report.Length == 0, report.ToString());
    }

    [Fact]
    public void Cross_check_notices_a_changed_weight()
    {
        // The comparison must be able to fail: nudging one weight by 1e-3 moves the logits past the float tolerance.
        var (fixture, model, batch) = Load("odd");
        var weights = Weights<float>(model, fixture);
        weights[model.Parameters["cls.seq_relationship.bias"].Offset] += 1e-3f;
        var arena = new float[batch.Capacity * model.Activations.Length];
        Passes.Forward<float>(model, weights, batch, arena);
        var report = new StringBuilder();
        Compare(report, "logits_clsf", fixture.Float64("output.logits_clsf"), Gather(model, batch, arena, "logits_clsf"), FloatTolerance);
        Assert.NotEqual(0, report.Length);
    }

    private void CompareOnePass<T>(string name, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (fixture, model, batch) = Load(name);
        var weights = Weights<T>(model, fixture);
        var arena = new T[batch.Capacity * model.Activations.Length];
        var result = Passes.Forward<T>(model, weights, batch, arena);
        var gradients = Passes.Gradients<T>(model, weights, batch);

        var report = new StringBuilder();
        var loss = fixture.Float64("output.loss");
        double worst = new[]
        {
            Compare(report, "mlm_loss", [loss[0]], [result.MlmLoss], tolerance),
            Compare(report, "nsp_loss", [loss[1]], [result.NspLoss], tolerance),
            Compare(report, "logits_lm", fixture.Float64("output.logits_lm"), Gather(model, batch, arena, "logits_lm"), tolerance),
            Compare(report, "logits_clsf", fixture.Float64("output.logits_clsf"), Gather(model, batch, arena, "logits_clsf"), tolerance),
        }.Max();
        double zeroBound = typeof(T) == typeof(double) ? ZeroGradientBoundDouble : ZeroGradientBoundFloat;
        foreach (var tensor in model.Parameters.Where(HasZeroGradient))
        {
            double largest = tensor.Of<T>(gradients).ToArray().Max(g => Math.Abs(double.CreateTruncating(g)));
            if (largest > zeroBound)
            {
                report.AppendLine($"grad {tensor.Name}: {largest:E2}, where the exact gradient is 0 (bound {zeroBound:E0})");
            }
        }

        foreach (var tensor in model.Parameters.Where(t => !HasZeroGradient(t)))
        {
            worst = Math.Max(worst, Compare(report, "grad " + tensor.Name, fixture.Float64("grad." + tensor.Name), tensor.Of<T>(gradients).ToArray().Select(double.CreateTruncating).ToArray(), tolerance));
        }

        output.WriteLine($"{name} in {typeof(T).Name}: loss {result.Loss:R} (PyTorch {loss[2]:R}); largest relative error {worst:E2}");
        Assert.True(report.Length == 0, $"{name} in {typeof(T).Name} differs from PyTorch (tolerance {tolerance:E0}):\n{report}");
    }

    private static bool HasZeroGradient(TensorInfo tensor) => tensor.Name.EndsWith("attention.self.key.bias", StringComparison.Ordinal);

    private static T[] Steps<T>(IBertModel model, Batch batch, SafeTensorsFile fixture, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var weights = Weights<T>(model, fixture);
        var adam = new Adam<T>(weights.Length, new AdamSettings(LearningRate: 1e-3));
        for (int i = 0; i < steps; i++)
        {
            adam.Update(weights, Passes.Gradients<T>(model, weights, batch));
        }

        return weights;
    }

    private static (SafeTensorsFile Fixture, IBertModel Model, Batch Batch) Load(string name)
    {
        var fixture = SafeTensorsFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".safetensors"));
        var model = TestModels.Create(name, int.Parse(fixture.Metadata["vocab"], System.Globalization.CultureInfo.InvariantCulture));
        var c = model.Config;
        var ids = fixture.Int32("input.ids");
        var segs = fixture.Int32("input.seg");
        var positions = fixture.Int32("input.masked_pos");
        var tokens = fixture.Int32("input.masked_tok");
        var isNext = fixture.Int32("input.is_next");
        var samples = Enumerable.Range(0, c.BatchSize).Select(s => new EncodedSample(
            "",
            ids.AsSpan(s * c.MaxLen, c.MaxLen).ToArray(),
            segs.AsSpan(s * c.MaxLen, c.MaxLen).ToArray(),
            positions.AsSpan(s * c.MaxPred, c.MaxPred).ToArray(),
            tokens.AsSpan(s * c.MaxPred, c.MaxPred).ToArray(),
            isNext[s] == 1)).ToArray();
        var batch = new Batch(c.BatchSize, c.MaxLen, c.MaxPred);
        batch.Load(samples);
        Assert.Contains(Vocabulary.Pad, batch.MaskedTokens);
        return (fixture, model, batch);
    }

    private static T[] Weights<T>(IBertModel model, SafeTensorsFile fixture)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var weights = new T[model.Parameters.Length];
        foreach (var tensor in model.Parameters)
        {
            var values = fixture.Float64("param." + tensor.Name);
            Assert.Equal(tensor.Length, values.Length);
            for (int i = 0; i < values.Length; i++)
            {
                weights[tensor.Offset + i] = T.CreateTruncating(values[i]);
            }
        }

        return weights;
    }

    private static double[] Gather<T>(IBertModel model, Batch batch, T[] arena, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensor = model.Activations[name];
        int capacity = model.Activations.Capacity(arena.Length);
        return Enumerable.Range(0, batch.Count)
            .SelectMany(s => tensor.Of<T>(arena, capacity, s).ToArray())
            .Select(double.CreateTruncating)
            .ToArray();
    }

    /// <summary>Appends the first value of <paramref name="actual"/> off by more than the tolerance; returns the largest error.</summary>
    private static double Compare(StringBuilder report, string what, double[] expected, double[] actual, double tolerance)
    {
        if (expected.Length != actual.Length)
        {
            report.AppendLine($"{what}: {actual.Length} values, PyTorch has {expected.Length}");
            return double.PositiveInfinity;
        }

        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Max(Math.Abs(expected[i]), scale), 1e-12);
            if (error > tolerance && worst <= tolerance)
            {
                report.AppendLine($"{what}[{i}]: {actual[i]:R}, PyTorch {expected[i]:R} (relative error {error:E2})");
            }

            worst = Math.Max(worst, error);
        }

        return worst;
    }
}
