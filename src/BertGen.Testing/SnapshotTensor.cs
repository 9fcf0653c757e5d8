using System.Globalization;
using BertGen.Explore;

namespace BertGen.Testing;

/// <summary>
/// One tensor of a snapshot file: a header (tensor, layer, head, sample, epoch, shape, model), the row and column labels,
/// and the values row by row.
/// </summary>
internal sealed record SnapshotTensor(IReadOnlyList<KeyValuePair<string, string>> Header, string[] RowLabels, string[] ColumnLabels, float[] Values)
{
    /// <summary>The header as a view describes itself, in a fixed order.</summary>
    public static SnapshotTensor From(TensorView view)
    {
        var s = view.Source;
        var header = new List<KeyValuePair<string, string>> { new("tensor", s.Name) };
        Add(header, "layer", s.Layer);
        Add(header, "head", s.Head);
        Add(header, "sample", s.Sample);
        Add(header, "epoch", s.Epoch);
        header.Add(new("shape", "[" + string.Join(", ", s.Shape) + "]"));
        header.Add(new("model", ConfigJson.Serialize(s.Config)));
        return new SnapshotTensor(header, view.RowLabels, view.ColumnLabels, view.Values);
    }

    /// <summary>A header value, or null.</summary>
    public string? this[string key] => Header.FirstOrDefault(h => h.Key == key).Value;

    /// <summary>E.g. "attn, layer 0, head 2, sample 0, epoch 10".</summary>
    public string Title => string.Join(", ", Header.Where(h => h.Key is not ("shape" or "model")).Select(h => h.Key == "tensor" ? h.Value : $"{h.Key} {h.Value}"));

    /// <summary>The value at <paramref name="row"/>, <paramref name="column"/>.</summary>
    public float this[int row, int column] => Values[(row * ColumnLabels.Length) + column];

    private static void Add(List<KeyValuePair<string, string>> header, string key, int? value)
    {
        if (value is { } v)
        {
            header.Add(new(key, v.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
