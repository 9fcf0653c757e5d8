using System.Collections;

namespace BertGen;

/// <summary>
/// An ordered set of tensors carved out of one flat buffer of <see cref="Length"/> values (which may also hold values
/// that no tensor names, such as an activation layout's working values for the backward pass).
/// </summary>
public sealed class TensorLayout : IReadOnlyList<TensorInfo>
{
    private readonly TensorInfo[] _tensors;
    private readonly Dictionary<(string, int), TensorInfo> _byName;
    private readonly Dictionary<string, TensorInfo> _byUniqueName;

    /// <summary>Creates a layout; tensors may not overlap or run past <paramref name="length"/>.</summary>
    public TensorLayout(IEnumerable<TensorInfo> tensors, int length)
    {
        _tensors = tensors.ToArray();
        Length = length;
        _byName = _tensors.ToDictionary(t => (t.Name, t.Layer));
        _byUniqueName = _tensors.GroupBy(t => t.Name).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single());
        foreach (var t in _tensors)
        {
            if (t.Offset < 0 || t.Offset + t.Length > length)
            {
                throw new ArgumentException($"{t.DisplayName} {t.ShapeText} at {t.Offset} runs past the buffer's {length} values.");
            }
        }
    }

    /// <summary>Values in the buffer.</summary>
    public int Length { get; }

    /// <summary>Tensors in the layout.</summary>
    public int Count => _tensors.Length;

    /// <summary>The tensor at <paramref name="index"/>, in layout order.</summary>
    public TensorInfo this[int index] => _tensors[index];

    /// <summary>
    /// The tensor called <paramref name="name"/> in <paramref name="layer"/>; without a layer, the one tensor of that name
    /// (a parameter's Hugging Face name says its layer).
    /// </summary>
    public TensorInfo this[string name, int layer = -1] =>
        TryGet(name, layer, out var t) ? t : throw new KeyNotFoundException($"No tensor '{name}'{(layer < 0 ? "" : $" in layer {layer}")}.");

    /// <summary>The tensor called <paramref name="name"/> in <paramref name="layer"/> (or the one of that name, for layer -1), if there is one.</summary>
    public bool TryGet(string name, int layer, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TensorInfo tensor) =>
        _byName.TryGetValue((name, layer), out tensor) || (layer < 0 && _byUniqueName.TryGetValue(name, out tensor));

    /// <summary>
    /// Samples an activation arena of <paramref name="arenaLength"/> values holds: its length over this layout's, which
    /// must divide it.
    /// </summary>
    public int Capacity(int arenaLength) =>
        Length > 0 && arenaLength % Length == 0
            ? arenaLength / Length
            : throw new ArgumentException($"An arena of {arenaLength} values is not a whole number of samples of {Length} values.", nameof(arenaLength));

    /// <summary>
    /// Copies sample <paramref name="sample"/>'s tensors out of an activation arena (each tensor of every sample one
    /// matrix, <see cref="TensorInfo.Of{T}(Span{T}, int, int)"/>) into <paramref name="block"/>, laid out as one sample
    /// by this layout: the form a capture, a prediction and the explorer read.
    /// </summary>
    public void CopySample<T>(ReadOnlySpan<T> arena, int sample, Span<T> block)
    {
        int capacity = Capacity(arena.Length);
        if (block.Length < Length)
        {
            throw new ArgumentException($"A sample's block needs {Length} values, not {block.Length}.", nameof(block));
        }

        foreach (var t in _tensors)
        {
            t.Of(arena, capacity, sample).CopyTo(t.Of(block));
        }
    }

    /// <summary>The tensors in layout order.</summary>
    public IEnumerator<TensorInfo> GetEnumerator() => ((IEnumerable<TensorInfo>)_tensors).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
