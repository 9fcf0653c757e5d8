using Acme.Poetry.Models;
using BertGen.Explore;
using BertGen.Runs;
using BertGen.Testing;

namespace Acme.Poetry.Tests;

/// <summary>VerseBert, trained for a few epochs in memory through the BertGen API, and its tensors held to approved snapshots.</summary>
public sealed class VerseBertTests
{
    private static readonly Lazy<(TrainingRun Run, TrainingResult Result)> Trained = new(() =>
    {
        var run = TrainingRun.Start(VerseBert.Definition, Verses.Pairs, new TrainingOptions { Epochs = 20, Seed = 7, CaptureEpochs = [0, 20] });
        return (run, run.Train());
    });

    private static Explorer Explorer => new(Trained.Value.Run.Captures);

    [Fact]
    public void The_model_has_the_shape_of_its_configuration_file()
    {
        Assert.Equal("VerseBert", VerseBert.Definition.Name);
        Assert.Equal(12, VerseBert.MaxLen);
        Assert.Equal(8, VerseBert.DModel);
        Assert.Equal("Acme.Poetry.Models", typeof(VerseBert).Namespace);
    }

    [Fact]
    public void Training_lowers_the_loss()
    {
        var (run, result) = Trained.Value;

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.True(result.Final.Loss < run.Metrics[0].Loss, $"loss {run.Metrics[0].Loss} -> {result.Final.Loss}");
    }

    [Fact]
    public void The_initial_embedding_of_the_first_pair_is_the_approved_one() =>
        TensorSnapshot.Match(Explorer.Tensor(new TensorQuery(Sample: 0, Epoch: 0, "embedding")), "embedding-sample-0-epoch-0");

    [Fact]
    public void Attention_and_logits_after_20_epochs_are_the_approved_ones() =>
        TensorSnapshot.Match(
            [
                Explorer.Tensor(new TensorQuery(Sample: 1, Epoch: 20, "attn", Layer: 0, Head: 1)),
                Explorer.Tensor(new TensorQuery(Sample: 1, Epoch: 20, "logits_lm")),
                Explorer.Tensor(new TensorQuery(Sample: 1, Epoch: 20, "logits_clsf")),
            ],
            "sample-1-epoch-20",
            new SnapshotSettings { RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-5 });
}
