using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BertGen.Explore;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Explore;

/// <summary>Every explore mode on the default run, by content; and every way to ask for something that is not there.</summary>
[Collection(DefaultRunCollection.Name)]
public sealed partial class ExplorerTests(DefaultRunFixture run)
{
    [Fact]
    public void Overview_lists_captured_epochs_samples_and_tensors_with_shapes()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path);

        Assert.Equal(0, code);
        Assert.Contains("Captured epochs: 0, 10, 5000", output);
        Assert.Contains("[CLS] the [MASK] chased the mouse [SEP] it was a fast [MASK]", output);
        foreach (var (name, shape) in new[] { ("embedding", "[14, 7]"), ("attn_mask", "[14, 14]"), ("logits_lm", "[2, 42]"), ("input_ids", "[14]"), ("ffn_hidden", "[14, 28]"), ("q_s", "[14, 4]"), ("attn", "[14, 14]"), ("bert.encoder.layer.1.attention.self.query.weight", "[20, 7]") })
        {
            Assert.Matches($@"(^|\s){Regex.Escape(name)}\s+{Regex.Escape(shape)}(\s|$)", output);
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
        Assert.Equal(tokens, lines.Skip(2).Take(14).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        var view = run.Explorer.Tensor(new TensorQuery(1, 0, "embedding"));
        Assert.Equal(7 + 1, lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith(view.Format(2).Format(view[0, 6]), lines[2]);
    }

    [Fact]
    public void Decimals_option_sets_the_precision()
    {
        var (_, output, _) = CliTests.Run("explore", run.Path, "--epoch", "10", "--tensor", "h_pooled", "--decimals", "5");
        var view = run.Explorer.Tensor(new TensorQuery(0, 10, "h_pooled"));

        Assert.Contains(view.Format(5).Format(view[0, 0]), output);
        Assert.Matches(@"h_pooled\s+-?\d\.\d{5}\s", output);
    }

    [Theory]
    [InlineData("attn", 0, 2)]
    [InlineData("logits_lm", null, null)]
    [InlineData("q", 1, null)]
    [InlineData("ffn_hidden", 0, null)]
    [InlineData("bert.embeddings.word_embeddings.weight", null, null)]
    [InlineData("bert.encoder.layer.0.intermediate.dense.weight.grad", null, null)]
    public void A_tensor_fits_80_columns_in_blocks_of_columns_and_shows_every_value_whole(string name, int? layer, int? head)
    {
        var args = new List<string> { "explore", run.Path, "--tensor", name, "--epoch", "10", "--width", "80" };
        if (layer is { } l)
        {
            args.AddRange(["--layer", l.ToString(CultureInfo.InvariantCulture)]);
        }

        if (head is { } h)
        {
            args.AddRange(["--head", h.ToString(CultureInfo.InvariantCulture)]);
        }

        var (code, output, _) = CliTests.Run([.. args]);
        var view = run.Explorer.Tensor(new TensorQuery(0, 10, name, layer, head));
        var format = view.Format(2);

        Assert.Equal(0, code);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        // Every value appears whole, block by block and row by row, in the order of the view.
        var blocks = SplitIntoColumnBlocks(lines.SkipWhile(l => !l.StartsWith(' ') && !l.StartsWith("columns ", StringComparison.Ordinal)).ToList());
        var shown = new List<string>[view.Rows];
        for (int r = 0; r < view.Rows; r++)
        {
            shown[r] = blocks.SelectMany(b => b[r + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeLast(b[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)).ToList();
            Assert.Equal(Enumerable.Range(0, view.Columns).Select(c => format.Format(view[r, c])), shown[r]);
        }
    }

    [Fact]
    public void Labels_longer_than_a_column_are_shortened_with_an_ellipsis()
    {
        var (_, output, _) = CliTests.Run("explore", run.Path, "--tensor", "logits_lm", "--sample", "3", "--width", "80");

        Assert.Contains(" quick…", output); // "quickly", in a column of numbers 5 wide
        Assert.DoesNotContain(" quickly", output);
    }

    [Fact]
    public void Gradients_are_shown_at_a_shared_scale_that_keeps_their_digits()
    {
        var view = run.Explorer.Tensor(new TensorQuery(0, 10, "bert.encoder.layer.0.attention.self.query.weight.grad"));
        var format = view.Format(2);
        var (_, output, _) = CliTests.Run("explore", run.Path, "--tensor", "bert.encoder.layer.0.attention.self.query.weight.grad", "--epoch", "10");

        Assert.True(view.Values.Max(v => Math.Abs(v)) < 0.1f, "the gradients are small");
        Assert.NotEqual(0, format.Exponent);
        Assert.Contains($"[20, 7], values {format.ScaleText}", Regex.Replace(output, @"\s+", " "));
        Assert.Equal(view.Values.Count(v => v != 0), view.Values.Count(v => format.Format(v) != "0.00"));
    }

    [Fact]
    public void Number_format_scales_small_and_large_values_and_leaves_the_rest()
    {
        Assert.Equal(-3, NumberFormat.For([0.0032f, -0.0011f], 2, false).Exponent);
        Assert.Equal("3.20", NumberFormat.For([0.0032f, -0.0011f], 2, false).Format(0.0032f));
        Assert.Equal(-6, NumberFormat.For([5e-5f], 2, false).Exponent);
        Assert.Equal(0, NumberFormat.For([0.18f, 0.02f], 2, false).Exponent);
        Assert.Equal(0, NumberFormat.For([12.9f, -8.5f], 2, false).Exponent);
        Assert.Equal(3, NumberFormat.For([25000f], 2, false).Exponent);
        Assert.Equal(0, NumberFormat.For([0f, -1e9f], 2, false).Exponent);
        Assert.Equal("-1e9", NumberFormat.For([0.5f], 2, false).Format(-1e9f));
        Assert.Equal("0.00", NumberFormat.For([0.5f], 2, false).Format(-0.001f));
        Assert.Equal("x 1e-3", NumberFormat.For([0.0032f], 2, false).ScaleText);
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
    public void A_heatmap_in_colour_has_a_legend_of_its_range()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--tensor", "attn", "--layer", "0", "--head", "2", "--sample", "4", "--color", "always");
        var view = run.Explorer.Tensor(new TensorQuery(4, 5000, "attn", Layer: 0, Head: 2));
        var (min, max) = view.ValueRange;
        string plain = Ansi().Replace(output, "");

        Assert.Equal(0, code);
        Assert.Contains("\u001b[", output);
        Assert.Contains("attn, layer 0, head 2 — sample 4, epoch 5000 [14, 14]", plain);
        Assert.Contains($"colour: {view.Format(2).Format(min)} ", plain);
        Assert.Contains($" {view.Format(2).Format(max)} (light is high)", plain);
        Assert.All(plain.TrimEnd('\n').Split('\n'), line => Assert.True(line.Length <= 80, line));
    }

    [Fact]
    public void Compare_epochs_stacks_when_side_by_side_does_not_fit_and_keeps_colour()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--sample", "1", "--tensor", "embedding", "--compare-epochs", "0", "5000", "--width", "80");
        var before = run.Explorer.Tensor(new TensorQuery(1, 0, "embedding"));
        var after = run.Explorer.Tensor(new TensorQuery(1, 5000, "embedding"));

        Assert.Equal(0, code);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal("embedding — sample 1, epoch 0 [14, 7]", lines[0]);
        Assert.Contains("embedding — sample 1, epoch 5000 [14, 7]", lines);
        Assert.All(lines, line => Assert.True(line.Length <= 80, line));
        Assert.EndsWith(after.Format(2).Format(after[0, 6]), lines[lines.ToList().IndexOf("embedding — sample 1, epoch 5000 [14, 7]") + 2]);
        Assert.NotEqual(before.Values, after.Values);

        var (_, coloured, _) = CliTests.Run("explore", run.Path, "--sample", "0", "--tensor", "attn", "--layer", "1", "--head", "2", "--compare-epochs", "0", "5000", "--color", "always", "--width", "80");
        Assert.Contains("\u001b[", coloured);
        Assert.All(Ansi().Replace(coloured, "").TrimEnd('\n').Split('\n'), line => Assert.True(line.Length <= 80, line));
    }

    [Fact]
    public void Compare_epochs_is_side_by_side_where_it_fits()
    {
        var (_, output, _) = CliTests.Run("explore", run.Path, "--sample", "1", "--tensor", "embedding", "--compare-epochs", "0", "5000", "--width", "120");

        Assert.Matches(@"^embedding — sample 1, epoch 0 \[14, 7\]\s+\| embedding — sample 1, epoch 5000 \[14, 7\]$", output.Split('\n')[0]);
    }

    [Fact]
    public void Logits_over_the_vocabulary_can_be_shown_as_the_top_k()
    {
        var view = run.Explorer.Tensor(new TensorQuery(0, 5000, "logits_lm"));
        var (code, output, _) = CliTests.Run("explore", run.Path, "--tensor", "logits_lm", "--top", "3");

        Assert.Equal(0, code);
        Assert.Contains("logits_lm — sample 0, epoch 5000 [2, 42]: top 3 of 42 per row", output);
        int best = Enumerable.Range(0, view.Columns).MaxBy(c => view[0, c]);
        Assert.Matches($@"@2 cat\s+cat {Regex.Escape(view.Format(2).Format(view[0, best]))}\s", output);
        Assert.Equal("cat", view.ColumnLabels[best]);
    }

    [Theory]
    [InlineData("input_ids", "[14]")]
    [InlineData("segment_ids", "[14]")]
    [InlineData("masked_positions", "[2]")]
    [InlineData("masked_tokens", "[2]")]
    public void Inputs_are_tensors_too(string name, string shape)
    {
        var view = run.Explorer.Tensor(new TensorQuery(0, 0, name));
        var (code, output, _) = CliTests.Run("explore", run.Path, "--tensor", name, "--epoch", "0", "--width", "200");

        Assert.Equal(0, code);
        Assert.True(view.Integers);
        Assert.StartsWith($"{name} — sample 0, epoch 0 {shape}", output);
        var sample = run.Explorer.Run.Samples[0];
        int[] expected = name switch
        {
            "input_ids" => sample.InputIds,
            "segment_ids" => sample.SegmentIds,
            "masked_positions" => sample.MaskedPositions,
            _ => sample.MaskedTokens,
        };
        Assert.Equal(expected.Select(v => (float)v), view.Values);
        Assert.EndsWith(string.Join(' ', expected.Select(v => v.ToString(CultureInfo.InvariantCulture))), Regex.Replace(output.Split('\n')[2], " +", " ").Trim());
    }

    [Fact]
    public void Json_prints_the_same_tensor_for_scripts()
    {
        var view = run.Explorer.Tensor(new TensorQuery(3, 10, "attn", Layer: 1, Head: 4));
        var (code, output, _) = CliTests.Run("explore", run.Path, "--tensor", "attn", "--layer", "1", "--head", "4", "--sample", "3", "--epoch", "10", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("attn", root.GetProperty("name").GetString());
        Assert.Equal(1, root.GetProperty("layer").GetInt32());
        Assert.Equal(4, root.GetProperty("head").GetInt32());
        Assert.Equal(3, root.GetProperty("sample").GetInt32());
        Assert.Equal(10, root.GetProperty("epoch").GetInt32());
        Assert.Equal(view.RowLabels, root.GetProperty("rows").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(view.Values, root.GetProperty("values").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetSingle()));
    }

    [Fact]
    public void Walkthrough_shows_softmax_top_words_argmax_and_the_IsNext_decision()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--walkthrough", "--sample", "0");

        Assert.Equal(0, code);
        var walk = Walkthrough.Create(run.Explorer, 0, 5000);
        Assert.Equal(2, walk.Prediction.Masks.Count);
        Assert.All(walk.Prediction.Masks, s => Assert.True(s.Right == true));
        Assert.Equal(["cat", "chase"], walk.Prediction.Masks.Select(s => run.Vocabulary[s.PredictedId]));
        Assert.All(walk.Prediction.Masks, s => Assert.Equal(s.Top[0].Id, s.PredictedId));
        Assert.All(walk.Prediction.Masks, s => Assert.True(s.Top.Zip(s.Top.Skip(1)).All(p => p.First.Probability >= p.Second.Probability)));
        Assert.StartsWith("Sample 0 at epoch 5000: the prediction walk-through", output);
        Assert.Contains("softmax(logits_lm) over 42 words, top 5", output);
        Assert.Contains($"argmax = {walk.Prediction.Masks[0].PredictedId} -> \"cat\"; actual {walk.Prediction.Masks[0].ActualId} \"cat\": right", output);
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
    [InlineData(new[] { "--sample", "9" }, "bertgen: there is no sample 9; samples are 0 to 5.")]
    [InlineData(new[] { "--epoch", "7" }, "bertgen: epoch 7 was not captured; captured epochs: 0, 10, 5000.")]
    [InlineData(new[] { "--layer", "5" }, "bertgen: there is no layer 5; layers are 0 to 1.")]
    [InlineData(new[] { "--head", "-1" }, "bertgen: there is no head -1; heads are 0 to 4.")]
    [InlineData(new[] { "--figure", "3" }, "bertgen: there is no figure 3; figures are 4 to 17 (figures 1 to 3 are drawings).")]
    [InlineData(new[] { "--figure", "13", "--sample", "8" }, "bertgen: there is no sample 8; samples are 0 to 5.")]
    [InlineData(new[] { "--tensor", "logits_lm", "--top", "0" }, "bertgen: --top is 0; give 1 to 100000.")]
    [InlineData(new[] { "--decimals", "abc" }, "bertgen: --decimals: 'abc' is not a whole number; write one such as 2.")]
    [InlineData(new[] { "--sample", "1.5" }, "bertgen: --sample: '1.5' is not a whole number (write digits only, no commas or dots); write one such as 0.")]
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

    /// <summary>The blocks of a tensor's output: each a header line of column labels and one line per row.</summary>
    private static List<List<string>> SplitIntoColumnBlocks(List<string> lines)
    {
        var blocks = new List<List<string>>();
        foreach (var line in lines)
        {
            if (line.StartsWith("columns ", StringComparison.Ordinal))
            {
                blocks.Add([]);
                continue;
            }

            if (blocks.Count == 0)
            {
                blocks.Add([]);
            }

            blocks[^1].Add(line);
        }

        return blocks;
    }

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Ansi();
}
