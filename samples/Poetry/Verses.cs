using BertGen.Data;

namespace Acme.Poetry;

/// <summary>The sentence pairs VerseBert learns: lines of verse, and whether the second follows the first.</summary>
public static class Verses
{
    /// <summary>Five pairs of lines.</summary>
    public static IReadOnlyList<SentencePair> Pairs { get; } =
    [
        new("The moon is pale.", "The night is long.", IsNext: true),
        new("The river runs.", "The stones are cold.", IsNext: true),
        new("The moon is pale.", "The bread is warm.", IsNext: false),
        new("A bird sings.", "The morning wakes.", IsNext: true),
        new("The river runs.", "A bird sings.", IsNext: false),
    ];
}
