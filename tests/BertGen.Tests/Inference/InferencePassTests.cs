using BertGen.Data;
using BertGen.Inference;
using BertGen.Kernels;
using BertGen.Tests.Support;

namespace BertGen.Tests.Inference;

/// <summary>
/// The inference pass (each layer written over the one before, for predicting) against the training forward pass: the
/// same numbers, bit for bit, in a smaller arena.
/// </summary>
public sealed class InferencePassTests
{
    /// <summary>The test models: one layer and several, with and without the embedding's LayerNorm and the FFN's Add &amp; Norm, fused and head-by-head attention.</summary>
    public static TheoryData<string> Models => new() { "seed", "odd", "plain", "wide", "deep", "long" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Gives_the_training_forward_passes_outputs_bit_for_bit_in_float_and_double(string name)
    {
        var model = TestModels.Create(name, vocabSize: 13);
        var random = new SeededRandom(11);
        var weights = TestBatches.Weights(model, random);
        var batch = TestBatches.Random(model.Config, random);
        Same(model, weights, batch);
        Same(model, weights.Select(w => (float)w).ToArray(), batch);

        Assert.All(model.Outputs, t => Assert.Equal(-1, t.Layer));
        Assert.Subset(model.Outputs.Select(t => t.Name).ToHashSet(), new HashSet<string> { "h_cls", "probs_clsf", "pred_clsf", "h_masked", "probs_lm", "pred_lm" });
        // One layer's stride, working values kept for the backward pass (no tensor's) included: from layer 0's first
        // tensor to layer 1's.
        int layers = model.Config.Layers, layer = 0;
        if (layers > 1)
        {
            var first = model.Activations.First(t => t.Layer == 0);
            layer = model.Activations[first.Name, 1].Offset - first.Offset;
            Assert.True(layer >= model.Activations.Where(t => t.Layer == 0).Sum(t => t.Length), $"layer stride {layer}");
        }

        Assert.Equal(model.Activations.Length - ((layers - 1) * layer), model.Outputs.Length);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Weights_packed_once_give_the_same_bits_and_are_packed_only_once(string name)
    {
        var model = TestModels.Create(name, vocabSize: 13);
        var random = new SeededRandom(5);
        var weights = TestBatches.Weights(model, random).Select(w => (float)w).ToArray();
        var batch = TestBatches.Random(model.Config, random);
        var packedEachTime = new float[batch.Count * model.Outputs.Length];
        model.InferSamples<float>(weights, batch, 0, batch.Count, packedEachTime);

        var packed = new PackedWeights<float>(weights);
        var work = new float[packedEachTime.Length];
        using (packed.Use())
        {
            model.InferSamples<float>(weights, batch, 0, batch.Count, work);
        }

        Assert.True(packedEachTime.AsSpan().SequenceEqual(work));

        // Every linear layer's weight: six a layer, then the pooler, the IsNext classifier, the transform and the decoder.
        Assert.Equal((6 * model.Config.Layers) + 4, packed.Count);
        Array.Clear(work);
        using (packed.Use())
        {
            model.InferSamples<float>(weights, batch, 0, batch.Count, work);
        }

        Assert.Equal((6 * model.Config.Layers) + 4, packed.Count);
        Assert.True(packedEachTime.AsSpan().SequenceEqual(work));

        // Outside the scope the products pack the weights as they are: changed weights give other outputs.
        var changed = weights.Select(w => w * 0.5f).ToArray();
        var packedNow = new PackedWeights<float>(changed);
        model.InferSamples<float>(changed, batch, 0, batch.Count, work);
        Assert.False(packedEachTime.AsSpan().SequenceEqual(work));
        Assert.Equal(0, packedNow.Count);
    }

    [Fact]
    public void A_samples_products_split_over_threads_give_the_same_bits()
    {
        var model = TestModels.Create("long", vocabSize: 13);
        var random = new SeededRandom(9);
        var weights = TestBatches.Weights(model, random).Select(w => (float)w).ToArray();
        var batch = TestBatches.Random(model.Config, random);

        // Every product split, however small, over three threads (33 rows: parts of 11).
        var split = new PackedWeights<float>(weights) { Threads = 3, WorkPerThread = 1 };
        for (int s = 0; s < batch.Count; s++)
        {
            // Sample s alone, in its place in an arena of the whole batch.
            var alone = new float[batch.Count * model.Outputs.Length];
            model.InferSamples<float>(weights, batch, s, 1, alone);
            var parts = new float[alone.Length];
            using (split.Use())
            {
                model.InferSamples<float>(weights, batch, s, 1, parts);
            }

            Assert.True(alone.AsSpan().SequenceEqual(parts), $"sample {s}");
            Assert.Contains(alone, v => v != 0);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => split.Threads = 0);
    }

    [Fact]
    public void Predict_keeps_one_layer_not_every_layer()
    {
        var model = TestModels.Create("seed", vocabSize: 13);
        Assert.True(model.Config.Layers > 1);
        Assert.True(model.Outputs.Length < model.Activations.Length, $"{model.Outputs.Length} of {model.Activations.Length}");
    }

    /// <summary>Both passes on the same weights and batch, compared bit for bit.</summary>
    private static void Same<T>(IBertModel model, T[] weights, Batch batch)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var arena = new T[batch.Count * model.Activations.Length];
        model.ForwardSamples<T>(weights, batch, 0, batch.Count, arena);
        var work = new T[batch.Count * model.Outputs.Length];
        model.InferSamples<T>(weights, batch, 0, batch.Count, work);
        foreach (var output in model.Outputs)
        {
            var trained = model.Activations[output.Name];
            Assert.Equal(trained.Shape, output.Shape);
            for (int s = 0; s < batch.Count; s++)
            {
                var expected = trained.Of<T>(arena, batch.Count, s).ToArray();
                var actual = output.Of<T>(work, batch.Count, s).ToArray();
                Assert.True(expected.SequenceEqual(actual), $"{typeof(T).Name} {output.Name} of sample {s} differs");
            }
        }
    }
}
