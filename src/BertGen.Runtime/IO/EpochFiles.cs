using System.Globalization;

namespace BertGen.IO;

/// <summary>How checkpoints and captures are named by epoch: <c>epoch-000123.safetensors</c>.</summary>
public static class EpochFiles
{
    private const string Prefix = "epoch-";
    private const string Suffix = ".safetensors";

    /// <summary>The name of an epoch's file: epoch-000123.safetensors.</summary>
    public static string Name(int epoch) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{epoch:D6}{Suffix}");

    /// <summary>The epoch of a file named by <see cref="Name"/>, or null for any other name.</summary>
    public static int? EpochOf(string fileName) =>
        fileName.StartsWith(Prefix, StringComparison.Ordinal) && fileName.EndsWith(Suffix, StringComparison.Ordinal)
            && int.TryParse(fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
            ? epoch
            : null;

    /// <summary>The epochs that have a file in <paramref name="directory"/>, in order (none when it does not exist).</summary>
    public static List<int> In(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).Select(f => EpochOf(Path.GetFileName(f))).OfType<int>().Order().ToList()
            : [];
}
