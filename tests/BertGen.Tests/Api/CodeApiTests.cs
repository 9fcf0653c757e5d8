using BertGen.Captures;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;
using BertGen.Tests.Support;

namespace BertGen.Tests.Api;

/// <summary>BertGen used from code: models found by their assembly, training from pairs in memory, with or without a folder.</summary>
public sealed class CodeApiTests
{
    private static readonly SentencePair[] Pairs =
    [
        new("The cat chased the mouse.", "It was a fast chase.", IsNext: false),
        new("Buy me some milk.", "Please visit the shop.", IsNext: true),
        new("The sun is hot.", "The stars are bright.", IsNext: false),
    ];

    [Fact]
    public void The_models_of_an_assembly_are_found_without_naming_them()
    {
        var models = ModelDefinition.In(typeof(SeedBert).Assembly);

        Assert.Equal(["DeepHeadBert", "FixedVocabBert", "HfBert", "LongBert", "OddBert", "PlainBert", "SeedBert", "WideBert"], models.Select(m => m.Name));
        var seed = models.Single(m => m.Name == "SeedBert");
        Assert.Same(SeedBert.Definition, seed);
        Assert.Equal(new SeedBert(42).Config, seed.Create(42).Config);
        Assert.Equal(0, seed.Shape.VocabSize);
        Assert.Equal(30, models.Single(m => m.Name == "FixedVocabBert").Shape.VocabSize);
    }

    [Fact]
    public void A_run_in_memory_captures_the_same_values_as_a_run_in_a_folder_and_writes_nothing()
    {
        using var temp = new TempFolder();
        var options = new TrainingOptions { Epochs = 8, CaptureEpochs = [0, 3, 8] };
        var inMemory = TrainingRun.Start(SeedBert.Definition, Pairs, options);
        var onDisk = TrainingRun.Start(SeedBert.Definition, Pairs, options, temp["run"]);
        var memoryResult = inMemory.Train();
        onDisk.Train();

        Assert.Null(inMemory.Folder);
        Assert.Null(memoryResult.Checkpoint);
        Assert.True(inMemory.Captures.InMemory);
        Assert.Equal([0, 3, 8], inMemory.Captures.CapturedEpochs);
        var fromMemory = new Explorer(inMemory.Captures);
        var fromFolder = new Explorer(RunArchive.Open(temp["run"]));
        foreach (int epoch in new[] { 0, 3, 8 })
        {
            foreach (var query in new[]
            {
                new TensorQuery(1, epoch, "attn", Layer: 1, Head: 4), new TensorQuery(2, epoch, "logits_lm"),
                new TensorQuery(0, epoch, "bert.encoder.layer.0.attention.self.query.weight.grad"),
            })
            {
                var a = fromMemory.Tensor(query);
                var b = fromFolder.Tensor(query);
                Assert.Equal(b.Values, a.Values);
                Assert.Equal(b.RowLabels, a.RowLabels);
                Assert.Equal(b.ColumnLabels, a.ColumnLabels);
            }
        }

        Assert.Equal(8, inMemory.Captures.Metrics.Count);
        Assert.Equal(RunArchive.Open(temp["run"]).Metrics, inMemory.Captures.Metrics);
    }

    [Fact]
    public void A_run_in_memory_predicts_as_its_checkpoint_does()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(SeedBert.Definition, Pairs, new TrainingOptions { Epochs = 30, CaptureEpochs = [] }, temp["run"]);
        run.Train();

        var fromRun = Predictor.FromRun(run).Predict("the [MASK] chased the mouse.", "it was a fast [MASK].");
        var fromCheckpoint = Predictor.Load(RunArchive.Open(temp["run"]), SeedBert.Definition, null).Predict("the [MASK] chased the mouse.", "it was a fast [MASK].");

        Assert.Equal(fromCheckpoint.Masks.SelectMany(m => m.Top), fromRun.Masks.SelectMany(m => m.Top));
        Assert.Equal(fromCheckpoint.IsNext.Probability, fromRun.IsNext.Probability);
    }

    [Fact]
    public void Pairs_given_in_code_are_named_by_their_place_in_errors()
    {
        SentencePair[] pairs = [.. Pairs, new("A | B", "c", IsNext: true)];

        var e = Assert.Throws<InputException>(() => TrainingRun.Start(SeedBert.Definition, pairs, new TrainingOptions()));

        Assert.Equal("pair 4: a sentence cannot hold '|' or a line break (\"A | B\").", e.Message);
    }

    [Fact]
    public void A_folder_run_keeps_its_pairs_so_that_a_resume_needs_no_corpus_file()
    {
        using var temp = new TempFolder();
        TrainingRun.Start(SeedBert.Definition, Pairs, new TrainingOptions { Epochs = 4, DynamicMasking = true, SaveEvery = 2, CaptureEpochs = [] }, temp["run"], "pairs").Train();

        Assert.Equal(Pairs.Select(p => (p.First, p.Second, p.IsNext)), new RunFolder(temp["run"]).ReadCorpus()!.Select(p => (p.First, p.Second, p.IsNext)));
        var resumed = TrainingRun.Resume(SeedBert.Definition, temp["run"], new ResumeOptions { Epochs = 6, CaptureEpochs = [] });
        Assert.Equal(TrainingOutcome.Completed, resumed.Train().Outcome);
    }
}
