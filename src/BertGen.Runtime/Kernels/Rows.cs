using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace BertGen.Kernels;

/// <summary>
/// The activation arena of a batch (or the scratch its backward pass writes gradients into), batch-major: each tensor
/// of every sample of the batch is one matrix, tensor t of sample s at t.Offset * <see cref="Capacity"/> + s *
/// t.Length, where t.Offset and t.Length are the tensor's in one sample's layout (<see cref="IBertModel.Activations"/>)
/// and the capacity is the arena's length over that layout's. A view of a tensor over a range of samples is thus one
/// contiguous run of rows, which a product, a row operation or a copy covers in one pass.
/// </summary>
public readonly ref struct ActivationArena<T>
    where T : unmanaged
{
    private readonly Span<T> _values;

    /// <summary>
    /// Samples <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 of the arena
    /// <paramref name="values"/>, whose samples have a layout of <paramref name="sampleLength"/> values each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ActivationArena(Span<T> values, int sampleLength, int first, int count)
    {
        Capacity = ArenaShape.Capacity(values.Length, sampleLength, first, count);
        _values = values;
        SampleLength = sampleLength;
        First = first;
        Count = count;
    }

    /// <summary>Values of one sample's layout.</summary>
    public int SampleLength { get; }

    /// <summary>Samples the arena holds: its length over a sample's layout's.</summary>
    public int Capacity { get; }

    /// <summary>The first sample of the range.</summary>
    public int First { get; }

    /// <summary>Samples in the range.</summary>
    public int Count { get; }

    /// <summary>
    /// The tensor at <paramref name="offset"/> of a sample's layout, <paramref name="rows"/> rows of
    /// <paramref name="width"/> values (the whole tensor), of every sample of the range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Rows<T> Rows(int offset, int rows, int width)
    {
        int length = rows * width;
        return new(_values, (offset * Capacity) + (First * length), length, Count, rows, width);
    }

    /// <summary>Read-only, for the backward pass's reading of the forward pass's activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator ReadOnlyActivationArena<T>(ActivationArena<T> arena) => new(arena._values, arena.SampleLength, arena.First, arena.Count);
}

/// <summary>
/// The read-only counterpart of <see cref="ActivationArena{T}"/>: the same members over a ReadOnlySpan, which a
/// Span-based type cannot hold (the backward pass reads the activations it was given as read-only).
/// </summary>
public readonly ref struct ReadOnlyActivationArena<T>
    where T : unmanaged
{
    private readonly ReadOnlySpan<T> _values;

    /// <inheritdoc cref="ActivationArena{T}.ActivationArena(Span{T}, int, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlyActivationArena(ReadOnlySpan<T> values, int sampleLength, int first, int count)
    {
        Capacity = ArenaShape.Capacity(values.Length, sampleLength, first, count);
        _values = values;
        SampleLength = sampleLength;
        First = first;
        Count = count;
    }

    /// <inheritdoc cref="ActivationArena{T}.SampleLength"/>
    public int SampleLength { get; }

    /// <inheritdoc cref="ActivationArena{T}.Capacity"/>
    public int Capacity { get; }

    /// <inheritdoc cref="ActivationArena{T}.First"/>
    public int First { get; }

    /// <inheritdoc cref="ActivationArena{T}.Count"/>
    public int Count { get; }

    /// <inheritdoc cref="ActivationArena{T}.Rows(int, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlyRows<T> Rows(int offset, int rows, int width)
    {
        int length = rows * width;
        return new(_values, (offset * Capacity) + (First * length), length, Count, rows, width);
    }
}

/// <summary>The capacity of an arena, checked against the range of samples a pass is given.</summary>
internal static class ArenaShape
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Capacity(int length, int sampleLength, int first, int count)
    {
        int capacity = length / sampleLength;
        if (capacity * sampleLength != length || first < 0 || count < 0 || first + count > capacity)
        {
            Wrong(length, sampleLength, first, count);
        }

        return capacity;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Wrong(int length, int sampleLength, int first, int count) =>
        throw new ArgumentException(
            $"An activation arena of {length} values does not hold samples {first} to {first + count - 1} of {sampleLength} values each: its length must be a whole number of samples, the range inside it.");
}

/// <summary>
/// One tensor of every sample of a range: <see cref="Count"/> groups of <see cref="RowsPerSample"/> rows of
/// <see cref="Width"/> values, group s starting <see cref="Stride"/> values after group s - 1. Kernels take their inputs
/// and outputs as such views, so that one call covers every sample and a matrix product runs once over all their rows.
/// A view of an <see cref="ActivationArena{T}"/> is contiguous: its stride is a sample's tensor's length.
/// </summary>
public readonly ref struct Rows<T>
    where T : unmanaged
{
    /// <summary>The view of <paramref name="rows"/> x <paramref name="width"/> values at <paramref name="offset"/> of each of <paramref name="count"/> blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Rows(Span<T> blocks, int offset, int stride, int count, int rows, int width)
    {
        // The slice checks that the last sample's tensor lies in the blocks; that the tensors do not overlap is the
        // layout's to ensure (a check per view measured 0.3% of the seed step).
        Debug.Assert(rows * width <= stride, "A sample's tensor is longer than its block.");
        Values = count == 0 ? Span<T>.Empty : blocks.Slice(offset, ((count - 1) * stride) + (rows * width));
        Stride = stride;
        Count = count;
        RowsPerSample = rows;
        Width = width;
    }

    /// <summary>From the first sample's first value to the last sample's last.</summary>
    public Span<T> Values { get; }

    /// <summary>Values from one sample's tensor to the next's.</summary>
    public int Stride { get; }

    /// <summary>Samples.</summary>
    public int Count { get; }

    /// <summary>Rows of one sample's tensor.</summary>
    public int RowsPerSample { get; }

    /// <summary>Values per row.</summary>
    public int Width { get; }

    /// <summary>Values of one sample's tensor.</summary>
    public int SampleLength => RowsPerSample * Width;

    /// <summary>Whether the samples' tensors follow one another with no gap: <see cref="Values"/> is then one matrix of all their rows.</summary>
    public bool IsContiguous => Stride == SampleLength;

    /// <summary>Sample <paramref name="s"/>'s tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Sample(int s) => Values.Slice(s * Stride, SampleLength);

    /// <summary>Sets every sample's tensor to zero.</summary>
    public void Clear()
    {
        for (int s = 0; s < Count; s++)
        {
            Sample(s).Clear();
        }
    }

    /// <summary>The view, read-only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator ReadOnlyRows<T>(Rows<T> rows) => new(rows.Values, rows.Stride, rows.Count, rows.RowsPerSample, rows.Width);
}

/// <summary>The read-only counterpart of <see cref="Rows{T}"/>, for the same reason as <see cref="ReadOnlyActivationArena{T}"/>.</summary>
public readonly ref struct ReadOnlyRows<T>
    where T : unmanaged
{
    /// <summary>The view of <paramref name="rows"/> x <paramref name="width"/> values at <paramref name="offset"/> of each of <paramref name="count"/> blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlyRows(ReadOnlySpan<T> blocks, int offset, int stride, int count, int rows, int width)
    {
        // The slice checks that the last sample's tensor lies in the blocks; that the tensors do not overlap is the
        // layout's to ensure (a check per view measured 0.3% of the seed step).
        Debug.Assert(rows * width <= stride, "A sample's tensor is longer than its block.");
        Values = count == 0 ? ReadOnlySpan<T>.Empty : blocks.Slice(offset, ((count - 1) * stride) + (rows * width));
        Stride = stride;
        Count = count;
        RowsPerSample = rows;
        Width = width;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReadOnlyRows(ReadOnlySpan<T> values, int stride, int count, int rows, int width)
    {
        Values = values;
        Stride = stride;
        Count = count;
        RowsPerSample = rows;
        Width = width;
    }

    /// <summary>From the first sample's first value to the last sample's last.</summary>
    public ReadOnlySpan<T> Values { get; }

    /// <summary>Values from one sample's tensor to the next's.</summary>
    public int Stride { get; }

    /// <summary>Samples.</summary>
    public int Count { get; }

    /// <summary>Rows of one sample's tensor.</summary>
    public int RowsPerSample { get; }

    /// <summary>Values per row.</summary>
    public int Width { get; }

    /// <summary>Values of one sample's tensor.</summary>
    public int SampleLength => RowsPerSample * Width;

    /// <summary>Whether the samples' tensors follow one another with no gap: <see cref="Values"/> is then one matrix of all their rows.</summary>
    public bool IsContiguous => Stride == SampleLength;

    /// <summary>Sample <paramref name="s"/>'s tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<T> Sample(int s) => Values.Slice(s * Stride, SampleLength);
}
