namespace BertGen.Data;

/// <summary>Splits text into words as the article does: lower case, drop . , ! ? -, split on white space.</summary>
public static class Tokenizer
{
    private static readonly char[] Dropped = ['.', ',', '!', '?', '-'];

    /// <summary>The words of <paramref name="text"/>.</summary>
    public static string[] Words(string text)
    {
        var kept = new System.Text.StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
        {
            if (Array.IndexOf(Dropped, c) < 0)
            {
                kept.Append(c);
            }
        }

        return kept.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }
}
