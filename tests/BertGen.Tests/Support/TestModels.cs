namespace BertGen.Tests.Support;

/// <summary>The models generated from tests/BertGen.Tests/Models/*.bertgen.json, by file stem.</summary>
internal static class TestModels
{
    public static IBertModel Create(string name, int vocabSize) => name switch
    {
        "seed" => new SeedBert(vocabSize),
        "odd" => new OddBert(vocabSize),
        "plain" => new PlainBert(vocabSize),
        "wide" => new WideBert(vocabSize),
        "deep" => new DeepHeadBert(vocabSize),
        "long" => new LongBert(vocabSize),
        _ => throw new ArgumentException($"no test model '{name}'", nameof(name)),
    };
}
