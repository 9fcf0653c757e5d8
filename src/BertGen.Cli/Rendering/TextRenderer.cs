using System.Globalization;
using BertGen.Data;
using BertGen.Explore;
using Spectre.Console;

namespace BertGen.Cli.Rendering;

/// <summary>
/// Renders documents, tables and tensors as lines that fit a width: a table wraps its text columns at word boundaries
/// and never a number; a tensor too wide is split into blocks of columns under its row labels; long labels are
/// shortened with an ellipsis. With colour, heatmaps are shaded (light is high) under a legend of their range, and
/// masked inputs show [MASK], replaced and kept words in colour; without, the marks are plain text.
/// </summary>
internal sealed class TextRenderer(int width, bool color, int decimals)
{
    private const string Gap = "  ";
    private const int MaxRowLabel = 12;
    private const int MaxColumnLabel = 6;

    /// <summary>A word longer than this (a dotted parameter name) may be broken after a dot to fit a narrow column.</summary>
    private const int MaxUnbrokenWord = 20;

    /// <summary>Columns the output fits.</summary>
    public int Width { get; } = width;

    /// <summary>Whether lines carry colour.</summary>
    public bool Color { get; } = color;

    /// <summary>A document: its title, then its blocks separated by blank lines.</summary>
    public List<StyledLine> Document(Document document)
    {
        var lines = Paragraph(document.Title, Color ? "bold" : null);
        foreach (var block in document.Blocks)
        {
            lines.Add(new StyledLine());
            lines.AddRange(Block(block));
        }

        return lines;
    }

    /// <summary>One block.</summary>
    public List<StyledLine> Block(Block block) => block switch
    {
        TextBlock text => Paragraph(text.Text),
        TableBlock table => Table(table),
        TensorBlock tensor => tensor.Top is { } top ? TopK(tensor.View, top) : Tensor(tensor.View),
        _ => throw new ArgumentException($"no rendering of {block.GetType().Name}", nameof(block)),
    };

    /// <summary>A tensor: its title, then its values under their labels, in blocks of columns that fit.</summary>
    public List<StyledLine> Tensor(TensorView view)
    {
        var format = view.Format(decimals);
        var lines = Paragraph(view.Title + (format.ScaleText is { } scale ? $", values {scale}" : ""));
        var rowLabels = view.RowLabels.Select(l => Shorten(l, MaxRowLabel)).ToArray();
        int rowWidth = rowLabels.Max(l => l.Length);
        var cells = new string[view.Rows, view.Columns];
        var widths = new int[view.Columns];
        var columnLabels = new string[view.Columns];
        for (int c = 0; c < view.Columns; c++)
        {
            int numbers = 0;
            for (int r = 0; r < view.Rows; r++)
            {
                cells[r, c] = format.Format(view[r, c]);
                numbers = Math.Max(numbers, cells[r, c].Length);
            }

            columnLabels[c] = Shorten(view.ColumnLabels[c], Math.Max(numbers, MaxColumnLabel));
            widths[c] = Math.Max(numbers, columnLabels[c].Length);
        }

        bool heat = Color && view.Heatmap;
        var groups = ColumnGroups(widths, rowWidth + 1, 1);
        foreach (var (first, count) in groups)
        {
            if (groups.Count > 1)
            {
                lines.Add(new StyledLine().Add(string.Create(CultureInfo.InvariantCulture, $"columns {first}-{first + count - 1} of {view.Columns}:"), Color ? "dim" : null));
            }

            var header = new StyledLine().PadTo(rowWidth);
            for (int c = first; c < first + count; c++)
            {
                header.Add(" ").Add(columnLabels[c].PadLeft(widths[c]), Color ? "bold" : null);
            }

            lines.Add(header);
            for (int r = 0; r < view.Rows; r++)
            {
                var line = new StyledLine().Add(rowLabels[r].PadRight(rowWidth), Color ? "bold" : null);
                for (int c = first; c < first + count; c++)
                {
                    line.Add(" ");
                    line.Add(cells[r, c].PadLeft(widths[c]), heat ? Shade(view.Intensity(r, c)) : null);
                }

                lines.Add(line);
            }
        }

        if (heat)
        {
            lines.Add(Legend(view, format));
        }

        return lines;
    }

    /// <summary>Each row's largest values, this many, with their column labels: logits over the vocabulary that fit.</summary>
    public List<StyledLine> TopK(TensorView view, int top)
    {
        var format = view.Format(decimals);
        int k = Math.Min(top, view.Columns);
        var rows = new List<IReadOnlyList<Cell>>();
        for (int r = 0; r < view.Rows; r++)
        {
            var best = Enumerable.Range(0, view.Columns).OrderByDescending(c => view[r, c]).ThenBy(c => c).Take(k);
            rows.Add([view.RowLabels[r], .. best.Select(c => (Cell)$"{view.ColumnLabels[c]} {format.Format(view[r, c])}")]);
        }

        string title = $"{view.Title}: top {k} of {view.Columns} per row" + (format.ScaleText is { } scale ? $", values {scale}" : "");
        return Table(new TableBlock(["", .. Enumerable.Range(1, k).Select(i => i.ToString(CultureInfo.InvariantCulture))], rows, title));
    }

    /// <summary>Two sets of lines beside each other when they fit, else one above the other.</summary>
    public List<StyledLine> SideBySide(List<StyledLine> left, List<StyledLine> right)
    {
        int leftWidth = left.Max(l => l.Length);
        int rightWidth = right.Max(l => l.Length);
        if (leftWidth + 3 + rightWidth > Width)
        {
            return [.. left, new StyledLine(), .. right];
        }

        var lines = new List<StyledLine>();
        for (int i = 0; i < Math.Max(left.Count, right.Count); i++)
        {
            var line = new StyledLine();
            if (i < left.Count)
            {
                line.Add(left[i]);
            }

            line.PadTo(leftWidth).Add(" | ");
            if (i < right.Count)
            {
                line.Add(right[i]);
            }

            lines.Add(line);
        }

        return lines;
    }

    /// <summary>A table: header, rule, rows; text columns wrap at word boundaries to fit, numbers never.</summary>
    public List<StyledLine> Table(TableBlock table)
    {
        int columns = table.Headers.Count;
        var lines = new List<StyledLine>();
        if (table.Title is { } title)
        {
            lines.AddRange(Paragraph(title));
        }

        var numeric = Enumerable.Range(0, columns).Select(c => table.Rows.Count > 0 && table.Rows.All(r => r[c].IsNumber)).ToArray();
        var natural = Enumerable.Range(0, columns)
            .Select(c => Math.Max(table.Headers[c].Length, table.Rows.Count == 0 ? 0 : table.Rows.Max(r => Measure(r[c])))).ToArray();
        int total = natural.Sum() + (Gap.Length * (columns - 1));
        if (table.Flow && table.Rows.Count > 8 && total <= Width)
        {
            int groups = Math.Min((Width + Gap.Length) / (total + (2 * Gap.Length)), (table.Rows.Count + 3) / 4);
            if (groups > 1)
            {
                return [.. lines, .. Flowed(table, groups)];
            }
        }

        var widths = Fit(table, natural, numeric);
        lines.AddRange(Row(table.Headers.Select(h => (Cell)h).ToList(), widths, numeric, header: true));
        lines.Add(new StyledLine().Add(string.Join(Gap, widths.Select(w => new string('-', w)))));
        foreach (var row in table.Rows)
        {
            lines.AddRange(Row(row, widths, numeric, header: false));
        }

        return lines;
    }

    /// <summary>Writes <paramref name="lines"/>: as markup through the console with colour, as plain text without.</summary>
    public void Write(IEnumerable<StyledLine> lines, IAnsiConsole console, TextWriter output)
    {
        foreach (var line in lines)
        {
            if (Color)
            {
                console.MarkupLine(line.Markup());
            }
            else
            {
                output.WriteLine(line.Plain());
            }
        }
    }

    private List<StyledLine> Paragraph(string text, string? style = null)
    {
        var lines = new List<StyledLine>();
        foreach (var words in Wrap(SplitWords(text).Select(w => (w, style)).ToList(), Width))
        {
            var line = new StyledLine();
            foreach (var (word, wordStyle) in words)
            {
                if (line.Length > 0)
                {
                    line.Add(" ");
                }

                line.Add(word, wordStyle);
            }

            lines.Add(line);
        }

        return lines;
    }

    /// <summary>A tall, narrow table in several groups of rows side by side.</summary>
    private List<StyledLine> Flowed(TableBlock table, int groups)
    {
        int perGroup = (table.Rows.Count + groups - 1) / groups;
        var parts = Enumerable.Range(0, groups)
            .Select(g => Table(new TableBlock(table.Headers, table.Rows.Skip(g * perGroup).Take(perGroup).ToList())))
            .Where(p => p.Count > 2)
            .ToList();
        var lines = new List<StyledLine>();
        for (int i = 0; i < parts.Max(p => p.Count); i++)
        {
            var line = new StyledLine();
            int start = 0;
            foreach (var part in parts)
            {
                line.PadTo(start);
                if (i < part.Count)
                {
                    line.Add(part[i]);
                }

                start += part.Max(l => l.Length) + (2 * Gap.Length);
            }

            lines.Add(line);
        }

        return lines;
    }

    /// <summary>
    /// Column widths that fit: numbers keep theirs; text columns give way in proportion to their natural width, none
    /// below its longest word (so that words, and numbers, are never broken).
    /// </summary>
    private int[] Fit(TableBlock table, int[] natural, bool[] numeric)
    {
        int columns = natural.Length;
        var floor = Enumerable.Range(0, columns).Select(c => numeric[c]
            ? natural[c]
            : Math.Max(LongestWord(table.Headers[c]), Math.Min(MaxUnbrokenWord, table.Rows.Count == 0 ? 0 : table.Rows.Max(r => Words(r[c]).Max(w => w.Text.Length))))).ToArray();
        int available = Width - (Gap.Length * (columns - 1));
        int[] Widths(double f) => Enumerable.Range(0, columns).Select(c => numeric[c] ? natural[c] : Math.Max(floor[c], (int)Math.Floor(natural[c] * f))).ToArray();
        if (Widths(1).Sum() <= available)
        {
            return natural;
        }

        double low = 0, high = 1;
        for (int i = 0; i < 30; i++)
        {
            double mid = (low + high) / 2;
            if (Widths(mid).Sum() <= available)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return Widths(low); // at the floors when even they do not fit: the table is as narrow as its words allow
    }

    private static int LongestWord(string text) => text.Split(' ').Max(w => w.Length);

    /// <summary>The lines of one table row: each cell wrapped to its column, numbers right-aligned.</summary>
    private List<StyledLine> Row(IReadOnlyList<Cell> row, int[] widths, bool[] numeric, bool header)
    {
        var wrapped = row.Select((cell, c) => Wrap(Words(cell).Select(w => (w.Text, header ? (Color ? "bold" : null) : w.Style)).ToList(), widths[c])).ToList();
        int height = wrapped.Max(w => w.Count);
        var lines = new List<StyledLine>();
        for (int i = 0; i < height; i++)
        {
            var line = new StyledLine();
            for (int c = 0; c < row.Count; c++)
            {
                if (c > 0)
                {
                    line.Add(Gap);
                }

                var piece = new StyledLine();
                if (i < wrapped[c].Count)
                {
                    foreach (var (word, style) in wrapped[c][i])
                    {
                        if (piece.Length > 0)
                        {
                            piece.Add(" ");
                        }

                        piece.Add(word, style);
                    }
                }

                if (numeric[c] && !header)
                {
                    line.Add(new string(' ', Math.Max(0, widths[c] - piece.Length))).Add(piece);
                }
                else
                {
                    line.Add(piece).PadTo(line.Length + Math.Max(0, widths[c] - piece.Length));
                }
            }

            lines.Add(line);
        }

        return lines;
    }

    /// <summary>A cell's words as shown: masked-input tokens in colour, or with their plain-text marks.</summary>
    private List<(string Text, string? Style)> Words(Cell cell)
    {
        if (cell.Tokens is [{ Mark: TokenMark.Word } only])
        {
            return cell.Wraps ? only.Text.Split(' ').Select(w => (w, (string?)null)).ToList() : [(only.Text, null)];
        }

        return cell.Tokens.Select(t => Color
            ? (t.Text, t.Mark switch
            {
                TokenMark.Masked => "bold yellow",
                TokenMark.Replaced => "bold red",
                TokenMark.Kept => "bold cyan",
                TokenMark.Special or TokenMark.Padding => "dim",
                _ => (string?)null,
            })
            : (MaskedInput.Plain(t), (string?)null)).ToList();
    }

    private int Measure(Cell cell) => Words(cell).Sum(w => w.Text.Length + 1) - 1;

    /// <summary>
    /// Words into lines no wider than <paramref name="width"/>. A word longer than the line is broken after a dot when
    /// it has one (a parameter's name), else it stands alone on its line.
    /// </summary>
    private static List<List<(string Text, string? Style)>> Wrap(List<(string Text, string? Style)> words, int width)
    {
        var lines = new List<List<(string, string?)>> { new() };
        int length = 0;
        foreach (var whole in words)
        {
            foreach (var word in Pieces(whole, width))
            {
                if (lines[^1].Count > 0 && length + 1 + word.Text.Length > width)
                {
                    lines.Add([]);
                    length = 0;
                }

                length += (lines[^1].Count > 0 ? 1 : 0) + word.Text.Length;
                lines[^1].Add(word);
            }
        }

        return lines;
    }

    /// <summary>A word, or its pieces broken after dots, none wider than <paramref name="width"/> where a dot allows.</summary>
    private static IEnumerable<(string Text, string? Style)> Pieces((string Text, string? Style) word, int width)
    {
        string rest = word.Text;
        while (rest.Length > width && rest.LastIndexOf('.', Math.Min(width, rest.Length - 1) - 1) is int dot and > 0)
        {
            yield return (rest[..(dot + 1)], word.Style);
            rest = rest[(dot + 1)..];
        }

        yield return (rest, word.Style);
    }

    /// <summary>
    /// Groups of columns that fit beside labels <paramref name="lead"/> wide, each column <paramref name="gap"/> apart:
    /// as few groups as fit, with the columns shared out evenly among them.
    /// </summary>
    private List<(int First, int Count)> ColumnGroups(int[] widths, int lead, int gap)
    {
        bool Fits(int first, int count) => lead + Enumerable.Range(first, count).Sum(c => gap + widths[c]) <= Width;
        var greedy = new List<(int, int)>();
        for (int first = 0; first < widths.Length;)
        {
            int count = 1;
            while (first + count < widths.Length && Fits(first, count + 1))
            {
                count++;
            }

            greedy.Add((first, count));
            first += count;
        }

        int each = (widths.Length + greedy.Count - 1) / greedy.Count;
        var even = Enumerable.Range(0, greedy.Count).Select(g => (First: g * each, Count: Math.Min(each, widths.Length - (g * each)))).Where(g => g.Count > 0).ToList();
        return even.Count == greedy.Count && even.All(g => Fits(g.First, g.Count)) ? even : greedy;
    }

    private StyledLine Legend(TensorView view, NumberFormat format)
    {
        var (min, max) = view.ValueRange;
        var line = new StyledLine().Add("colour: ");
        line.Add(format.Format(min)).Add(" ");
        for (int i = 0; i <= 8; i++)
        {
            line.Add("  ", Shade(i / 8.0));
        }

        line.Add(" ").Add(format.Format(max)).Add(" (light is high" + (view.Values.Any(v => v <= NumberFormat.MaskedScore) ? "; -1e9 marks a [PAD] key" : "") + ")");
        return line;
    }

    private static string Shade(double t)
    {
        var background = new Spectre.Console.Color((byte)(20 + (t * 235)), (byte)(30 + (t * 220)), (byte)(80 + (t * 120)));
        return $"{(t > 0.55 ? "black" : "white")} on #{background.ToHex().ToLowerInvariant()}";
    }

    /// <summary>The words of a text, a shape such as [14, 7] counting as one.</summary>
    private static List<string> SplitWords(string text)
    {
        var words = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ' ' && depth == 0))
            {
                if (i > start)
                {
                    words.Add(text[start..i]);
                }

                start = i + 1;
            }
            else if (text[i] == '[')
            {
                depth++;
            }
            else if (text[i] == ']' && depth > 0)
            {
                depth--;
            }
        }

        return words;
    }

    private static string Shorten(string label, int most) => label.Length <= most ? label : label[..(most - 1)] + "…";
}
