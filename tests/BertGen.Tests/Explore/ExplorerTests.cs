using BertGen.Explore;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Explore;

/// <summary>Every explore mode on the default run, by content; and every way to ask for something that is not there.</summary>
[Collection(DefaultRunCollection.Name)]
public sealed class ExplorerTests(DefaultRunFixture run)
{
    [Fact]
    public void Overview_lists_captured_epochs_samples_and_tensors_with_shapes()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path);

        Assert.Equal(0, code);
        Assert.Contains("Captured epochs: 0, 10, 5000", output);
        Assert.Contains(run.Explorer.Run.Samples[0].MaskedText, output);
        foreach (var line in new[] { "embedding            [14, 7]", "attn_mask            [14, 14]", "logits_lm            [2, 42]", "ffn_hidden       [14, 28]", "q_s     [14, 4]", "attn    [14, 14]", "bert.encoder.layer.1.attention.self.query.weight        [20, 7]" })
        {
            Assert.Contains(line, output);
        }
    }

    [Fact]
    public void A_tensor_is_a_table_labelled_with_the_sample_tokens()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--sample", "1", "--epoch", "0", "--tensor", "embedding");

        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Equal("embedding — sample 1, epoch 0 [14, 7]", lines[0]);
        var tokens = run.Explorer.Tokens(1, 0);
        Assert.Equal(tokens, lines.Skip(3).Take(14).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        var view = run.Explorer.Tensor(new TensorQuery(1, 0, "embedding"));
        Assert.Equal(7 + 1, lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith(TensorText.Number(view[0, 6], 2), lines[3]);
    }

    [Fact]
    public void Decimals_option_sets_the_precision()
    {
        var (_, output, _) = CliTests.Run("explore", run.Path, "--epoch", "10", "--tensor", "h_pooled", "--decimals", "5");
        var value = run.Explorer.Tensor(new TensorQuery(0, 10, "h_pooled"))[0, 0];

        Assert.Contains(TensorText.Number(value, 5), output);
        Assert.Matches(@"h_pooled\s+-?\d\.\d{5}\s", output);
    }

    [Fact]
    public void Attention_rows_and_columns_carry_the_tokens_and_masked_keys_get_nothing()
    {
        var view = run.Explorer.Tensor(new TensorQuery(2, 5000, "attn", Layer: 1, Head: 3));
        var tokens = run.Explorer.Tokens(2, 5000);

        Assert.Equal(tokens, view.RowLabels);
        Assert.Equal(tokens, view.ColumnLabels);
        Assert.True(view.Heatmap);
        for (int r = 0; r < view.Rows; r++)
        {
            Assert.Equal(1.0, Enumerable.Range(0, view.Columns).Sum(c => (double)view[r, c]), 5);
            for (int c = 0; c < view.Columns; c++)
            {
                if (tokens[c] == "[PAD]")
                {
                    Assert.Equal(0f, view[r, c]);
                }
            }
        }
    }

    [Fact]
    public void Head_views_are_the_heads_columns_of_the_layer_tensors()
    {
        var q = run.Explorer.Tensor(new TensorQuery(0, 10, "q", Layer: 1));
        var qs = run.Explorer.Tensor(new TensorQuery(0, 10, "q_s", Layer: 1, Head: 3));

        Assert.Equal(4, qs.Columns);
        for (int t = 0; t < 14; t++)
        {
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(q[t, (3 * 4) + j], qs[t, j]);
            }
        }
    }

    [Fact]
    public void Heatmap_tensors_are_coloured_when_colours_are_asked_for()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--tensor", "probs_lm", "--sample", "4", "--color", "always");

        Assert.Equal(0, code);
        Assert.Contains("\u001b[", output);
        Assert.Contains("probs_lm — sample 4, epoch 5000 [2, 42]", output);
    }

    [Fact]
    public void Compare_epochs_shows_the_tensor_at_two_epochs_side_by_side()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--sample", "1", "--tensor", "embedding", "--compare-epochs", "0", "5000");

        Assert.Equal(0, code);
        var first = output.Split('\n')[0];
        Assert.Matches(@"^embedding — sample 1, epoch 0 \[14, 7\]\s+\|   embedding — sample 1, epoch 5000 \[14, 7\]$", first);
        var before = run.Explorer.Tensor(new TensorQuery(1, 0, "embedding"));
        var after = run.Explorer.Tensor(new TensorQuery(1, 5000, "embedding"));
        Assert.Contains($"{TensorText.Number(before[0, 0], 2)}", output.Split('\n')[3].Split('|')[0]);
        Assert.Contains($"{TensorText.Number(after[0, 0], 2)}", output.Split('\n')[3].Split('|')[1]);
        Assert.NotEqual(before.Values, after.Values);
    }

    [Fact]
    public void Walkthrough_shows_softmax_top_words_argmax_and_the_IsNext_decision()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--walkthrough", "--sample", "0");

        Assert.Equal(0, code);
        var walk = Walkthrough.Create(run.Explorer, 0, 5000);
        Assert.Equal(2, walk.Slots.Count);
        Assert.All(walk.Slots, s => Assert.True(s.Right));
        Assert.All(walk.Slots, s => Assert.Equal(s.Top[0].Id, s.PredictedId));
        Assert.All(walk.Slots, s => Assert.True(s.Top.Zip(s.Top.Skip(1)).All(p => p.First.Probability >= p.Second.Probability)));
        Assert.StartsWith($"Sample 0 at epoch 5000: {string.Join(' ', run.Explorer.Tokens(0, 5000))}", output);
        Assert.Contains("softmax(logits_lm) over 42 words, top 5", output);
        Assert.Contains($"argmax = {walk.Slots[0].PredictedId} -> \"{run.Vocabulary[walk.Slots[0].PredictedId]}\"", output);
        Assert.Contains(": right", output);
        Assert.Matches(@"IsNext: logits_clsf = \[NotNext -?\d+\.\d\d, IsNext -?\d+\.\d\d\]", output);
        Assert.Contains("at index 0 -> IsNext = False; actual False: right", output);
    }

    [Theory]
    [InlineData(new[] { "--epoch", "7", "--tensor", "embedding" }, "bertgen: epoch 7 was not captured; captured epochs: 0, 10, 5000.")]
    [InlineData(new[] { "--sample", "6", "--tensor", "embedding" }, "bertgen: there is no sample 6; samples are 0 to 5.")]
    [InlineData(new[] { "--tensor", "embeddings" }, "bertgen: there is no tensor 'embeddings'; tensors: tok_embed, pos_embed")]
    [InlineData(new[] { "--tensor", "q" }, "bertgen: 'q' is a layer's tensor; give --layer, from 0 to 1.")]
    [InlineData(new[] { "--tensor", "q", "--layer", "2" }, "bertgen: there is no layer 2; layers are 0 to 1.")]
    [InlineData(new[] { "--tensor", "attn", "--layer", "0" }, "bertgen: 'attn' is a head's tensor; give --head, from 0 to 4.")]
    [InlineData(new[] { "--tensor", "attn", "--layer", "0", "--head", "5" }, "bertgen: there is no head 5; heads are 0 to 4.")]
    [InlineData(new[] { "--walkthrough", "--epoch", "3" }, "bertgen: epoch 3 was not captured; captured epochs: 0, 10, 5000.")]
    public void Asking_for_what_does_not_exist_lists_what_does_and_exits_2(string[] args, string message)
    {
        var (code, _, error) = CliTests.Run(["explore", run.Path, .. args]);

        Assert.Equal(2, code);
        Assert.StartsWith(message, error);
    }

    [Fact]
    public void An_unknown_run_is_an_error_naming_it()
    {
        var (code, _, error) = CliTests.Run("explore", "/no/such/run");

        Assert.Equal(2, code);
        Assert.StartsWith("bertgen: there is no run '/no/such/run'.", error);
    }

    [Fact]
    public void Parameters_and_gradients_are_shown_by_their_Hugging_Face_names()
    {
        var weight = run.Explorer.Tensor(new TensorQuery(0, 10, "bert.embeddings.word_embeddings.weight"));
        var gradient = run.Explorer.Tensor(new TensorQuery(0, 10, "cls.predictions.bias.grad"));

        Assert.Equal(run.Vocabulary.Tokens, weight.RowLabels);
        Assert.Equal(7, weight.Columns);
        Assert.Equal(run.Vocabulary.Tokens, gradient.ColumnLabels);
        Assert.Contains(gradient.Values, g => g != 0);
    }
}
