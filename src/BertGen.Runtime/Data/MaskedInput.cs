namespace BertGen.Data;

/// <summary>What a token of a masked input is: a word as written, a special token, or a masked slot of one of three kinds.</summary>
public enum TokenMark
{
    /// <summary>A word the masking left alone.</summary>
    Word,

    /// <summary>[CLS] or [SEP].</summary>
    Special,

    /// <summary>[PAD], after the pair.</summary>
    Padding,

    /// <summary>A masked slot shown as [MASK] (80% of the draw, and every pinned word).</summary>
    Masked,

    /// <summary>A masked slot whose word the 80-10-10 rule replaced by a random word (10%).</summary>
    Replaced,

    /// <summary>A masked slot whose word the 80-10-10 rule kept as it was (10%); the model still predicts it.</summary>
    Kept,
}

/// <summary>One token of a masked input, with its mark and, for a masked slot, the word behind it.</summary>
/// <param name="Text">The token the model reads.</param>
/// <param name="Mark">What it is.</param>
/// <param name="Original">For a masked slot, the word behind it; otherwise null.</param>
public sealed record MarkedToken(string Text, TokenMark Mark, string? Original = null);

/// <summary>
/// A masked input token by token, so that a view can show which words are [MASK], which the 80-10-10 rule replaced and
/// which it kept: in colour, or as plain text where <c>~word~</c> is a replacement and <c>_word_</c> a kept word.
/// </summary>
public static class MaskedInput
{
    /// <summary>What the plain-text marks mean.</summary>
    public const string Legend = "[MASK] masked; ~word~ a random word in a masked slot; _word_ a masked slot that kept its word";

    /// <summary>The marked tokens of one sample's inputs.</summary>
    public static IReadOnlyList<MarkedToken> Of(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> maskedPositions, ReadOnlySpan<int> maskedTokens, Vocabulary vocabulary)
    {
        var slots = new Dictionary<int, int>();
        for (int m = 0; m < maskedPositions.Length; m++)
        {
            if (maskedTokens[m] != Vocabulary.Pad)
            {
                slots[maskedPositions[m]] = maskedTokens[m];
            }
        }

        var tokens = new List<MarkedToken>(inputIds.Length);
        for (int t = 0; t < inputIds.Length; t++)
        {
            int id = inputIds[t];
            string text = Token(id, vocabulary);
            if (slots.TryGetValue(t, out int original))
            {
                var mark = id == Vocabulary.Mask ? TokenMark.Masked : id == original ? TokenMark.Kept : TokenMark.Replaced;
                tokens.Add(new MarkedToken(text, mark, Token(original, vocabulary)));
            }
            else
            {
                tokens.Add(new MarkedToken(text, id == Vocabulary.Pad ? TokenMark.Padding : id < Vocabulary.FirstWord ? TokenMark.Special : TokenMark.Word));
            }
        }

        return tokens;
    }

    /// <summary>The marked tokens of an encoded sample.</summary>
    public static IReadOnlyList<MarkedToken> Of(EncodedSample sample, Vocabulary vocabulary) =>
        Of(sample.InputIds, sample.MaskedPositions, sample.MaskedTokens, vocabulary);

    /// <summary>Whether any token is a replaced or kept masked slot, which plain text marks (and a legend explains).</summary>
    public static bool HasPlainMarks(IEnumerable<MarkedToken> tokens) => tokens.Any(t => t.Mark is TokenMark.Replaced or TokenMark.Kept);

    /// <summary>The tokens as plain text with their marks, [PAD] left out.</summary>
    public static string Plain(IEnumerable<MarkedToken> tokens) =>
        string.Join(' ', tokens.Where(t => t.Mark != TokenMark.Padding).Select(Plain));

    /// <summary>One token as plain text with its mark.</summary>
    public static string Plain(MarkedToken token) => token.Mark switch
    {
        TokenMark.Replaced => $"~{token.Text}~",
        TokenMark.Kept => $"_{token.Text}_",
        _ => token.Text,
    };

    private static string Token(int id, Vocabulary vocabulary) => id >= 0 && id < vocabulary.Count ? vocabulary[id] : $"<{id}>";
}
