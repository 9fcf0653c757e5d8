using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Inference;

[Collection(DefaultRunCollection.Name)]
public sealed class PredictTests(DefaultRunFixture run)
{
    [Fact]
    public void A_trained_model_fills_in_the_masks_it_was_trained_on()
    {
        var predictor = Predictor.Load(RunArchive.Open(run.Path), SeedBert.Definition, checkpoint: null);
        for (int s = 0; s < 6; s++)
        {
            var sample = run.Explorer.Run.Samples[s];
            var (first, second) = Sentences(run.Vocabulary.Decode(sample.InputIds));
            var prediction = predictor.Predict(first, second);

            var actual = sample.MaskedTokens.Where(t => t != 0).ToArray();
            var masks = prediction.Masks.Select(m => m.Position).ToArray();
            var expected = sample.MaskedPositions.Zip(sample.MaskedTokens).Where(p => p.Second != 0 && masks.Contains(p.First)).Select(p => p.Second);
            Assert.Equal(expected, prediction.Masks.Select(m => m.Top[0].Id));
            Assert.All(prediction.Masks, m => Assert.Equal(5, m.Top.Count));
            Assert.All(prediction.Masks, m => Assert.True(m.Top.Zip(m.Top.Skip(1)).All(p => p.First.Probability >= p.Second.Probability)));
            Assert.Equal(sample.IsNext, prediction.IsNext.Predicted);
        }
    }

    [Fact]
    public void Predict_prints_the_top_words_per_mask_and_the_IsNext_probability()
    {
        var (first, second) = Sentences(run.Vocabulary.Decode(run.Explorer.Run.Samples[3].InputIds));
        // The console program is compiled for TinyBert, which has SeedBert's shape.
        var (code, output, error) = CliTests.Run("predict", run.Path, first, second);

        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Contains("Input: [CLS] " + first, output);
        Assert.Matches(@"\[MASK\] at position \d+:\n  1\. \S+\s+\d\.\d{4}  \(logit -?\d+\.\d{4}\)\n  2\. ", output);
        Assert.Matches(@"IsNext probability: \d\.\d{4} \((IsNext|NotNext)\); logits: NotNext -?\d+\.\d{4}, IsNext -?\d+\.\d{4}", output);
    }

    [Fact]
    public void Another_checkpoint_gives_other_answers()
    {
        string initial = Path.Combine(run.Path, "checkpoints", "epoch-000000.safetensors");
        var trained = Predictor.Load(RunArchive.Open(run.Path), SeedBert.Definition, null).Predict("the [MASK] ran quickly.", "it was too fast.");
        var untrained = Predictor.Load(RunArchive.Open(run.Path), SeedBert.Definition, initial).Predict("the [MASK] ran quickly.", "it was too fast.");

        Assert.NotEqual(trained.Masks[0].Top[0].Probability, untrained.Masks[0].Top[0].Probability);
    }

    [Theory]
    [InlineData("the zebra ran.", "it was fast.", "the word 'zebra' is not in the vocabulary of the run (42 tokens; see its vocab.txt).")]
    [InlineData("the [MASK] [MASK] quickly.", "it was too [MASK].", "the pair has 3 [MASK]s, but the model predicts at most 2 per sample (maxPred).")]
    [InlineData("the mouse ran quickly the mouse ran quickly.", "it was too fast.", "the pair has 15 tokens with [CLS] and two [SEP], but the model takes at most 14 (maxLen).")]
    [InlineData("...", "it was too fast.", "the first sentence has no words.")]
    public void A_question_the_model_cannot_take_is_an_error_naming_why(string first, string second, string message)
    {
        var predictor = Predictor.Load(RunArchive.Open(run.Path), SeedBert.Definition, null);
        var e = Assert.Throws<InputException>(() => predictor.Predict(first, second));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Predict_from_the_command_line_reports_mistakes_with_exit_code_2()
    {
        var (code, _, error) = CliTests.Run("predict", "/no/such/run", "a [MASK].", "b.");
        Assert.Equal(2, code);
        Assert.StartsWith("bertgen: there is no run '/no/such/run'.", error);

        (code, _, error) = CliTests.Run("predict", run.Path, "a", "b", "--checkpoint", "/no/such.safetensors");
        Assert.Equal(2, code);
        Assert.StartsWith("bertgen: there is no checkpoint '/no/such.safetensors'.", error);
    }

    private static (string First, string Second) Sentences(string maskedText)
    {
        var words = maskedText.Split(' ').Where(w => w is not "[CLS]" and not "[PAD]").ToList();
        int sep = words.IndexOf("[SEP]");
        return (string.Join(' ', words.Take(sep)), string.Join(' ', words.Skip(sep + 1).Where(w => w != "[SEP]")));
    }
}
