namespace BertGen.Data;

/// <summary>
/// Turns sentence pairs into model inputs: [CLS] first [SEP] second [SEP], padded to maxLen, the second sentence's
/// tokens in segment 1 (training pairs, and new pairs to ask the model about, with [MASK] in them). A pair's pinned words
/// become [MASK]; a pair without pins has n = min(maxPred, max(1, round(0.15 * real tokens))) word positions masked at
/// random: 80% become [MASK], 10% a random word, 10% stay.
/// </summary>
public sealed class SampleEncoder
{
    private readonly Vocabulary _vocabulary;
    private readonly int _maxLen;
    private readonly int _maxPred;

    /// <summary>An encoder for a model of <paramref name="maxLen"/> tokens and <paramref name="maxPred"/> masked slots per sample.</summary>
    public SampleEncoder(Vocabulary vocabulary, int maxLen, int maxPred)
    {
        _vocabulary = vocabulary;
        _maxLen = maxLen;
        _maxPred = maxPred;
    }

    /// <summary>The unmasked, unpadded ids of a pair: [CLS] first [SEP] second [SEP].</summary>
    /// <exception cref="InputException">A word is not in the vocabulary, or the pair does not fit maxLen.</exception>
    public int[] Tokens(SentencePair pair, string source)
    {
        var first = Tokenizer.Words(pair.First);
        var second = Tokenizer.Words(pair.Second);
        int length = first.Length + second.Length + 3;
        if (length > _maxLen)
        {
            throw new InputException(
                $"{source}:{pair.Line}: the pair has {length} tokens with [CLS] and two [SEP], but maxLen is {_maxLen}; shorten it or raise maxLen in bertgen.json.");
        }

        var ids = new List<int>(length) { Vocabulary.Cls };
        AddWords(first, ids, pair, source);
        ids.Add(Vocabulary.Sep);
        AddWords(second, ids, pair, source);
        ids.Add(Vocabulary.Sep);
        return ids.ToArray();
    }

    /// <summary>Encodes and masks one pair, drawing the masked positions and replacements from <paramref name="random"/>.</summary>
    public EncodedSample Encode(SentencePair pair, string source, SeededRandom random)
    {
        var tokens = Tokens(pair, source);
        var (inputIds, segmentIds) = Pack(tokens);
        var maskedPositions = new int[_maxPred];
        var maskedTokens = new int[_maxPred];
        if (pair.Pins is { Count: > 0 } pins)
        {
            // Pinned words are always [MASK], and take nothing from the random stream.
            var positions = PinnedPositions(tokens, pins, pair, source);
            for (int m = 0; m < positions.Length; m++)
            {
                maskedPositions[m] = positions[m];
                maskedTokens[m] = tokens[positions[m]];
                inputIds[positions[m]] = Vocabulary.Mask;
            }
        }
        else
        {
            var candidates = Enumerable.Range(0, tokens.Length).Where(t => tokens[t] >= Vocabulary.FirstWord).ToArray();
            int count = Math.Min(_maxPred, Math.Max(1, (int)Math.Round(0.15 * tokens.Length, MidpointRounding.ToEven)));
            count = Math.Min(count, candidates.Length);
            random.Shuffle(candidates.AsSpan());
            var positions = candidates[..count];
            Array.Sort(positions);
            for (int m = 0; m < positions.Length; m++)
            {
                int at = positions[m];
                maskedPositions[m] = at;
                maskedTokens[m] = tokens[at];
                if (random.NextDouble() < 0.8)
                {
                    inputIds[at] = Vocabulary.Mask;
                }
                else if (random.NextDouble() < 0.5)
                {
                    inputIds[at] = Vocabulary.FirstWord + random.NextInt(_vocabulary.Count - Vocabulary.FirstWord);
                }
            }
        }

        return new EncodedSample(pair.Text, inputIds, segmentIds, maskedPositions, maskedTokens, pair.IsNext);
    }

    /// <summary>
    /// A new pair to ask the model about: its words as the run's vocabulary has them, and each [MASK] written in it a
    /// masked slot (whose word is not known, so its masked token is [MASK]).
    /// </summary>
    /// <exception cref="InputException">A sentence has no words, a word is not in the vocabulary, or the pair has too many tokens or [MASK]s.</exception>
    public EncodedSample Question(string first, string second)
    {
        var tokens = new List<int> { Vocabulary.Cls };
        tokens.AddRange(QuestionWords(first, "first"));
        tokens.Add(Vocabulary.Sep);
        tokens.AddRange(QuestionWords(second, "second"));
        tokens.Add(Vocabulary.Sep);
        if (tokens.Count > _maxLen)
        {
            throw new InputException($"the pair has {tokens.Count} tokens with [CLS] and two [SEP], but the model takes at most {_maxLen} (maxLen).");
        }

        var masks = Enumerable.Range(0, tokens.Count).Where(t => tokens[t] == Vocabulary.Mask).ToArray();
        if (masks.Length > _maxPred)
        {
            throw new InputException($"the pair has {masks.Length} [MASK]s, but the model predicts at most {_maxPred} per sample (maxPred).");
        }

        var (inputIds, segmentIds) = Pack(tokens.ToArray());
        var maskedPositions = new int[_maxPred];
        var maskedTokens = new int[_maxPred];
        masks.CopyTo(maskedPositions, 0);
        Array.Fill(maskedTokens, Vocabulary.Mask, 0, masks.Length);
        return new EncodedSample(first + " " + second, inputIds, segmentIds, maskedPositions, maskedTokens, false);
    }

    /// <summary>The ids padded to maxLen, and the segment ids: 0 up to the first [SEP], 1 after it.</summary>
    private (int[] InputIds, int[] SegmentIds) Pack(int[] tokens)
    {
        var inputIds = new int[_maxLen];
        var segmentIds = new int[_maxLen];
        tokens.CopyTo(inputIds, 0);
        int firstSep = Array.IndexOf(tokens, Vocabulary.Sep);
        for (int t = firstSep + 1; t < tokens.Length; t++)
        {
            segmentIds[t] = 1;
        }

        return (inputIds, segmentIds);
    }

    private IEnumerable<int> QuestionWords(string sentence, string which)
    {
        var words = Tokenizer.Words(sentence);
        if (words.Length == 0)
        {
            throw new InputException($"the {which} sentence has no words.");
        }

        foreach (var word in words)
        {
            if (word == "[mask]")
            {
                yield return Vocabulary.Mask;
            }
            else if (_vocabulary.TryGetId(word, out int id) && id >= Vocabulary.FirstWord)
            {
                yield return id;
            }
            else
            {
                throw new InputException($"the word '{word}' is not in the vocabulary of the run ({_vocabulary.Count} tokens; see its vocab.txt).");
            }
        }
    }

    /// <summary>The positions the pins name, in order along the pair: each pin the first occurrence of its word not pinned yet.</summary>
    private int[] PinnedPositions(int[] tokens, IReadOnlyList<string> pins, SentencePair pair, string source)
    {
        if (pins.Count > _maxPred)
        {
            throw new InputException(
                $"{source}:{pair.Line}: the pair pins {pins.Count} words, but the model masks at most {_maxPred} per sample (maxPred in bertgen.json).");
        }

        var taken = new bool[tokens.Length];
        var positions = new int[pins.Count];
        for (int p = 0; p < pins.Count; p++)
        {
            if (!_vocabulary.TryGetId(pins[p], out int id) || id < Vocabulary.FirstWord)
            {
                throw new InputException($"{source}:{pair.Line}: the pin '{pins[p]}' is not a word of the vocabulary.");
            }

            int at = Enumerable.Range(0, tokens.Length).FirstOrDefault(t => tokens[t] == id && !taken[t], -1);
            if (at < 0)
            {
                throw new InputException($"{source}:{pair.Line}: the pin '{pins[p]}' is not a word of the pair.");
            }

            taken[at] = true;
            positions[p] = at;
        }

        Array.Sort(positions);
        return positions;
    }

    private void AddWords(string[] words, List<int> ids, SentencePair pair, string source)
    {
        foreach (var word in words)
        {
            if (!_vocabulary.TryGetId(word, out int id))
            {
                throw new InputException($"{source}:{pair.Line}: the word '{word}' is not in the vocabulary.");
            }

            ids.Add(id);
        }
    }
}
