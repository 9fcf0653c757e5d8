namespace BertGen.Data;

/// <summary>A corpus made ready to train on: its vocabulary and its encoded, masked samples.</summary>
public sealed class TrainingData
{
    private readonly SampleEncoder _encoder;
    private readonly string _source;

    private TrainingData(IReadOnlyList<SentencePair>? pairs, string source, Vocabulary vocabulary, SampleEncoder encoder, EncodedSample[] samples)
    {
        Pairs = pairs;
        _source = source;
        Vocabulary = vocabulary;
        _encoder = encoder;
        Samples = samples;
    }

    /// <summary>The corpus pairs, or null for data restored without them (which cannot be masked again).</summary>
    public IReadOnlyList<SentencePair>? Pairs { get; }

    /// <summary>The vocabulary the samples are encoded in.</summary>
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

    /// <summary>
    /// Training data as a run folder saved it: its vocabulary and masked samples, with the corpus pairs when new masks
    /// are to be drawn later.
    /// </summary>
    /// <exception cref="InputException">The pairs and samples do not match.</exception>
    public static TrainingData Restore(
        IReadOnlyList<SentencePair>? pairs, string source, Vocabulary vocabulary, IReadOnlyList<EncodedSample> samples, int maxLen, int maxPred)
    {
        if (pairs is not null && pairs.Count != samples.Count)
        {
            throw new InputException($"{source} has {pairs.Count} pairs, but the run trained on {samples.Count}.");
        }

        return new TrainingData(pairs, source, vocabulary, new SampleEncoder(vocabulary, maxLen, maxPred), samples.ToArray());
    }

    /// <summary>Draws new masks for every sample (dynamic masking).</summary>
    public void Remask(SeededRandom random) =>
        Samples = (Pairs ?? throw new InvalidOperationException("This data was restored without its corpus and cannot be masked again."))
            .Select(p => _encoder.Encode(p, _source, random)).ToArray();
}
