namespace BertGen.Data;

/// <summary>One training sample's text: two sentences and whether the pair continues the pair before it (IsNext).</summary>
/// <param name="First">The first sentence.</param>
/// <param name="Second">The second sentence.</param>
/// <param name="IsNext">Whether the second sentence follows the first (the label of next-sentence prediction).</param>
/// <param name="Line">Where the pair was read from, for messages: its line in a corpus file, or its place (from 1) among pairs given in code.</param>
/// <param name="Pins">
/// Words of the pair to mask, as the tokenizer writes them (each masks its first occurrence not pinned already), or
/// null to draw the masks at random.
/// </param>
public sealed record SentencePair(string First, string Second, bool IsNext, int Line = 0, IReadOnlyList<string>? Pins = null)
{
    /// <summary>Both sentences as one line of text.</summary>
    public string Text => $"{First} {Second}";
}
