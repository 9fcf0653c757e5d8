using BertGen.Data;
using BertGen.Kernels;
using BertGen.Tests.Support;

namespace BertGen.Tests.Kernels;

/// <summary>
/// The batch-major activation arena: each tensor of every sample one matrix, read back sample by sample through the
/// layout, whichever ranges of samples the passes ran over.
/// </summary>
public sealed class ActivationArenaTests
{
    [Theory]
    [InlineData("seed")]
    [InlineData("deep")]
    [InlineData("long")]
    public void Each_tensor_of_the_batch_is_one_matrix_of_its_samples_in_order(string name)
    {
        var model = TestModels.Create(name, vocabSize: 13);
        var random = new SeededRandom(3);
        var weights = TestBatches.Weights(model, random);
        var batch = TestBatches.Random(model.Config, random);
        int capacity = batch.Capacity, n = batch.Count;
        var arena = new double[capacity * model.Activations.Length];
        model.ForwardSamples<double>(weights, batch, 0, n, arena);

        // Every sample alone, in an arena of one sample: that arena is the sample's own layout.
        var alone = new double[n][];
        for (int s = 0; s < n; s++)
        {
            var single = new Batch(1, model.Config.MaxLen, model.Config.MaxPred);
            single.Load([Sample(batch, s, model.Config)]);
            alone[s] = new double[model.Activations.Length];
            model.ForwardSamples<double>(weights, single, 0, 1, alone[s]);
        }

        foreach (var t in model.Activations)
        {
            var matrix = arena.AsSpan(t.Offset * capacity, n * t.Length);
            for (int s = 0; s < n; s++)
            {
                Assert.True(
                    matrix.Slice(s * t.Length, t.Length).SequenceEqual(t.Of<double>(alone[s])),
                    $"{model.Config.Name}: {t.DisplayName} of sample {s} is not at {t.Offset} * {capacity} + {s} * {t.Length}");
                Assert.True(t.Of<double>(arena, capacity, s).SequenceEqual(t.Of<double>(alone[s])));
            }
        }
    }

    [Fact]
    public void Ranges_of_samples_written_apart_fill_the_same_arena_as_one_pass()
    {
        var model = TestModels.Create("seed", vocabSize: 13);
        var random = new SeededRandom(8);
        var weights = TestBatches.Weights(model, random).Select(w => (float)w).ToArray();
        var batch = TestBatches.Random(model.Config, random);
        var whole = new float[batch.Capacity * model.Activations.Length];
        model.ForwardSamples<float>(weights, batch, 0, batch.Count, whole);

        var parts = new float[whole.Length];
        int half = batch.Count / 2;
        model.ForwardSamples<float>(weights, batch, half, batch.Count - half, parts);
        model.ForwardSamples<float>(weights, batch, 0, half, parts);
        Assert.True(whole.AsSpan().SequenceEqual(parts));

        // One sample copied out is the layout of one sample, as a capture stores it.
        var block = new float[model.Activations.Length];
        model.Activations.CopySample<float>(whole, 1, block);
        foreach (var t in model.Activations)
        {
            Assert.True(t.Of<float>(block).SequenceEqual(t.Of<float>(whole, batch.Capacity, 1)), t.DisplayName);
        }
    }

    [Fact]
    public void An_arena_that_is_not_a_whole_number_of_samples_or_too_small_for_the_range_is_refused()
    {
        var model = TestModels.Create("seed", vocabSize: 13);
        var random = new SeededRandom(2);
        var weights = TestBatches.Weights(model, random).Select(w => (float)w).ToArray();
        var batch = TestBatches.Random(model.Config, random);
        int length = model.Activations.Length;

        var ragged = Assert.Throws<ArgumentException>(() => model.ForwardSamples<float>(weights, batch, 0, 1, new float[length + 1]));
        Assert.Contains("whole number of samples", ragged.Message);
        var small = Assert.Throws<ArgumentException>(() => model.ForwardSamples<float>(weights, batch, 1, 2, new float[2 * length]));
        Assert.Contains("samples 1 to 2", small.Message);
        Assert.Throws<ArgumentException>(() => model.Activations.Capacity(length - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Activations[0].Of<float>(new float[2 * length], 2, 2));
    }

    private static EncodedSample Sample(Batch batch, int s, ModelConfig c) => new(
        "",
        batch.InputIds.AsSpan(s * c.MaxLen, c.MaxLen).ToArray(),
        batch.SegmentIds.AsSpan(s * c.MaxLen, c.MaxLen).ToArray(),
        batch.MaskedPositions.AsSpan(s * c.MaxPred, c.MaxPred).ToArray(),
        batch.MaskedTokens.AsSpan(s * c.MaxPred, c.MaxPred).ToArray(),
        batch.IsNext[s] == 1);
}
