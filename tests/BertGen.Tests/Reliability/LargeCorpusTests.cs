using System.Globalization;
using System.Text;
using BertGen.Data;
using BertGen.Runs;
using BertGen.Tests.Support;

namespace BertGen.Tests.Reliability;

/// <summary>Memory bounded by the batch, not the corpus: a large corpus trains within a small heap.</summary>
public sealed class LargeCorpusTests
{
    [Fact]
    public void A_large_corpus_trains_an_epoch_within_a_heap_that_would_not_hold_an_arena_per_sample()
    {
        using var temp = new TempFolder();
        string corpus = temp.Write("large.txt", Corpus(60_000));

        // An arena per sample would be 60,000 x 9,237+ floats: over 2 GB. The heap here holds 384 MB.
        using var child = new ChildProcess(
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x18000000" },
            "train", "--corpus", corpus, "--epochs", "1", "--out", temp["run"]);
        int code = child.Wait(TimeSpan.FromMinutes(5));

        Assert.True(code == 0, $"exit {code}: {child.Error}");
        Assert.Contains("on 60000 sentence pairs for 1 epochs.", child.Output);
        Assert.Matches(@"Masked words right: \d+/\d+\. IsNext right: \d+/60000\.", child.Output);
        Assert.Contains("(the first 20 of 60000 samples;", child.Output);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(temp["run"], "metrics.csv")).Length);
    }

    [Fact]
    public void The_trainers_activations_are_one_batchs_and_a_capture_holds_a_bounded_set_of_samples()
    {
        var pairs = BertGen.Data.Corpus.Parse(Corpus(1_000), "large");
        var run = TrainingRun.Start(SeedBert.Definition, pairs, new TrainingOptions { Epochs = 1, CaptureEpochs = [1] });
        run.Train();

        int stride = run.Model.Activations.Length;
        Assert.Equal(2L * SeedBert.BatchSize * stride, run.Trainer.ActivationValues);
        Assert.Equal((int)Math.Min(1_000, (64L << 20) / (4L * stride)), run.CaptureSamples);
        Assert.Equal(run.CaptureSamples, run.Captures.Capture(1).SampleCount);

        var few = TrainingRun.Start(SeedBert.Definition, pairs, new TrainingOptions { Epochs = 1, CaptureEpochs = [1], CaptureSamples = 10 });
        few.Train();
        Assert.Equal(10, few.Captures.Capture(1).SampleCount);
        Assert.Equal(10, new BertGen.Explore.Explorer(few.Captures).Run.Samples.Count);
    }

    /// <summary>Random pairs of words from a vocabulary of 200, each fitting a sample of 14 tokens.</summary>
    private static string Corpus(int pairs)
    {
        var random = new SeededRandom(3);
        var text = new StringBuilder();
        string Sentence() => string.Join(' ', Enumerable.Range(0, 2 + random.NextInt(4)).Select(_ => "w" + random.NextInt(200).ToString(CultureInfo.InvariantCulture)));
        for (int i = 0; i < pairs; i++)
        {
            text.Append(Sentence()).Append(". | ").Append(Sentence()).Append(". | ").Append(random.NextInt(2) == 1 ? "IsNext" : "NotNext").Append('\n');
        }

        return text.ToString();
    }
}
