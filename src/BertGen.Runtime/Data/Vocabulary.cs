using System.Collections.ObjectModel;

namespace BertGen.Data;

/// <summary>
/// Token ids: the four special tokens, then words in order of first appearance (docs/ARCHITECTURE.md, "Data").
/// </summary>
public sealed class Vocabulary
{
    /// <summary>[PAD]: fills a sample up to maxLen; a masked slot holding it is padding.</summary>
    public const int Pad = 0;
    /// <summary>[CLS]: starts every sample; the IsNext head reads its output.</summary>
    public const int Cls = 1;
    /// <summary>[SEP]: ends each sentence.</summary>
    public const int Sep = 2;
    /// <summary>[MASK]: hides a word for the masked-language model.</summary>
    public const int Mask = 3;

    /// <summary>Id of the first word: every id below it is a special token.</summary>
    public const int FirstWord = 4;

    /// <summary>The special tokens, at their ids.</summary>
    public static readonly ReadOnlyCollection<string> Specials = new(["[PAD]", "[CLS]", "[SEP]", "[MASK]"]);

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    /// <summary>A vocabulary whose line i is token i; the first four must be the special tokens.</summary>
    public Vocabulary(IEnumerable<string> tokens)
    {
        _tokens = tokens.ToArray();
        for (int i = 0; i < Specials.Count; i++)
        {
            if (_tokens.Length <= i || _tokens[i] != Specials[i])
            {
                throw new FormatException($"line {i + 1} of a vocabulary must be {Specials[i]}.");
            }
        }

        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
        {
            if (_tokens[i].Length == 0 || _tokens[i].Any(char.IsWhiteSpace))
            {
                throw new FormatException($"line {i + 1} of a vocabulary is empty or holds white space.");
            }

            if (!_ids.TryAdd(_tokens[i], i))
            {
                throw new FormatException($"line {i + 1} of a vocabulary repeats '{_tokens[i]}' (first on line {_ids[_tokens[i]] + 1}).");
            }
        }
    }

    /// <summary>Tokens, special ones included.</summary>
    public int Count => _tokens.Length;

    /// <summary>Every token; index i is id i.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The token of <paramref name="id"/>.</summary>
    public string this[int id] => _tokens[id];

    /// <summary>Builds the vocabulary of a corpus: specials, then each word the first time it appears.</summary>
    public static Vocabulary FromCorpus(IEnumerable<SentencePair> pairs)
    {
        var words = new List<string>(Specials);
        var seen = new HashSet<string>(Specials, StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            foreach (var word in Tokenizer.Words(pair.First).Concat(Tokenizer.Words(pair.Second)))
            {
                if (seen.Add(word))
                {
                    words.Add(word);
                }
            }
        }

        return new Vocabulary(words);
    }

    /// <summary>The id of <paramref name="token"/>, if the vocabulary has it.</summary>
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>Tokens joined by spaces, e.g. "[CLS] the [MASK] chased ...".</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var words = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            words[i] = ids[i] >= 0 && ids[i] < _tokens.Length ? _tokens[ids[i]] : $"<{ids[i]}>";
        }

        return string.Join(' ', words);
    }
}
