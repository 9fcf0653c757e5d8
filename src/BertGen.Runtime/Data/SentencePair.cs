namespace BertGen.Data;

/// <summary>
/// One training sample's text: two sentences and whether the pair continues the pair before it (IsNext).
/// <see cref="Line"/> is where it was read from, for messages.
/// </summary>
public sealed record SentencePair(string First, string Second, bool IsNext, int Line)
{
    /// <summary>Both sentences as one line of text.</summary>
    public string Text => $"{First} {Second}";
}
