namespace BertGen.Explore;

/// <summary>What an explorer query names: one tensor of one sample (or a parameter), at one captured epoch.</summary>
/// <param name="Layer">Required for a layer's tensors.</param>
/// <param name="Head">Required for a head's tensors (q_s, k_s, v_s, scores, attn, ctx).</param>
public sealed record TensorQuery(int Sample, int Epoch, string Name, int? Layer = null, int? Head = null);

/// <summary>
/// A tensor laid out as a labelled matrix: rows and columns carry the sample's tokens, masked slots or vocabulary
/// words where they are those, and indices otherwise. A vector is one row.
/// </summary>
public sealed class TensorView
{
    /// <summary>Scores of [PAD] keys are set to -1e9 before the softmax; below this a value is shown as that constant.</summary>
    public const float MaskedScore = -1e8f;

    private (float Min, float Max)? _range;

    public TensorView(string title, float[] values, string[] rowLabels, string[] columnLabels, bool heatmap, bool integers)
    {
        if (values.Length != rowLabels.Length * columnLabels.Length)
        {
            throw new ArgumentException($"{values.Length} values for {rowLabels.Length} rows and {columnLabels.Length} columns");
        }

        Title = title;
        Values = values;
        RowLabels = rowLabels;
        ColumnLabels = columnLabels;
        Heatmap = heatmap;
        Integers = integers;
    }

    /// <summary>E.g. "attn, layer 0, head 2 — sample 0, epoch 10 [14, 14]".</summary>
    public string Title { get; }

    /// <summary>Row-major values.</summary>
    public float[] Values { get; }

    public string[] RowLabels { get; }

    public string[] ColumnLabels { get; }

    public int Rows => RowLabels.Length;

    public int Columns => ColumnLabels.Length;

    /// <summary>Whether the article shows this tensor as a heatmap (attention scores, probabilities, logits).</summary>
    public bool Heatmap { get; }

    /// <summary>Whether the values are ids or flags, shown without decimals.</summary>
    public bool Integers { get; }

    public float this[int row, int column] => Values[(row * Columns) + column];

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
        var real = Values.Where(v => v > MaskedScore).DefaultIfEmpty(0f).ToArray();
        return (real.Min(), real.Max());
    }
}
