namespace BertGen.Data;

/// <summary>
/// Sentence pairs with their IsNext labels. A corpus file holds one pair per line, three fields separated by '|':
/// <c>first sentence | second sentence | IsNext</c> (or <c>NotNext</c>). Blank lines and lines starting with '#' are skipped.
/// </summary>
public static class Corpus
{
    /// <summary>
    /// The six pairs of SPEC §4: the article's four with its summary table's labels, its opening example, and the pair
    /// that completes it.
    /// </summary>
    public static IReadOnlyList<SentencePair> Default { get; } = Parse(
        """
        The cat chased the mouse. | It was a fast chase. | NotNext
        I need to buy milk. | Please go to the store. | NotNext
        Buy me some milk. | Please visit the shop. | IsNext
        The mouse ran quickly. | It was too fast. | NotNext
        The sun is hot. | The stars are bright. | NotNext
        The stars shine at night. | We see them from the hill. | IsNext
        """,
        "the default corpus");

    /// <summary>Reads a corpus file.</summary>
    /// <exception cref="InputException">The file cannot be read, or a line is not a labelled pair.</exception>
    public static IReadOnlyList<SentencePair> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InputException($"cannot read the corpus '{path}': {e.Message}", e);
        }

        return Parse(text, path);
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
        var text = new System.Text.StringBuilder("# first sentence | second sentence | IsNext or NotNext\n");
        foreach (var pair in pairs)
        {
            Check(pair);
            text.Append(pair.First.Trim()).Append(" | ").Append(pair.Second.Trim()).Append(" | ").Append(pair.IsNext ? "IsNext" : "NotNext").Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Checks that <paramref name="pair"/> can be written as a corpus line and has words in both sentences.</summary>
    /// <exception cref="InputException">It cannot; the message names the pair.</exception>
    public static void Check(SentencePair pair)
    {
        foreach (var sentence in new[] { pair.First, pair.Second })
        {
            if (sentence.Contains('|') || sentence.Contains('\n') || sentence.Contains('\r'))
            {
                throw new InputException($"pair {pair.Line}: a sentence cannot hold '|' or a line break (\"{sentence}\").");
            }

            if (Tokenizer.Words(sentence).Length == 0)
            {
                throw new InputException($"pair {pair.Line}: the sentence \"{sentence}\" has no words.");
            }
        }
    }

    private static SentencePair ParseLine(string line, string source, int number)
    {
        string where = $"{source}:{number}";
        var fields = line.Split('|');
        if (fields.Length != 3)
        {
            throw new InputException(
                $"{where}: expected 3 fields separated by '|' (first sentence | second sentence | IsNext or NotNext), found {fields.Length}.");
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
        return new SentencePair(first, second, isNext, number);
    }
}
