namespace BertGen;

/// <summary>
/// One tensor of a flat buffer: its name, the encoder layer it belongs to (-1 for none), its offset and shape,
/// and for a parameter how it is initialised.
/// </summary>
public sealed record TensorInfo(string Name, int Layer, int Offset, int[] Shape, TensorInit Init = default)
{
    /// <summary>Number of values: the product of the shape.</summary>
    public int Length { get; } = Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The shape as the article writes it, e.g. [14, 7].</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>The name with its layer, e.g. "q (layer 1)".</summary>
    public string DisplayName => Layer < 0 ? Name : $"{Name} (layer {Layer})";

    /// <summary>This tensor's values in <paramref name="buffer"/>.</summary>
    public Span<T> Of<T>(Span<T> buffer) => buffer.Slice(Offset, Length);

    /// <inheritdoc cref="Of{T}(Span{T})"/>
    public ReadOnlySpan<T> Of<T>(ReadOnlySpan<T> buffer) => buffer.Slice(Offset, Length);

    /// <summary>
    /// This tensor of sample <paramref name="sample"/> in an activation arena of <paramref name="capacity"/> samples,
    /// which holds each tensor of every sample as one matrix: at Offset * capacity + sample * Length.
    /// </summary>
    public Span<T> Of<T>(Span<T> arena, int capacity, int sample) => arena.Slice(ArenaOffset(capacity, sample), Length);

    /// <inheritdoc cref="Of{T}(Span{T}, int, int)"/>
    public ReadOnlySpan<T> Of<T>(ReadOnlySpan<T> arena, int capacity, int sample) => arena.Slice(ArenaOffset(capacity, sample), Length);

    private int ArenaOffset(int capacity, int sample)
    {
        if ((uint)sample >= (uint)capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), sample, $"An arena of {capacity} samples has no sample {sample}.");
        }

        return checked((Offset * capacity) + (sample * Length));
    }
}
