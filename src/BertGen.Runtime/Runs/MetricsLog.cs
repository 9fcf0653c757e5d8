using System.Globalization;
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
    /// <summary>The header of metrics.csv.</summary>
    public const string Header = "epoch,loss,mlm_loss,nsp_loss,mlm_accuracy,nsp_accuracy";

    private readonly StreamWriter _writer;

    private MetricsLog(StreamWriter writer) => _writer = writer;

    /// <summary>Writes a new metrics.csv with its header and opens it for appending.</summary>
    public static MetricsLog Create(string path)
    {
        AtomicFile.WriteText(path, Header + "\n");
        return Open(path);
    }

    /// <summary>The data rows of <paramref name="path"/> that end with a line break (a row cut short by a kill does not).</summary>
    /// <exception cref="InputException">The file cannot be read, is not UTF-8, or has no header.</exception>
    public static List<string> CompleteRows(string path)
    {
        string text = File.Exists(path) ? TextFile.Read(path) : string.Empty;

        if (text.Length == 0)
        {
            return [];
        }

        if (!text.StartsWith(Header + "\n", StringComparison.Ordinal))
        {
            throw new InputException($"'{path}' does not start with the header {Header}.");
        }

        var rows = text[(Header.Length + 1)..].Split('\n').ToList();
        rows.RemoveAt(rows.Count - 1); // the text after the last line break: empty, or a row cut short
        return rows;
    }

    /// <summary>The rows of <paramref name="path"/> that <see cref="CompleteRows"/> gives, read.</summary>
    /// <exception cref="InputException">The file cannot be read, or a row is not six numbers; the message names its line.</exception>
    public static List<EpochMetrics> Read(string path) => Parse(path, CompleteRows(path));

    /// <summary>Reads <paramref name="rows"/>, the first data rows of <paramref name="path"/>.</summary>
    /// <exception cref="InputException">A row is not six numbers; the message names its line.</exception>
    public static List<EpochMetrics> Parse(string path, IReadOnlyList<string> rows)
    {
        var metrics = new List<EpochMetrics>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            try
            {
                metrics.Add(Parse(rows[i]));
            }
            catch (FormatException e)
            {
                throw new InputException($"'{path}': line {i + 2}: {e.Message}.", e);
            }
        }

        return metrics;
    }

    /// <summary>One epoch's row as metrics.csv holds it (round-trip precision, invariant culture).</summary>
    public static string Format(EpochMetrics m) => string.Create(
        CultureInfo.InvariantCulture, $"{m.Epoch},{m.Loss:R},{m.MlmLoss:R},{m.NspLoss:R},{m.MlmAccuracy:R},{m.NspAccuracy:R}");

    /// <summary>Reads a row that <see cref="Format"/> wrote.</summary>
    /// <exception cref="FormatException">The line is not a row of six numbers.</exception>
    public static EpochMetrics Parse(string row)
    {
        var f = row.Split(',');
        if (f.Length != 6)
        {
            throw new FormatException($"a row has 6 fields, not {f.Length}");
        }

        double D(int i) => double.Parse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture);
        return new EpochMetrics(int.Parse(f[0], NumberStyles.None, CultureInfo.InvariantCulture), D(1), D(2), D(3), D(4), D(5));
    }

    /// <summary>
    /// Rewrites metrics.csv with its header and <paramref name="rows"/> (the first rows, as they were) and opens it for
    /// appending.
    /// </summary>
    public static MetricsLog Resume(string path, IReadOnlyList<string> rows)
    {
        var text = new StringBuilder(Header).Append('\n');
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
        _writer.Write(Format(metrics));
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
