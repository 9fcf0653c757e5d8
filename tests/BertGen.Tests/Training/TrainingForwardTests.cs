using System.Numerics;
using BertGen.Data;
using BertGen.Tests.Support;
using BertGen.Training;

namespace BertGen.Tests.Training;

/// <summary>
/// A training step's forward pass (<see cref="IBertModel.ForwardSamplesForTraining"/>) leaves out the attention's scores,
/// which only an explorer reads, and is otherwise the full forward pass bit for bit: the same training, the same captures.
/// </summary>
public sealed class TrainingForwardTests
{
    // What the arenas hold before either pass: a value no kernel writes.
    private const double Unwritten = 12345.0;

    [Theory]
    [InlineData("seed")] // float: the wide attention kernel; double: the row kernel
    [InlineData("long")] // 33 tokens: three matrix products per head
    [InlineData("deep")]
    public void It_writes_every_activation_but_the_scores_as_the_full_pass_does_float(string name) => Compare<float>(name);

    [Theory]
    [InlineData("seed")]
    [InlineData("long")]
    public void It_writes_every_activation_but_the_scores_as_the_full_pass_does_double(string name) => Compare<double>(name);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Epochs_with_a_reader_of_the_activations_and_without_train_the_same_weights(int threads)
    {
        var quiet = NewTrainer(threads);
        var watched = NewTrainer(threads);
        var seen = new List<float>();
        for (int epoch = 0; epoch < 20; epoch++)
        {
            var a = quiet.TrainEpoch();
            var b = watched.TrainEpoch(batch => seen.Add(Scores(watched).Max()));
            Assert.Equal(a.Loss, b.Loss);
        }

        Assert.Equal(quiet.Parameters, watched.Parameters);

        // The reader saw real scores (softmax inputs of a trained layer), not an arena left unwritten.
        Assert.All(seen, max => Assert.True(max != 0 && float.IsFinite(max), $"largest score {max}"));
    }

    private static void Compare<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = TestModels.Create(name, vocabSize: 13);
        var random = new SeededRandom(5);
        var weights = TestBatches.Weights(model, random).Select(T.CreateTruncating).ToArray();
        var batch = TestBatches.Random(model.Config, random);
        int capacity = batch.Capacity, n = batch.Count;
        var full = Enumerable.Repeat(T.CreateTruncating(Unwritten), capacity * model.Activations.Length).ToArray();
        var training = (T[])full.Clone();
        model.ForwardSamples<T>(weights, batch, 0, n, full);
        model.ForwardSamplesForTraining<T>(weights, batch, 0, n, training);

        int scoreTensors = 0;
        foreach (var t in model.Activations)
        {
            for (int s = 0; s < n; s++)
            {
                var expected = t.Of<T>(full, capacity, s);
                var actual = t.Of<T>(training, capacity, s);
                if (t.Name == "scores")
                {
                    Assert.All(actual.ToArray(), v => Assert.Equal(T.CreateTruncating(Unwritten), v));
                    Assert.Contains(expected.ToArray(), v => v != T.CreateTruncating(Unwritten));
                }
                else
                {
                    Assert.True(expected.SequenceEqual(actual), $"{name}, {typeof(T).Name}: {t.DisplayName} of sample {s} differs");
                }
            }

            scoreTensors += t.Name == "scores" ? 1 : 0;
        }

        Assert.Equal(model.Config.Layers, scoreTensors);
    }

    /// <summary>The first layer's scores of the first sample of the batch the trainer last ran.</summary>
    private static float[] Scores(Trainer trainer)
    {
        var scores = trainer.Model.Activations.Single(t => t.Name == "scores" && t.Layer == 0);
        return scores.Of<float>(trainer.BatchActivations(0)).ToArray();
    }

    private static Trainer NewTrainer(int threads)
    {
        var data = TrainingData.Create(Corpus.Default, "default", SeedBert.MaxLen, SeedBert.MaxPred, new SeededRandom(1));
        return new Trainer(new SeedBert(data.Vocabulary.Count), data.Samples, new AdamSettings(), new SeededRandom(1)) { Threads = threads };
    }
}
