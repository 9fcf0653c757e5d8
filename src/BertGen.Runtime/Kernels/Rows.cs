using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace BertGen.Kernels;

/// <summary>
/// The activation blocks of a range of samples, one after another, <see cref="Stride"/> values each: the arena a forward
/// pass writes (or the scratch its backward pass writes gradients into). A tensor of every sample is a
/// <see cref="Rows{T}"/> view of it, at the tensor's offset in a block.
/// </summary>
public readonly ref struct SampleBlocks<T>
    where T : unmanaged
{
    private readonly Span<T> _values;

    /// <summary>The <paramref name="count"/> blocks of <paramref name="stride"/> values that start <paramref name="values"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SampleBlocks(Span<T> values, int stride, int count)
    {
        _values = values.Slice(0, checked(stride * count));
        Stride = stride;
        Count = count;
    }

    /// <summary>Values per sample's block.</summary>
    public int Stride { get; }

    /// <summary>Samples in the range.</summary>
    public int Count { get; }

    /// <summary>The tensor at <paramref name="offset"/> of every block: <paramref name="rows"/> rows of <paramref name="width"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Rows<T> Rows(int offset, int rows, int width) => new(_values, offset, Stride, Count, rows, width);

    /// <summary>Read-only, for the backward pass's reading of the forward pass's activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator ReadOnlySampleBlocks<T>(SampleBlocks<T> blocks) => new(blocks._values, blocks.Stride, blocks.Count);
}

/// <summary>
/// The read-only counterpart of <see cref="SampleBlocks{T}"/>: the same members over a ReadOnlySpan, which a Span-based
/// type cannot hold (the backward pass reads the activations it was given as read-only).
/// </summary>
public readonly ref struct ReadOnlySampleBlocks<T>
    where T : unmanaged
{
    private readonly ReadOnlySpan<T> _values;

    /// <summary>The <paramref name="count"/> blocks of <paramref name="stride"/> values that start <paramref name="values"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySampleBlocks(ReadOnlySpan<T> values, int stride, int count)
    {
        _values = values.Slice(0, checked(stride * count));
        Stride = stride;
        Count = count;
    }

    /// <summary>Values per sample's block.</summary>
    public int Stride { get; }

    /// <summary>Samples in the range.</summary>
    public int Count { get; }

    /// <summary>The tensor at <paramref name="offset"/> of every block: <paramref name="rows"/> rows of <paramref name="width"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlyRows<T> Rows(int offset, int rows, int width) => new(_values, offset, Stride, Count, rows, width);
}

/// <summary>
/// One tensor of every sample of a range: <see cref="Count"/> groups of <see cref="RowsPerSample"/> rows of
/// <see cref="Width"/> values, group s starting <see cref="Stride"/> values after group s - 1. Kernels take their inputs
/// and outputs as such views, so that one call covers every sample and a matrix product runs once over all their rows.
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

/// <summary>The read-only counterpart of <see cref="Rows{T}"/>, for the same reason as <see cref="ReadOnlySampleBlocks{T}"/>.</summary>
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

    /// <summary>Sample <paramref name="s"/>'s tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<T> Sample(int s) => Values.Slice(s * Stride, SampleLength);
}
