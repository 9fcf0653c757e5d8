using System.Buffers;
using System.Text;

namespace BertGen.IO;

/// <summary>
/// Text files read strictly as UTF-8: a file with bytes that are not UTF-8 is refused, naming the line and the bytes,
/// instead of being read with replacement characters (which would make different words the same).
/// </summary>
public static class TextFile
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text of <paramref name="path"/> (a byte-order mark dropped).</summary>
    /// <exception cref="InputException">The file cannot be read, or is not UTF-8.</exception>
    public static string Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}", e);
        }

        return Decode(bytes, path);
    }

    /// <summary>The bytes as text; <paramref name="source"/> names them in messages.</summary>
    /// <exception cref="InputException">They are not UTF-8.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        for (int i = 0; i < bytes.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != OperationStatus.Done)
            {
                int line = 1 + bytes[..i].Count((byte)'\n');
                string shown = Convert.ToHexString(bytes.Slice(i, Math.Min(4, bytes.Length - i))).ToLowerInvariant();
                throw new InputException(
                    $"{source}:{line}: the text is not UTF-8 (bytes {string.Join(' ', Enumerable.Range(0, shown.Length / 2).Select(b => "0x" + shown.Substring(2 * b, 2)))} at byte {i}); save the file as UTF-8.");
            }

            i += consumed;
        }

        return Strict.GetString(bytes);
    }
}
