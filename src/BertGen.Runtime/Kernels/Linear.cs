using System.Numerics;
using System.Runtime.CompilerServices;

namespace BertGen.Kernels;

/// <summary>
/// The widths of a linear layer, as compile-time constants: a kernel generic over a struct that implements this is
/// compiled once per shape, so that packing a weight matrix is a few vector moves per row (measured: 2-3% of the seed
/// step against the same code with widths the JIT does not know).
/// </summary>
public interface ILinearShape
{
    /// <summary>Values per input row (the weight's columns).</summary>
    static abstract int Inputs { get; }

    /// <summary>Values per output row (the weight's rows).</summary>
    static abstract int Outputs { get; }
}

/// <summary>How a linear layer's backward pass sums its weight gradient over the samples of a range.</summary>
public enum WeightGradientSum
{
    /// <summary>One product per sample, each adding to dW: for long samples, whose rows of x stay in cache.</summary>
    PerSample,

    /// <summary>
    /// The rows of dy and x of every sample side by side (x packed, dy as an activation arena holds them), then one
    /// product over all of them: for short samples this saves a product per sample (measured: faster at 84 rows a
    /// batch, slower at 1024).
    /// </summary>
    GatheredRows,
}

/// <summary>
/// Linear layers, y = x W^T + b, with W stored [outputs, inputs] as PyTorch stores it: one matrix product over the rows of
/// every sample of a range (<see cref="Gemm"/>'s row groups), the weights packed once for all of them.
/// </summary>
public static class Linear
{
    /// <summary>y = x W^T + b, for a layer whose widths <typeparamref name="TShape"/> states.</summary>
    /// <param name="x">[rows, Inputs] of each sample.</param>
    /// <param name="w">[Outputs, Inputs].</param>
    /// <param name="b">[Outputs].</param>
    /// <param name="y">[rows, Outputs] of each sample.</param>
    public static void Forward<T, TShape>(ReadOnlyRows<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Rows<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, ILinearShape
    {
        CheckWidths(x.Width, y.Width, TShape.Inputs, TShape.Outputs);
        ForwardCore(x, w, b, y, TShape.Inputs, TShape.Outputs);
    }

    /// <summary>y = x W^T + b for widths known only at run time (the decoder, whose outputs are the vocabulary): the widths are the views'.</summary>
    public static void Forward<T>(ReadOnlyRows<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Rows<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ForwardCore(x, w, b, y, x.Width, y.Width);

    /// <summary>
    /// Backward of <see cref="Forward{T, TShape}"/>: dx = dy W (or dx += dy W when <paramref name="accumulateDx"/>),
    /// dW += dy^T x, db += column sums of dy, over every sample of the range.
    /// </summary>
    /// <param name="w">[Outputs, Inputs].</param>
    /// <param name="x">The forward pass's input, [rows, Inputs] of each sample.</param>
    /// <param name="dy">[rows, Outputs] of each sample.</param>
    /// <param name="dx">[rows, Inputs] of each sample: written, or added to.</param>
    /// <param name="dw">[Outputs, Inputs], added to.</param>
    /// <param name="db">[Outputs], added to.</param>
    /// <param name="accumulateDx">Whether dx already holds a gradient of another path to add to (x feeds q, k and v).</param>
    /// <param name="sum">How dW sums over the samples.</param>
    public static void Backward<T, TShape>(
        ReadOnlySpan<T> w, ReadOnlyRows<T> x, ReadOnlyRows<T> dy, Rows<T> dx, Span<T> dw, Span<T> db, bool accumulateDx, WeightGradientSum sum)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, ILinearShape
    {
        CheckWidths(x.Width, dy.Width, TShape.Inputs, TShape.Outputs);
        CheckWidths(dx.Width, dy.Width, TShape.Inputs, TShape.Outputs);
        BackwardCore(w, x, dy, dx, dw, db, accumulateDx, sum, TShape.Inputs, TShape.Outputs, default);
    }

    /// <summary>
    /// <see cref="Backward{T, TShape}(ReadOnlySpan{T}, ReadOnlyRows{T}, ReadOnlyRows{T}, Rows{T}, Span{T}, Span{T}, bool, WeightGradientSum)"/>
    /// with x's rows already packed by <see cref="PackInput{T, TShape}"/>, for layers that read the same x (q, k and v):
    /// the same products, so the same values.
    /// </summary>
    /// <param name="w">[Outputs, Inputs].</param>
    /// <param name="x">The forward pass's input, [rows, Inputs] of each sample.</param>
    /// <param name="dy">[rows, Outputs] of each sample.</param>
    /// <param name="dx">[rows, Inputs] of each sample: written, or added to.</param>
    /// <param name="dw">[Outputs, Inputs], added to.</param>
    /// <param name="db">[Outputs], added to.</param>
    /// <param name="accumulateDx">Whether dx already holds a gradient of another path to add to.</param>
    /// <param name="sum">How dW sums over the samples.</param>
    /// <param name="packedX">What <see cref="PackInput{T, TShape}"/> returned for x and <paramref name="sum"/>.</param>
    public static void Backward<T, TShape>(
        ReadOnlySpan<T> w, ReadOnlyRows<T> x, ReadOnlyRows<T> dy, Rows<T> dx, Span<T> dw, Span<T> db, bool accumulateDx, WeightGradientSum sum,
        ReadOnlySpan<T> packedX)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, ILinearShape
    {
        CheckWidths(x.Width, dy.Width, TShape.Inputs, TShape.Outputs);
        CheckWidths(dx.Width, dy.Width, TShape.Inputs, TShape.Outputs);
        if (packedX.Length != PackedInputLength(x, sum, TShape.Inputs))
        {
            throw new ArgumentException($"x's packed rows are {packedX.Length} values, not the {PackedInputLength(x, sum, TShape.Inputs)} of PackInput.", nameof(packedX));
        }

        BackwardCore(w, x, dy, dx, dw, db, accumulateDx, sum, TShape.Inputs, TShape.Outputs, packedX);
    }

    /// <summary>
    /// x's rows packed as the backward pass's weight gradient reads them (<see cref="WeightGradientSum.GatheredRows"/>;
    /// nothing for <see cref="WeightGradientSum.PerSample"/>, which packs sample by sample), so that layers reading the
    /// same x pack it once. The values lie in the calling thread's scratch, where the next packing of x on that thread
    /// (this method, or a backward pass given no packed rows) writes: use them in the backward passes right after.
    /// </summary>
    public static ReadOnlySpan<T> PackInput<T, TShape>(ReadOnlyRows<T> x, WeightGradientSum sum)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, ILinearShape
    {
        CheckWidths(x.Width, TShape.Outputs, TShape.Inputs, TShape.Outputs);
        return sum == WeightGradientSum.GatheredRows ? PackGathered(x, TShape.Inputs) : default;
    }

    private static int PackedInputLength<T>(ReadOnlyRows<T> x, WeightGradientSum sum, int inputs)
        where T : unmanaged =>
        sum == WeightGradientSum.GatheredRows ? x.Count * x.RowsPerSample * Gemm.PaddedWidth(inputs) : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<T> PackGathered<T>(ReadOnlyRows<T> x, int inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = x.RowsPerSample, count = x.Count;
        var xRows = Workspace<T>.Get(1, count * rows * Gemm.PaddedWidth(inputs));
        Gemm.PackRows(x.Values, inputs, new RowGroups(rows, count, x.Stride, 0), inputs, xRows);
        return xRows;
    }

    /// <summary>Backward of <see cref="Forward{T}"/>, the widths being the views'.</summary>
    public static void Backward<T>(
        ReadOnlySpan<T> w, ReadOnlyRows<T> x, ReadOnlyRows<T> dy, Rows<T> dx, Span<T> dw, Span<T> db, bool accumulateDx, WeightGradientSum sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckWidths(dx.Width, dy.Width, x.Width, dy.Width);
        BackwardCore(w, x, dy, dx, dw, db, accumulateDx, sum, x.Width, dy.Width, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardCore<T>(ReadOnlyRows<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Rows<T> y, int inputs, int outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Predicting, a scope may hold the weight packed once (and split the product); training packs it here.
        var scope = PackedWeights<T>.Current;
        var wt = scope is null ? default : scope.Find(w, inputs, outputs);
        if (scope is not null && !wt.IsEmpty && scope.Splits(x.Count, x.RowsPerSample, inputs, outputs))
        {
            scope.MultiplyInParts(x.Values, wt, inputs, outputs, y.Values, x.RowsPerSample, b);
            return;
        }

        if (wt.IsEmpty)
        {
            var packing = Workspace<T>.Get(0, inputs * Gemm.PaddedWidth(outputs));
            Gemm.PackColumns(w, inputs, inputs, outputs, packing);
            wt = packing;
        }

        Gemm.Multiply(x.Values, inputs, 1, wt, inputs, outputs, y.Values, outputs, new RowGroups(x.RowsPerSample, x.Count, x.Stride, y.Stride), T.One, false, b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardCore<T>(
        ReadOnlySpan<T> w, ReadOnlyRows<T> x, ReadOnlyRows<T> dy, Rows<T> dx, Span<T> dw, Span<T> db, bool accumulateDx, WeightGradientSum sum, int inputs, int outputs,
        ReadOnlySpan<T> packedX)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = x.RowsPerSample, count = x.Count;
        var wRows = Workspace<T>.Get(0, outputs * Gemm.PaddedWidth(inputs));
        Gemm.PackRows(w, inputs, outputs, inputs, wRows);
        Gemm.Multiply(dy.Values, outputs, 1, wRows, outputs, inputs, dx.Values, inputs, new RowGroups(rows, count, dy.Stride, dx.Stride), T.One, accumulateDx);
        if (sum == WeightGradientSum.GatheredRows)
        {
            int all = count * rows;
            ReadOnlySpan<T> xRows = packedX.IsEmpty ? PackGathered(x, inputs) : packedX;
            // dy's rows side by side: as they are in an activation arena, else copied so.
            ReadOnlySpan<T> dyRows = dy.IsContiguous ? dy.Values : GatherRows(dy, Workspace<T>.Get(2, all * outputs));
            Gemm.Multiply<T>(dyRows, 1, outputs, xRows, all, inputs, dw, inputs, outputs, T.One, true);
            Elementwise.AddColumnSums<T>(dyRows, outputs, all, db[..outputs]); // sliced to the shape's constant width, so the passes unroll
        }
        else
        {
            var xRows = Workspace<T>.Get(1, rows * Gemm.PaddedWidth(inputs));
            for (int s = 0; s < count; s++)
            {
                var dys = dy.Sample(s);
                Gemm.PackRows(x.Sample(s), inputs, rows, inputs, xRows);
                Gemm.Multiply(dys, 1, outputs, xRows, rows, inputs, dw, inputs, outputs, T.One, true);
                Elementwise.AddColumnSums(dys, outputs, rows, db[..outputs]);
            }
        }
    }

    /// <summary>Every sample's rows of <paramref name="rows"/> one after another in <paramref name="into"/>.</summary>
    private static ReadOnlySpan<T> GatherRows<T>(ReadOnlyRows<T> rows, Span<T> into)
        where T : unmanaged
    {
        for (int s = 0; s < rows.Count; s++)
        {
            rows.Sample(s).CopyTo(into.Slice(s * rows.SampleLength));
        }

        return into;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckWidths(int inputs, int outputs, int expectedInputs, int expectedOutputs)
    {
        if (inputs != expectedInputs || outputs != expectedOutputs)
        {
            WrongWidths(inputs, outputs, expectedInputs, expectedOutputs);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void WrongWidths(int inputs, int outputs, int expectedInputs, int expectedOutputs) =>
        throw new ArgumentException($"A linear layer of {expectedInputs} inputs and {expectedOutputs} outputs was given rows of {inputs} and {outputs} values.");
}
