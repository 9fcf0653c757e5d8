using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BertGen.Testing;

/// <summary>
/// The text of a tensor snapshot file, written for a person to review and read back exactly. Each tensor is a block: a
/// header of <c>key: value</c> lines, a blank line, then a table whose first line holds the column labels and each
/// further line a row label and the row's values. Values are float32 in round-trip form; a label with white space, a
/// quote or a leading '#' is written as a JSON string. Lines starting with '#' before the first block are comments.
/// </summary>
internal static class SnapshotDocument
{
    private static readonly string Preamble =
        "# BertGen tensor snapshot: float32 values at full (round-trip) precision, compared within the test's tolerance.\n" +
        $"# To approve a change, replace this file with the .received.txt beside it, or run the tests with {SnapshotSettings.AcceptVariable}=1.\n";

    /// <summary>The file's text for <paramref name="tensors"/>.</summary>
    public static string Write(IReadOnlyList<SnapshotTensor> tensors)
    {
        var text = new StringBuilder(Preamble);
        foreach (var t in tensors)
        {
            text.Append('\n');
            foreach (var (key, value) in t.Header)
            {
                text.Append(key).Append(": ").Append(value).Append('\n');
            }

            text.Append('\n');
            var cells = new string[t.RowLabels.Length + 1][];
            cells[0] = [Label(string.Empty), .. t.ColumnLabels.Select(Label)];
            for (int r = 0; r < t.RowLabels.Length; r++)
            {
                cells[r + 1] = [Label(t.RowLabels[r]), .. Enumerable.Range(0, t.ColumnLabels.Length).Select(c => Number(t[r, c]))];
            }

            var widths = Enumerable.Range(0, cells[0].Length).Select(c => cells.Max(row => row[c].Length)).ToArray();
            foreach (var row in cells)
            {
                text.Append(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Reads the tensors of a file's text; <paramref name="source"/> names the file in messages.</summary>
    /// <exception cref="FormatException">The text is not a snapshot file.</exception>
    public static List<SnapshotTensor> Parse(string text, string source)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var tensors = new List<SnapshotTensor>();
        int i = 0;
        while (i < lines.Length && (lines[i].Length == 0 || lines[i].StartsWith('#')))
        {
            i++;
        }

        while (i < lines.Length)
        {
            var header = new List<KeyValuePair<string, string>>();
            for (; i < lines.Length && lines[i].Length > 0; i++)
            {
                int colon = lines[i].IndexOf(": ", StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new FormatException($"{source}:{i + 1}: expected a 'key: value' header line, found \"{lines[i]}\".");
                }

                header.Add(new(lines[i][..colon], lines[i][(colon + 2)..]));
            }

            i++;
            if (i >= lines.Length || lines[i].Length == 0)
            {
                throw new FormatException($"{source}:{i + 1}: a header without a table.");
            }

            var columns = Tokens(lines[i], source, i).Skip(1).ToArray();
            i++;
            var rows = new List<string>();
            var values = new List<float>();
            for (; i < lines.Length && lines[i].Length > 0; i++)
            {
                var cells = Tokens(lines[i], source, i);
                if (cells.Count != columns.Length + 1)
                {
                    throw new FormatException($"{source}:{i + 1}: a row of {cells.Count - 1} values in a table of {columns.Length} columns.");
                }

                rows.Add(cells[0]);
                foreach (var cell in cells.Skip(1))
                {
                    values.Add(float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v)
                        ? v
                        : throw new FormatException($"{source}:{i + 1}: '{cell}' is not a number."));
                }
            }

            tensors.Add(new SnapshotTensor(header, rows.ToArray(), columns, values.ToArray()));
            while (i < lines.Length && lines[i].Length == 0)
            {
                i++;
            }
        }

        return tensors;
    }

    /// <summary>A float32 as its shortest round-trip text.</summary>
    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Label(string label) =>
        label.Length == 0 || label.Any(c => char.IsWhiteSpace(c) || c == '"') || label.StartsWith('#')
            ? "\"" + JsonEncodedText.Encode(label, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() + "\""
            : label;

    /// <summary>The cells of a table line: bare words, or JSON strings.</summary>
    private static List<string> Tokens(string line, string source, int index)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            if (line[i] == ' ')
            {
                i++;
                continue;
            }

            if (line[i] == '"')
            {
                int end = i + 1;
                while (end < line.Length && line[end] != '"')
                {
                    end += line[end] == '\\' ? 2 : 1;
                }

                if (end >= line.Length)
                {
                    throw new FormatException($"{source}:{index + 1}: a label's quote is not closed.");
                }

                tokens.Add(JsonSerializer.Deserialize<string>(line.AsSpan(i, end - i + 1))!);
                i = end + 1;
                continue;
            }

            int stop = line.IndexOf(' ', i);
            stop = stop < 0 ? line.Length : stop;
            tokens.Add(line[i..stop]);
            i = stop;
        }

        return tokens;
    }
}
