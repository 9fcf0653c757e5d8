using BertGen.Data;
using BertGen.Explore;
using BertGen.Runs;

namespace BertGen.Tests.Support;

/// <summary>
/// The default run (the six pairs, seed 1, 5000 epochs) trained once for a collection of tests, capturing epochs 0,
/// 10 and 5000, in a temporary folder.
/// </summary>
public sealed class DefaultRunFixture : IDisposable
{
    private readonly TempFolder _temp = new();

    public DefaultRunFixture()
    {
        Path = _temp["default-run"];
        var run = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { CaptureEpochs = [0, 10, 5000] }, Path, TrainingRun.DefaultCorpusName);
        Result = run.Train();
        Vocabulary = run.Data.Vocabulary;
        Explorer = new Explorer(RunArchive.Open(Path));
    }

    public string Path { get; }

    public TrainingResult Result { get; }

    public BertGen.Data.Vocabulary Vocabulary { get; }

    public Explorer Explorer { get; }

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class DefaultRunCollection : ICollectionFixture<DefaultRunFixture>
{
    public const string Name = "default run";
}
