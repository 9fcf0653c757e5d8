using BertGen.Explore;
using BertGen.Testing;
using BertGen.Tests.Support;

namespace BertGen.Tests.Explore;

/// <summary>
/// Tensor values of the default run approved as snapshots (tests/BertGen.Tests/Explore/__snapshots__) through
/// BertGen.Testing: full float precision, token labels, compared within the harness's default tolerance (1e-6 +
/// 1e-5 x |expected| per cell), so a change to a kernel, the initialisation or the masking beyond rounding shows as a
/// failure that names the cells, and an arithmetic change within float rounding does not flip a digit. The figures'
/// text, the summary of Figure 17 included, is approved in <see cref="FigureTests"/>.
/// </summary>
[Collection(DefaultRunCollection.Name)]
public sealed class SnapshotTests(DefaultRunFixture run)
{
    [Fact]
    public void Embedding_of_sample_1_at_epoch_0_as_Figure_13() =>
        TensorSnapshot.Match(run.Explorer.Tensor(new TensorQuery(Sample: 1, Epoch: 0, "embedding")), "embedding-sample-1-epoch-0");

    [Fact]
    public void Attention_of_layer_0_head_2_for_sample_0_at_epochs_0_and_10() =>
        TensorSnapshot.Match(
            [run.Explorer.Tensor(new TensorQuery(0, 0, "attn", Layer: 0, Head: 2)), run.Explorer.Tensor(new TensorQuery(0, 10, "attn", Layer: 0, Head: 2))],
            "attention-layer-0-head-2-sample-0-epochs-0-and-10");

    [Fact]
    public void Logits_of_both_heads_for_every_sample_after_10_epochs() =>
        TensorSnapshot.Match(
            Enumerable.Range(0, 6).SelectMany(s => new[] { run.Explorer.Tensor(new TensorQuery(s, 10, "logits_lm")), run.Explorer.Tensor(new TensorQuery(s, 10, "logits_clsf")) }),
            "logits-every-sample-epoch-10");
}
