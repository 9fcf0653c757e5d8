using System.Text.Json;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;
using BertGen.Testing;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Explore;

/// <summary>The article's Figures 4 to 17 for the default run, by content, within 80 columns, and approved as snapshots.</summary>
[Collection(DefaultRunCollection.Name)]
public sealed class FigureTests(DefaultRunFixture run)
{
    public static TheoryData<int> Numbers => [.. Enumerable.Range(4, 14)];

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Every_figure_prints_within_80_columns(int number)
    {
        var (code, output, error) = CliTests.Run("explore", run.Path, "--figure", number.ToString(System.Globalization.CultureInfo.InvariantCulture), "--width", "80");

        Assert.True(code == 0, error);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.StartsWith($"Figure {number}: ", lines[0]);
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    public void The_text_of_a_figure_is_the_approved_one(int number)
    {
        string n = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (_, output, _) = CliTests.Run("explore", run.Path, "--figure", n, "--width", "80", "--decimals", "2");

        TensorSnapshot.MatchText(output, $"figure-{number:D2}");
    }

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void The_tensors_of_a_figure_are_the_approved_ones(int number)
    {
        var document = Figures.Create(number, run.Explorer);

        TensorSnapshot.Match(document.Blocks.OfType<TensorBlock>().Select(b => b.View), $"figure-{number:D2}-tensors");
    }

    [Fact]
    public void The_figure_list_gives_the_articles_captions()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--figure", "--width", "120");

        Assert.Equal(0, code);
        foreach (var caption in new[] { "BERT Configuration", "Number Dictionary", "Masked Word Indices and IsNext Values", "Segment Ids", "Summary of BERT's predictions" })
        {
            Assert.Contains(caption, output);
        }

        Assert.Equal(14, Figures.All.Count);
        Assert.Equal(Enumerable.Range(4, 14), Figures.All.Select(f => f.Number));
    }

    [Fact]
    public void Figure_7_is_the_vocabulary_and_figure_8_the_articles_masked_words()
    {
        var dictionary = Figures.Create(7, run.Explorer).Blocks.OfType<TableBlock>().Single();
        Assert.Equal(run.Vocabulary.Tokens, dictionary.Rows.Select(r => r[1].Text));
        Assert.Equal(Enumerable.Range(0, run.Vocabulary.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), dictionary.Rows.Select(r => r[0].Text));

        var masked = Figures.Create(8, run.Explorer).Blocks.OfType<TableBlock>().Single();
        Assert.Equal(["cat, chase", "buy, go", "milk, shop", "mouse, fast", "sun, stars", "night, hill"], masked.Rows.Select(r => r[2].Text));
        Assert.Equal(["False", "False", "True", "False", "False", "True"], masked.Rows.Select(r => r[3].Text));
    }

    [Fact]
    public void Figures_9_to_11_are_the_inputs_and_13_and_14_the_embeddings_at_the_first_and_last_epoch()
    {
        var samples = run.Explorer.Run.Samples;
        var ids = ((TensorBlock)Figures.Create(9, run.Explorer).Blocks[0]).View;
        Assert.Equal(samples.SelectMany(s => s.InputIds).Select(v => (float)v), ids.Values);
        var segments = ((TensorBlock)Figures.Create(10, run.Explorer).Blocks[0]).View;
        Assert.Equal(samples.SelectMany(s => s.SegmentIds).Select(v => (float)v), segments.Values);
        var positions = ((TensorBlock)Figures.Create(11, run.Explorer).Blocks[0]).View;
        Assert.Equal(samples.SelectMany(s => s.MaskedPositions).Select(v => (float)v), positions.Values);

        var initial = ((TensorBlock)Figures.Create(13, run.Explorer).Blocks[0]).View;
        var trained = ((TensorBlock)Figures.Create(14, run.Explorer).Blocks[0]).View;
        Assert.Equal(run.Explorer.Tensor(new TensorQuery(1, 0, "embedding")).Values, initial.Values);
        Assert.Equal(run.Explorer.Tensor(new TensorQuery(1, 5000, "embedding")).Values, trained.Values);
        Assert.Equal("embedding — sample 1, epoch 5000 [14, 7]", trained.Title);
    }

    [Fact]
    public void Figure_17_is_the_articles_summary_all_right()
    {
        var summary = Figures.Predictions(run.Explorer, 5000);

        Assert.All(summary, p => Assert.True(p.AllCorrect));
        Assert.Equal(
            ["cat chase", "buy go", "milk shop", "mouse fast", "sun stars", "night hill"],
            summary.Select(p => string.Join(' ', p.Masks.Select(m => m.PredictedId).Select(id => run.Vocabulary[id]))));
    }

    [Fact]
    public void Figure_15_names_every_tensor_with_its_shape()
    {
        var flow = Figures.Create(15, run.Explorer).Blocks.OfType<TableBlock>().Single();
        var shapes = flow.Rows.Select(r => (r[1].Text, r[2].Text)).Distinct().ToDictionary(p => p.Item1, p => p.Item2);

        Assert.Equal("[14, 20]", shapes["q"]);
        Assert.Equal("[14, 4]", shapes["q_s"]);
        Assert.Equal("[14, 14]", shapes["attn"]);
        Assert.Equal("[14, 7]", shapes["mha"]);
        Assert.Equal("[2, 42]", shapes["logits_lm"]);
        Assert.Equal("[7]", shapes["h_pooled"]);
        Assert.Equal(2 * 14, flow.Rows.Count(r => r[0].Text.StartsWith("layer", StringComparison.Ordinal) || r[0].Text.StartsWith("heads", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_figure_prints_as_json_for_scripts()
    {
        var (code, output, _) = CliTests.Run("explore", run.Path, "--figure", "6", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("Figure 6: Masked Input Samples (Sentence pairs)", json.RootElement.GetProperty("title").GetString());
        var first = json.RootElement.GetProperty("blocks")[0].GetProperty("rows")[0][1];
        Assert.Equal("[CLS]", first[0].GetProperty("token").GetString());
        Assert.Equal("special", first[0].GetProperty("mark").GetString());
        Assert.Equal("masked", first[2].GetProperty("mark").GetString());
        Assert.Equal("cat", first[2].GetProperty("original").GetString());
    }

    [Fact]
    public void A_new_pair_is_run_through_the_nearest_checkpoint_and_shown_like_a_capture()
    {
        var (code, output, error) = CliTests.Run("explore", run.Path, "--input", "the [MASK] chased the mouse.", "it was a fast [MASK].", "--epoch", "10", "--tensor", "probs_lm");

        Assert.True(code == 0, error);
        Assert.StartsWith("Epoch 10 has no checkpoint; the nearest saved is epoch 0 (", output);
        Assert.Contains("probs_lm — sample 0, epoch 0 [2, 42]", output);

        var (_, json, _) = CliTests.Run("explore", run.Path, "--input", "the [MASK] chased the mouse.", "it was a fast [MASK].", "--tensor", "probs_lm", "--json");
        var probabilities = JsonDocument.Parse(json).RootElement.GetProperty("values");
        var predicted = Predictor.Load(RunArchive.Open(run.Path), SeedBert.Definition, null).Predict("the [MASK] chased the mouse.", "it was a fast [MASK].");
        for (int m = 0; m < 2; m++)
        {
            var (id, p, _) = predicted.Masks[m].Top[0];
            Assert.Equal(p, probabilities[m][id].GetSingle());
        }

        Assert.Equal([5, 12], predicted.Masks.Select(m => m.Top[0].Id)); // cat, chase
    }

    [Theory]
    [InlineData("the [MASK] chased the dog.", "it was fast.", "bertgen: the word 'dog' is not in the vocabulary of the run")]
    [InlineData("the [MASK] [MASK] the mouse.", "it was [MASK].", "bertgen: the pair has 3 [MASK]s, but the model predicts at most 2 per sample (maxPred).")]
    [InlineData("the cat chased the mouse the mouse ran quickly the cat.", "it was fast.", "bertgen: the pair has 17 tokens with [CLS] and two [SEP], but the model takes at most 14 (maxLen).")]
    public void A_new_pair_that_does_not_fit_is_refused_as_predict_refuses_it(string first, string second, string message)
    {
        var (code, _, error) = CliTests.Run("explore", run.Path, "--input", first, second, "--tensor", "attn", "--layer", "0", "--head", "0");
        var (predictCode, _, predictError) = CliTests.Run("predict", run.Path, first, second);

        Assert.Equal(2, code);
        Assert.StartsWith(message, error);
        Assert.Equal(2, predictCode);
        Assert.Equal(predictError, error);
    }

    [Fact]
    public void Predict_prints_json_for_scripts()
    {
        var (code, output, _) = CliTests.Run("predict", run.Path, "the [MASK] chased the mouse.", "it was a fast [MASK].", "--json");

        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["cat", "chase"], root.GetProperty("masks").EnumerateArray().Select(m => m.GetProperty("top")[0].GetProperty("word").GetString()));
        Assert.False(root.GetProperty("isNext").GetProperty("predicted").GetBoolean());
    }
}

/// <summary>Masked inputs that mark [MASK], replaced and kept words: as plain marks without colour, in colour with it.</summary>
public sealed class MaskedInputViewTests
{
    [Fact]
    public void Replaced_and_kept_words_are_marked_in_plain_text_and_coloured_in_colour()
    {
        using var temp = new TempFolder();
        string corpus = temp.Write("unpinned.txt", Corpus.Format(Corpus.Default.Select(p => p with { Pins = null }).ToList()));
        var (code, _, error) = CliTests.Run("train", "--corpus", corpus, "--epochs", "1", "--capture-epochs", "0", "--out", temp["run"]);
        Assert.True(code == 0, error);
        var archive = RunArchive.Open(temp["run"]);
        var marks = archive.Samples.SelectMany(s => MaskedInput.Of(s, archive.Vocabulary)).ToList();
        var replaced = marks.Where(m => m.Mark == TokenMark.Replaced).ToList();
        Assert.NotEmpty(replaced); // seed 1 replaces 'was' and 'stars' by random words

        var (_, plain, _) = CliTests.Run("explore", temp["run"], "--figure", "6", "--width", "100");
        Assert.All(replaced, r => Assert.Contains($"~{r.Text}~", plain));
        Assert.Contains(MaskedInput.Legend, plain);

        var (_, coloured, _) = CliTests.Run("explore", temp["run"], "--figure", "6", "--width", "100", "--color", "always");
        Assert.DoesNotContain($"~{replaced[0].Text}~", coloured);
        Assert.Contains($"{replaced[0].Text}\u001b[0m", coloured);
        Assert.Contains("\u001b[1;38;5;9m" + replaced[0].Text, coloured); // bold red
    }

    [Fact]
    public void A_masked_input_tells_masked_replaced_and_kept_slots_apart()
    {
        var vocabulary = new Vocabulary([.. Vocabulary.Specials, "the", "cat", "sat", "mat"]);
        // [CLS] the [MASK] sat cat mat [SEP]: slot 2 is [MASK] (cat), slot 4 replaced (was "the"), slot 5 kept (mat).
        var tokens = MaskedInput.Of([1, 4, 3, 6, 5, 7, 2, 0], [2, 4, 5], [5, 4, 7], vocabulary);

        Assert.Equal(
            [TokenMark.Special, TokenMark.Word, TokenMark.Masked, TokenMark.Word, TokenMark.Replaced, TokenMark.Kept, TokenMark.Special, TokenMark.Padding],
            tokens.Select(t => t.Mark));
        Assert.Equal("cat", tokens[2].Original);
        Assert.Equal("the", tokens[4].Original);
        Assert.Equal("[CLS] the [MASK] sat ~cat~ _mat_ [SEP]", MaskedInput.Plain(tokens));
    }
}
