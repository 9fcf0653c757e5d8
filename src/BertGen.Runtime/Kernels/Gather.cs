using System.Numerics;

namespace BertGen.Kernels;

/// <summary>
/// Rows picked out of every sample's tensor: the output layer's h_cls (row 0, the [CLS] token) and h_masked (the rows at
/// the masked positions), and their backward passes, which add the picked rows' gradients back.
/// </summary>
public static class Gather
{
    /// <summary>y[m] = x[positions[m]] for each sample; <paramref name="positions"/> holds y's rows per sample, sample after sample.</summary>
    public static void Forward<T>(ReadOnlyRows<T> x, ReadOnlySpan<int> positions, Rows<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = x.Width, picked = y.RowsPerSample;
        for (int s = 0; s < x.Count; s++)
        {
            var from = x.Sample(s);
            var to = y.Sample(s);
            for (int m = 0; m < picked; m++)
            {
                from.Slice(positions[(s * picked) + m] * width, width).CopyTo(to.Slice(m * width, width));
            }
        }
    }

    /// <summary>y = x[row] for each sample (y has one row).</summary>
    public static void Forward<T>(ReadOnlyRows<T> x, int row, Rows<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int s = 0; s < x.Count; s++)
        {
            x.Sample(s).Slice(row * x.Width, x.Width).CopyTo(y.Sample(s));
        }
    }

    /// <summary>Backward of <see cref="Forward{T}(ReadOnlyRows{T}, ReadOnlySpan{int}, Rows{T})"/>: dx[positions[m]] += dy[m], in order of m.</summary>
    public static void Backward<T, TWidth>(ReadOnlyRows<T> dy, ReadOnlySpan<int> positions, Rows<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        int width = TWidth.Width, picked = dy.RowsPerSample;
        for (int s = 0; s < dy.Count; s++)
        {
            var from = dy.Sample(s);
            var to = dx.Sample(s);
            for (int m = 0; m < picked; m++)
            {
                VectorMath.Add<T, TWidth>(to.Slice(positions[(s * picked) + m] * width, width), from.Slice(m * width, width));
            }
        }
    }

    /// <summary>Backward of <see cref="Forward{T}(ReadOnlyRows{T}, int, Rows{T})"/>: dx[row] += dy.</summary>
    public static void Backward<T, TWidth>(ReadOnlyRows<T> dy, int row, Rows<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        for (int s = 0; s < dy.Count; s++)
        {
            VectorMath.Add<T, TWidth>(dx.Sample(s).Slice(row * TWidth.Width, TWidth.Width), dy.Sample(s));
        }
    }
}
