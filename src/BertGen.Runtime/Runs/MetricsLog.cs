using System.Text;
using BertGen.IO;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>
/// metrics.csv as training writes it: one row appended per epoch, flushed to disk before every checkpoint, so that the
/// file always holds at least the rows of the newest checkpoint. Resuming keeps the rows up to the checkpoint as they
/// were and drops any after it, which the resumed training writes again, the same.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;

    private MetricsLog(StreamWriter writer) => _writer = writer;

    /// <summary>Writes a new metrics.csv with its header and opens it for appending.</summary>
    public static MetricsLog Create(string path)
    {
        AtomicFile.WriteText(path, EpochMetrics.CsvHeader + "\n");
        return Open(path);
    }

    /// <summary>The data rows of <paramref name="path"/> that end with a line break (a row cut short by a kill does not).</summary>
    /// <exception cref="InputException">The file cannot be read or has no header.</exception>
    public static List<string> CompleteRows(string path)
    {
        string text;
        try
        {
            text = File.Exists(path) ? File.ReadAllText(path, Strict) : string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}", e);
        }

        if (text.Length == 0)
        {
            return [];
        }

        if (!text.StartsWith(EpochMetrics.CsvHeader + "\n", StringComparison.Ordinal))
        {
            throw new InputException($"'{path}' does not start with the header {EpochMetrics.CsvHeader}.");
        }

        var rows = text[(EpochMetrics.CsvHeader.Length + 1)..].Split('\n').ToList();
        rows.RemoveAt(rows.Count - 1); // the text after the last line break: empty, or a row cut short
        return rows;
    }

    /// <summary>
    /// Rewrites metrics.csv with its header and <paramref name="rows"/> (the first rows, as they were) and opens it for
    /// appending.
    /// </summary>
    public static MetricsLog Resume(string path, IReadOnlyList<string> rows)
    {
        var text = new StringBuilder(EpochMetrics.CsvHeader).Append('\n');
        foreach (var row in rows)
        {
            text.Append(row).Append('\n');
        }

        AtomicFile.WriteText(path, text.ToString());
        return Open(path);
    }

    /// <summary>Appends one epoch's row (buffered until <see cref="Flush"/>).</summary>
    public void Append(EpochMetrics metrics)
    {
        _writer.Write(metrics.ToCsv());
        _writer.Write('\n');
    }

    /// <summary>Writes the buffered rows through to the disk.</summary>
    public void Flush()
    {
        _writer.Flush();
        ((FileStream)_writer.BaseStream).Flush(flushToDisk: true);
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            try
            {
                _writer.Dispose();
            }
            catch (IOException)
            {
                // The flush above has said why already.
            }
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static MetricsLog Open(string path) =>
        new(new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16), Strict, 1 << 16));
}
