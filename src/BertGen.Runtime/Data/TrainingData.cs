namespace BertGen.Data;

/// <summary>A corpus made ready to train on: its vocabulary and its encoded, masked samples.</summary>
public sealed class TrainingData
{
    private readonly SampleEncoder _encoder;
    private readonly string _source;

    private TrainingData(IReadOnlyList<SentencePair> pairs, string source, Vocabulary vocabulary, SampleEncoder encoder, EncodedSample[] samples)
    {
        Pairs = pairs;
        _source = source;
        Vocabulary = vocabulary;
        _encoder = encoder;
        Samples = samples;
    }

    public IReadOnlyList<SentencePair> Pairs { get; }

    public Vocabulary Vocabulary { get; }

    /// <summary>One sample per pair, in corpus order.</summary>
    public IReadOnlyList<EncodedSample> Samples { get; private set; }

    /// <summary>
    /// Builds the vocabulary (unless one is given), encodes every pair and masks it once with <paramref name="random"/>.
    /// </summary>
    /// <exception cref="InputException">A pair does not fit maxLen, or uses a word the given vocabulary lacks.</exception>
    public static TrainingData Create(
        IReadOnlyList<SentencePair> pairs, string source, int maxLen, int maxPred, SeededRandom random, Vocabulary? vocabulary = null)
    {
        vocabulary ??= Vocabulary.FromCorpus(pairs);
        var encoder = new SampleEncoder(vocabulary, maxLen, maxPred);
        var samples = pairs.Select(p => encoder.Encode(p, source, random)).ToArray();
        return new TrainingData(pairs, source, vocabulary, encoder, samples);
    }

    /// <summary>Draws new masks for every sample (dynamic masking).</summary>
    public void Remask(SeededRandom random) =>
        Samples = Pairs.Select(p => _encoder.Encode(p, _source, random)).ToArray();
}
