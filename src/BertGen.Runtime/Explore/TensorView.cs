namespace BertGen.Explore;

/// <summary>What an explorer query names: one tensor of one sample (or a parameter), at one captured epoch.</summary>
/// <param name="Sample">The sample (0 is the first pair); ignored for a parameter.</param>
/// <param name="Epoch">A captured epoch.</param>
/// <param name="Name">The article's name (embedding, q, attn, logits_lm, ...) or a parameter's Hugging Face name (with .grad for its gradient).</param>
/// <param name="Layer">Required for a layer's tensors.</param>
/// <param name="Head">Required for a head's tensors (q_s, k_s, v_s, scores, attn, ctx).</param>
public sealed record TensorQuery(int Sample, int Epoch, string Name, int? Layer = null, int? Head = null);

/// <summary>Which tensor a view shows and of what model: its name, layer and head, sample, epoch and shape.</summary>
/// <param name="Name">The article's name or a parameter's Hugging Face name.</param>
/// <param name="Layer">The encoder layer, for a layer's or a head's tensor.</param>
/// <param name="Head">The attention head, for a head's tensor.</param>
/// <param name="Sample">The sample, for an activation (null for a parameter or gradient).</param>
/// <param name="Epoch">The captured epoch, or -1 for inputs as the run first masked them.</param>
/// <param name="Shape">The tensor's shape for one sample, layer and head.</param>
/// <param name="Config">The model's configuration.</param>
public sealed record TensorSource(string Name, int? Layer, int? Head, int? Sample, int Epoch, long[] Shape, ModelConfig Config)
{
    /// <summary>E.g. "attn, layer 0, head 2 — sample 0, epoch 10 [14, 14]".</summary>
    public string Title
    {
        get
        {
            string what = Name + (Layer is { } l ? $", layer {l}" : "") + (Head is { } h ? $", head {h}" : "");
            var where = new List<string>();
            if (Sample is { } s)
            {
                where.Add($"sample {s}");
            }

            if (Epoch >= 0)
            {
                where.Add($"epoch {Epoch}");
            }

            return $"{what}{(where.Count > 0 ? " — " + string.Join(", ", where) : "")} [{string.Join(", ", Shape)}]";
        }
    }
}

/// <summary>
/// A tensor laid out as a labelled matrix: rows and columns carry the sample's tokens, masked slots or vocabulary
/// words where they are those, and indices otherwise. A vector is one row.
/// </summary>
public sealed class TensorView
{
    private (float Min, float Max)? _range;

    /// <summary>A view of <paramref name="values"/> (row-major) with its labels.</summary>
    /// <exception cref="ArgumentException">There are not as many values as rows times columns.</exception>
    public TensorView(TensorSource source, float[] values, string[] rowLabels, string[] columnLabels, bool heatmap, bool integers)
    {
        if (values.Length != rowLabels.Length * columnLabels.Length)
        {
            throw new ArgumentException($"{values.Length} values for {rowLabels.Length} rows and {columnLabels.Length} columns");
        }

        Source = source;
        Values = values;
        RowLabels = rowLabels;
        ColumnLabels = columnLabels;
        Heatmap = heatmap;
        Integers = integers;
    }

    /// <summary>Which tensor this is, of which sample, layer, head and epoch.</summary>
    public TensorSource Source { get; }

    /// <summary>E.g. "attn, layer 0, head 2 — sample 0, epoch 10 [14, 14]".</summary>
    public string Title => Source.Title;

    /// <summary>Row-major values.</summary>
    public float[] Values { get; }

    /// <summary>A label per row: the sample's tokens, masked slots, vocabulary words, or indices.</summary>
    public string[] RowLabels { get; }

    /// <summary>A label per column.</summary>
    public string[] ColumnLabels { get; }

    /// <summary>Rows of the matrix (1 for a vector).</summary>
    public int Rows => RowLabels.Length;

    /// <summary>Columns of the matrix.</summary>
    public int Columns => ColumnLabels.Length;

    /// <summary>Whether the article shows this tensor as a heatmap (attention scores, probabilities, logits).</summary>
    public bool Heatmap { get; }

    /// <summary>Whether the values are ids or flags, shown without decimals.</summary>
    public bool Integers { get; }

    /// <summary>The value at <paramref name="row"/>, <paramref name="column"/>.</summary>
    public float this[int row, int column] => Values[(row * Columns) + column];

    /// <summary>How the view's values are written with <paramref name="decimals"/> decimals: their shared scale, or whole numbers.</summary>
    public NumberFormat Format(int decimals) => NumberFormat.For(Values, decimals, Integers);

    /// <summary>The smallest and largest value, masked scores left out (the range of a heatmap's colours).</summary>
    public (float Min, float Max) ValueRange => _range ??= Range();

    /// <summary>
    /// Where a value lies between the view's smallest and largest (0 to 1; light is high in a heatmap). Masked scores
    /// count as the smallest.
    /// </summary>
    public double Intensity(int row, int column)
    {
        var (min, max) = _range ??= Range();
        float v = Math.Max(this[row, column], min);
        return max > min ? (v - min) / (max - min) : 0.5;
    }

    private (float Min, float Max) Range()
    {
        var real = Values.Where(v => v > NumberFormat.MaskedScore).DefaultIfEmpty(0f).ToArray();
        return (real.Min(), real.Max());
    }
}
