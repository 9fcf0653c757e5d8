using BertGen.Data;
using BertGen.Runs;
using BertGen.Tests.Support;

namespace BertGen.Tests.Training;

public sealed class TrainingRunTests
{
    [Fact]
    public void Default_run_predicts_every_masked_word_and_IsNext_flag_within_5000_epochs()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions(), temp["run"], TrainingRun.DefaultCorpusName);

        var result = run.Train();

        Assert.Equal(5000, run.Metrics.Count);
        Assert.Equal(1.0, result.Final.MlmAccuracy);
        Assert.Equal(1.0, result.Final.NspAccuracy);
        Assert.All(result.Predictions, p => Assert.True(p.AllCorrect, MaskedInput.Plain(p.Input)));
        // The article's Figure 17: its words, every one predicted right.
        Assert.Equal(
            ["cat chase", "buy go", "milk shop", "mouse fast", "sun stars", "night hill"],
            result.Predictions.Select(p => string.Join(' ', p.Masks.Select(m => m.PredictedId).Select(id => run.Data.Vocabulary[id]))));
        Assert.Equal([false, false, true, false, false, true], result.Predictions.Select(p => p.IsNext.Predicted));
        Assert.True(run.Metrics[^1].Loss < run.Metrics[0].Loss / 100, "the loss falls by two orders of magnitude");
    }

    [Fact]
    public void Two_runs_with_the_same_seed_write_byte_identical_metrics()
    {
        using var temp = new TempFolder();
        byte[] Metrics(string name, ulong seed)
        {
            var run = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 300, Seed = seed }, temp[name], TrainingRun.DefaultCorpusName);
            run.Train();
            return File.ReadAllBytes(run.Folder!.MetricsFile);
        }

        var first = Metrics("a", 7);
        Assert.Equal(first, Metrics("b", 7));
        Assert.NotEqual(first, Metrics("c", 8));
    }

    [Fact]
    public void A_run_writes_its_folder()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 20, SaveEvery = 8 }, temp["run"], TrainingRun.DefaultCorpusName);
        run.Train();
        var folder = run.Folder!;

        Assert.Equal([".lock", "captures", "checkpoints", "config.json", "corpus.txt", "metrics.csv", "samples.json", "vocab.txt"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).Order());
        Assert.Equal(
            ["epoch-000000.optimizer.safetensors", "epoch-000000.safetensors", "epoch-000008.optimizer.safetensors", "epoch-000008.safetensors",
             "epoch-000016.optimizer.safetensors", "epoch-000016.safetensors", "epoch-000020.optimizer.safetensors", "epoch-000020.safetensors"],
            Directory.GetFiles(folder.CheckpointsDirectory).Select(Path.GetFileName).Order());
        var lines = File.ReadAllLines(folder.MetricsFile);
        Assert.Equal("epoch,loss,mlm_loss,nsp_loss,mlm_accuracy,nsp_accuracy", lines[0]);
        Assert.Equal(21, lines.Length);
        Assert.StartsWith("1,", lines[1]);
        Assert.StartsWith("20,", lines[^1]);
        Assert.Equal(run.Data.Vocabulary.Tokens, File.ReadAllLines(folder.VocabularyFile));

        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(folder.ConfigFile));
        Assert.Equal(42, config.RootElement.GetProperty("model").GetProperty("vocabSize").GetInt32());
        Assert.Equal(20, config.RootElement.GetProperty("training").GetProperty("epochs").GetInt32());
        using var samples = System.Text.Json.JsonDocument.Parse(File.ReadAllText(folder.SamplesFile));
        var first = samples.RootElement[0];
        Assert.Equal("The cat chased the mouse. It was a fast chase.", first.GetProperty("text").GetString());
        Assert.Equal(14, first.GetProperty("inputIds").GetArrayLength());
        Assert.Equal(2, first.GetProperty("maskedPositions").GetArrayLength());
        Assert.False(first.GetProperty("isNext").GetBoolean());
    }

    [Fact]
    public void A_configuration_that_fixes_another_vocabulary_size_is_refused_with_both_sizes()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<InputException>(() => TrainingRun.Start(FixedVocabBert.Definition, Corpus.Default, new TrainingOptions(), temp["run"], TrainingRun.DefaultCorpusName));

        Assert.Equal("default: fixed.bertgen.json fixes vocabSize at 30, but the vocabulary has 42 tokens; change vocabSize there or remove it to let the corpus decide.", e.Message);
        Assert.False(Directory.Exists(temp["run"]), "nothing is written for a run that cannot start");
    }

    [Fact]
    public void A_run_never_writes_into_a_folder_that_holds_files()
    {
        using var temp = new TempFolder();
        temp.Write("keep.txt", "saved");

        var e = Assert.Throws<SettingException>(() => TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions(), temp.Path, TrainingRun.DefaultCorpusName));

        Assert.Equal($"'{temp.Path}' already exists and is not an empty folder; choose another folder, or remove it first.", e.Message);
        Assert.Equal("saved", File.ReadAllText(temp["keep.txt"]));
    }
}
