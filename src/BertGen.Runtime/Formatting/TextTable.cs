using System.Text;

namespace BertGen.Formatting;

/// <summary>A table of text cells laid out in aligned columns, for the console and for snapshot files alike.</summary>
public sealed class TextTable
{
    private readonly List<string[]> _rows = new();

    /// <summary>A table with these column headers and no rows yet.</summary>
    public TextTable(params string[] headers) => Headers = headers;

    /// <summary>The column headers.</summary>
    public IReadOnlyList<string> Headers { get; }

    /// <summary>The rows added so far.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    /// <summary>Adds a row; it must have one cell per header.</summary>
    public TextTable Add(params string[] cells)
    {
        if (cells.Length != Headers.Count)
        {
            throw new ArgumentException($"a row of {cells.Length} cells in a table of {Headers.Count} columns");
        }

        _rows.Add(cells);
        return this;
    }

    /// <summary>
    /// The table as text: a header line, a rule, then the rows. Columns whose cells all look like numbers are
    /// right-aligned.
    /// </summary>
    public override string ToString()
    {
        int columns = Headers.Count;
        var widths = new int[columns];
        var numeric = new bool[columns];
        for (int c = 0; c < columns; c++)
        {
            widths[c] = Math.Max(Headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));
            numeric[c] = _rows.Count > 0 && _rows.All(r => IsNumber(r[c]));
        }

        var text = new StringBuilder();
        AppendLine(text, Headers, widths, numeric);
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))).TrimEnd());
        foreach (var row in _rows)
        {
            AppendLine(text, row, widths, numeric);
        }

        return text.ToString();
    }

    private static void AppendLine(StringBuilder text, IReadOnlyList<string> cells, int[] widths, bool[] numeric)
    {
        var line = new StringBuilder();
        for (int c = 0; c < cells.Count; c++)
        {
            if (c > 0)
            {
                line.Append("  ");
            }

            line.Append(numeric[c] ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
        }

        text.AppendLine(line.ToString().TrimEnd());
    }

    private static bool IsNumber(string cell) =>
        cell.Length > 0 && double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
}
