using BertGen.Explore;
using BertGen.Runs;
using BertGen.Tests.Support;
using Snapshooter;
using Snapshooter.Xunit;

namespace BertGen.Tests.Explore;

/// <summary>
/// Tensor values of the default run approved as snapshots (tests/BertGen.Tests/Explore/__snapshots__), rounded to 4
/// decimals and laid out with their token labels: a change to a kernel, the initialisation or the masking shows as a
/// reviewed diff.
/// </summary>
[Collection(DefaultRunCollection.Name)]
public sealed class SnapshotTests(DefaultRunFixture run)
{
    private const int Decimals = 4;

    [Fact]
    public void Embedding_of_sample_1_at_epoch_0_as_Figure_13() =>
        Snapshot.Match(Table(new TensorQuery(Sample: 1, Epoch: 0, "embedding")));

    [Fact]
    public void Attention_of_layer_0_head_2_for_sample_0_at_epochs_0_and_10()
    {
        Snapshot.Match(Table(new TensorQuery(0, 0, "attn", Layer: 0, Head: 2)), new SnapshotNameExtension("epoch-0"));
        Snapshot.Match(Table(new TensorQuery(0, 10, "attn", Layer: 0, Head: 2)), new SnapshotNameExtension("epoch-10"));
    }

    [Fact]
    public void Logits_of_both_heads_for_every_sample_after_10_epochs()
    {
        var text = string.Concat(Enumerable.Range(0, 6).Select(s =>
            Table(new TensorQuery(s, 10, "logits_lm")) + "\n" + Table(new TensorQuery(s, 10, "logits_clsf")) + "\n"));
        Snapshot.Match(text);
    }

    [Fact]
    public void Summary_table_after_5000_epochs() =>
        Snapshot.Match(SamplePrediction.Table(run.Result.Predictions, run.Vocabulary).ToString());

    private string Table(TensorQuery query) => TensorText.Format(run.Explorer.Tensor(query), Decimals);
}
