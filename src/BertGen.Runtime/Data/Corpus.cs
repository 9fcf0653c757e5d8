namespace BertGen.Data;

/// <summary>
/// Sentence pairs with their IsNext labels. A corpus file holds one pair per line, three or four fields separated by
/// '|': <c>first sentence | second sentence | IsNext</c> (or <c>NotNext</c>), then, optionally, the words to mask,
/// separated by commas (<c>| cat, chase</c>). Blank lines and lines starting with '#' are skipped.
/// </summary>
/// <remarks>
/// A pinned word names a word of the pair; each pin masks the first occurrence not pinned already, so <c>the, the</c>
/// pins both. A pinned word always becomes [MASK]. A pair without pins is masked by the seeded 15% / 80-10-10 draw.
/// </remarks>
public static class Corpus
{
    /// <summary>
    /// The six pairs of the article: its four with its summary table's labels and masks (Figures 6, 8 and 17), its
    /// opening example with Figure 1's masks, and a pair that completes it.
    /// </summary>
    public static IReadOnlyList<SentencePair> Default { get; } = Parse(
        """
        The cat chased the mouse. | It was a fast chase. | NotNext | cat, chase
        I need to buy milk. | Please go to the store. | NotNext | buy, go
        Buy me some milk. | Please visit the shop. | IsNext | milk, shop
        The mouse ran quickly. | It was too fast. | NotNext | mouse, fast
        The sun is hot. | The stars are bright. | NotNext | sun, stars
        The stars shine at night. | We see them from the hill. | IsNext | night, hill
        """,
        "the default corpus");

    /// <summary>Reads a corpus file.</summary>
    /// <exception cref="InputException">The file cannot be read, is not UTF-8, or a line is not a labelled pair.</exception>
    public static IReadOnlyList<SentencePair> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"cannot read the corpus '{path}': there is no such file.");
        }

        return Parse(IO.TextFile.Read(path), path);
    }

    /// <summary>Parses corpus text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InputException">A line is not a labelled pair, or there is no pair at all.</exception>
    public static IReadOnlyList<SentencePair> Parse(string text, string source)
    {
        var pairs = new List<SentencePair>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            pairs.Add(ParseLine(line, source, i + 1));
        }

        if (pairs.Count == 0)
        {
            throw new InputException(
                $"{source}: no sentence pairs; write one pair per line as 'first sentence | second sentence | IsNext' (or NotNext).");
        }

        return pairs;
    }

    /// <summary>
    /// The pairs as corpus file text, one line each, which <see cref="Parse"/> reads back as the same pairs.
    /// </summary>
    /// <exception cref="InputException">A sentence holds '|' or a line break, which a corpus line cannot.</exception>
    public static string Format(IReadOnlyList<SentencePair> pairs)
    {
        var text = new System.Text.StringBuilder("# first sentence | second sentence | IsNext or NotNext | words to mask (optional)\n");
        foreach (var pair in pairs)
        {
            Check(pair, $"pair {pair.Line}");
            text.Append(pair.First.Trim()).Append(" | ").Append(pair.Second.Trim()).Append(" | ").Append(pair.IsNext ? "IsNext" : "NotNext");
            if (pair.Pins is { Count: > 0 } pins)
            {
                text.Append(" | ").Append(string.Join(", ", pins));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Checks that <paramref name="pair"/> can be written as a corpus line, has words in both sentences, and pins only
    /// words it has.
    /// </summary>
    /// <exception cref="InputException">It cannot, or it does not; the message names the pair.</exception>
    public static void Check(SentencePair pair) => Check(pair, $"pair {pair.Line}");

    private static void Check(SentencePair pair, string where)
    {
        foreach (var (sentence, which) in new[] { (pair.First, "first"), (pair.Second, "second") })
        {
            if (sentence.Contains('|') || sentence.Contains('\n') || sentence.Contains('\r'))
            {
                throw new InputException($"{where}: a sentence cannot hold '|' or a line break (\"{sentence}\").");
            }

            if (Tokenizer.Words(sentence).Length == 0)
            {
                throw new InputException($"{where}: the {which} sentence has no words.");
            }
        }

        CheckPins(pair, where);
    }

    /// <summary>Every pin is one word of the pair, not a special token, and pinned no more often than the pair holds it.</summary>
    private static void CheckPins(SentencePair pair, string where)
    {
        if (pair.Pins is not { Count: > 0 } pins)
        {
            return;
        }

        var words = Tokenizer.Words(pair.First).Concat(Tokenizer.Words(pair.Second)).ToList();
        foreach (var group in pins.GroupBy(p => p, StringComparer.Ordinal))
        {
            string pin = group.Key;
            if (Vocabulary.Specials.FirstOrDefault(s => s.Equals(pin, StringComparison.OrdinalIgnoreCase)) is { } special)
            {
                throw new InputException($"{where}: the pin '{pin}' is the special token {special}; pin words of the two sentences, such as '{words[0]}'.");
            }

            if (pin.Length == 0 || Tokenizer.Words(pin) is not [var word] || word != pin)
            {
                throw new InputException($"{where}: the pin '{pin}' is not one word as the tokenizer writes it (lower case, no . , ! ? -); separate pins with commas.");
            }

            int present = words.Count(w => w == pin);
            if (present == 0)
            {
                throw new InputException($"{where}: the pin '{pin}' is not a word of the pair; pins name words of the two sentences, such as '{words[0]}'.");
            }

            if (group.Count() > present)
            {
                throw new InputException($"{where}: '{pin}' is pinned {group.Count()} times, but the pair holds it {present} time(s).");
            }
        }
    }

    private static SentencePair ParseLine(string line, string source, int number)
    {
        string where = $"{source}:{number}";
        var fields = line.Split('|');
        if (fields.Length is not (3 or 4))
        {
            throw new InputException(
                $"{where}: expected 3 fields separated by '|' (first sentence | second sentence | IsNext or NotNext), and optionally a fourth with the words to mask, found {fields.Length}.");
        }

        string first = fields[0].Trim(), second = fields[1].Trim(), label = fields[2].Trim();
        if (Tokenizer.Words(first).Length == 0)
        {
            throw new InputException($"{where}: the first sentence has no words.");
        }

        if (Tokenizer.Words(second).Length == 0)
        {
            throw new InputException($"{where}: the second sentence has no words.");
        }

        bool isNext = label.ToLowerInvariant() switch
        {
            "isnext" => true,
            "notnext" => false,
            _ => throw new InputException($"{where}: the label is '{label}'; write IsNext or NotNext."),
        };
        string[]? pins = fields.Length == 4 ? fields[3].Split(',').Select(p => p.Trim().ToLowerInvariant()).ToArray() : null;
        if (pins is [""])
        {
            throw new InputException($"{where}: the fourth field is empty; name the words to mask, such as 'cat, chase', or leave out the field.");
        }

        var pair = new SentencePair(first, second, isNext, number, pins);
        CheckPins(pair, where);
        return pair;
    }
}
