using System.Globalization;
using System.Text;
using BertGen.Formatting;

namespace BertGen.Explore;

/// <summary>Tensor views as text: a title line, then a table with the row and column labels.</summary>
public static class TensorText
{
    /// <summary>One value as shown: rounded to <paramref name="decimals"/>, never "-0", a masked score as "-1e9".</summary>
    public static string Number(float value, int decimals, bool integer = false)
    {
        if (value <= TensorView.MaskedScore)
        {
            return "-1e9";
        }

        if (integer)
        {
            return ((long)Math.Round(value)).ToString(CultureInfo.InvariantCulture);
        }

        double rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            rounded = 0; // no "-0.00"
        }

        return rounded.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>The view as a labelled table.</summary>
    public static TextTable Table(TensorView view, int decimals)
    {
        var table = new TextTable(["", .. view.ColumnLabels]);
        for (int r = 0; r < view.Rows; r++)
        {
            var cells = new string[view.Columns + 1];
            cells[0] = view.RowLabels[r];
            for (int c = 0; c < view.Columns; c++)
            {
                cells[c + 1] = Number(view[r, c], decimals, view.Integers);
            }

            table.Add(cells);
        }

        return table;
    }

    /// <summary>Title and table.</summary>
    public static string Format(TensorView view, int decimals) => view.Title + "\n" + Table(view, decimals);

    /// <summary>Two views side by side (the article's Figure 13 beside Figure 14).</summary>
    public static string SideBySide(TensorView left, TensorView right, int decimals)
    {
        var a = Format(left, decimals).TrimEnd('\n').Split('\n');
        var b = Format(right, decimals).TrimEnd('\n').Split('\n');
        int width = a.Max(l => l.Length);
        var text = new StringBuilder();
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string l = i < a.Length ? a[i] : string.Empty;
            string r = i < b.Length ? b[i] : string.Empty;
            text.Append((l.PadRight(width) + "   |   " + r).TrimEnd()).Append('\n');
        }

        return text.ToString();
    }
}
