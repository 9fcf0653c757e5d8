using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>
/// Masked scaled dot-product attention of every head of one sample, for short sequences and narrow heads: a row of
/// scores lives in a few vectors, so each head is a few passes over its query rows with no matrix-product calls, no
/// packing beyond one transposed panel, and rows that the processor overlaps. A score sums over the head's width and a
/// key or value gradient over the queries in the order of the matrix-product formulation; a context value or query
/// gradient in float is four dot products along the keys reduced together, which rounds differently in the last bit.
/// In float, 9 to 16 rows, where AVX-512 or AVX2 is native, the work goes to the wide kernel (FusedAttention.Wide.cs),
/// which runs the queries along 512-bit vectors (two 256-bit halves with AVX2) and gives the same bits.
/// </summary>
/// <remarks>
/// maxLen, heads and dk are the shape type argument's (<see cref="IAttentionShape"/>), constants to the JIT. q, k, v, context: [maxLen, heads * dk], head h in columns [h*dk, (h+1)*dk). scores, attn: [heads, maxLen, maxLen].
/// padKeys lists the keys that are [PAD]; their scores are replaced by <c>masked</c>, so their weight is exactly 0.
/// </remarks>
public static partial class FusedAttention
{
    /// <summary>
    /// scores = q_h k_h^T * scale, with [PAD] keys replaced; attn = softmax over the keys; context_h = attn v_h. An empty
    /// <paramref name="scores"/> leaves the scores unwritten (a training step, whose backward pass reads attn alone).
    /// </summary>
    public static void Forward<T, TShape>(
        ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<int> padKeys, Span<T> scores, Span<T> attn, Span<T> context,
        T scale, T masked)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int rows = TShape.MaxLen * TShape.Heads * TShape.HeadWidth, squares = TShape.Heads * TShape.MaxLen * TShape.MaxLen;
        Require(rows, q.Length, k.Length, v.Length, context.Length);
        Require(squares, attn.Length);
        if (!scores.IsEmpty)
        {
            Require(squares, scores.Length);
        }
        foreach (int j in padKeys)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)j, (uint)TShape.MaxLen, nameof(padKeys));
        }

        if (typeof(T) == typeof(float) && WideFits(TShape.MaxLen, TShape.HeadWidth))
        {
            WideForward<TShape>(Floats(q), Floats(k), Floats(v), padKeys, Floats(scores), Floats(attn), Floats(context), float.CreateTruncating(scale), float.CreateTruncating(masked));
            return;
        }

        RowForward<T, TShape>(q, k, v, padKeys, scores, attn, context, scale, masked);
    }

    /// <summary><see cref="Forward"/> a query row at a time, for any element type and shape; lengths as Forward checks them.</summary>
    internal static void RowForward<T, TShape>(
        ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<int> padKeys, Span<T> scores, Span<T> attn, Span<T> context,
        T scale, T masked)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, heads = TShape.Heads, dk = TShape.HeadWidth;
        int vc = Vector256<T>.Count, width = heads * dk, lp = Round(maxLen, vc);

        var panel = Workspace<T>.Get(0, (dk * lp) + HeadPanelLength<T>(maxLen, lp, dk));
        var rows = Workspace<T>.Get(1, maxLen * lp);
        ref T kt = ref MemoryMarshal.GetReference(panel);
        var vPanel = panel[(dk * lp)..];
        ref T br = ref MemoryMarshal.GetReference(rows);
        ref T qr = ref MemoryMarshal.GetReference(q);
        ref T cr = ref MemoryMarshal.GetReference(context);
        var keyMask = KeyMasks<T>(padKeys, maxLen, lp, masked);
        var vScale = Vector256.Create(scale);
        var tailMask = VectorMath.LaneMask<T>(maxLen - (lp - vc));

        // Each pass runs over every query row of a head: the rows are independent, so the processor overlaps them.
        for (int h = 0; h < heads; h++)
        {
            Transpose(k, width, h * dk, dk, maxLen, lp, panel);
            bool keepScores = !scores.IsEmpty;
            ref T sr = ref MemoryMarshal.GetReference(keepScores ? scores.Slice(h * maxLen * maxLen) : scores);
            ref T pr = ref MemoryMarshal.GetReference(attn.Slice(h * maxLen * maxLen));

            // Scores: over the head's width, replaced where the key is [PAD]; -inf past maxLen.
            for (int i = 0; i < maxLen; i++)
            {
                ref T qi = ref Unsafe.Add(ref qr, (i * width) + (h * dk));
                ref T row = ref Unsafe.Add(ref br, i * lp);
                for (int c = 0; c < lp; c += vc)
                {
                    var acc = Vector256<T>.Zero;
                    for (int d = 0; d < dk; d++)
                    {
                        acc = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref qi, d)), Vector256.LoadUnsafe(ref kt, (nuint)((d * lp) + c)), acc);
                    }

                    Vector256.ConditionalSelect(keyMask.Replace(c), keyMask.Value(c), acc * vScale).StoreUnsafe(ref row, (nuint)c);
                }

                if (keepScores)
                {
                    StoreRow(ref row, ref Unsafe.Add(ref sr, i * maxLen), lp, tailMask);
                }
            }

            // Softmax over the keys, shifted by the row's maximum. Rows are padded with -inf to whole vectors, so this needs
            // none of Elementwise.Softmax's masked tail (measured: calling that instead made this kernel 25% slower).
            for (int i = 0; i < maxLen; i++)
            {
                ref T row = ref Unsafe.Add(ref br, i * lp);
                var vmax = Vector256.LoadUnsafe(ref row);
                for (int c = vc; c < lp; c += vc)
                {
                    vmax = Vector256.MaxNative(vmax, Vector256.LoadUnsafe(ref row, (nuint)c));
                }

                var shift = Vector256.Create(VectorMath.MaxAcross(vmax));
                var vsum = Vector256<T>.Zero;
                for (int c = 0; c < lp; c += vc)
                {
                    var e = VectorMath.Exp(Vector256.LoadUnsafe(ref row, (nuint)c) - shift);
                    e.StoreUnsafe(ref row, (nuint)c);
                    vsum += e;
                }

                var inverse = Vector256.Create(T.One / Vector256.Sum(vsum));
                for (int c = 0; c < lp; c += vc)
                {
                    (Vector256.LoadUnsafe(ref row, (nuint)c) * inverse).StoreUnsafe(ref row, (nuint)c);
                }

                StoreRow(ref row, ref Unsafe.Add(ref pr, i * maxLen), lp, tailMask);
            }

            // Context: over the keys.
            RowsTimesHead(ref br, lp, v, h * dk, width, dk, maxLen, ref Unsafe.Add(ref cr, h * dk), T.One, vPanel);
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward"/>: from dContext, writes dq, dk, dv, and dAttn and dScores ([heads, maxLen, maxLen])
    /// unless they are empty (a caller that never reads them saves their writes). A replaced score's weight is 0, so no
    /// gradient flows through it.
    /// </summary>
    public static void Backward<T, TShape>(
        ReadOnlySpan<T> dContext, ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> attn,
        Span<T> dAttn, Span<T> dScores, Span<T> dq, Span<T> dk, Span<T> dv, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int rows = TShape.MaxLen * TShape.Heads * TShape.HeadWidth, squares = TShape.Heads * TShape.MaxLen * TShape.MaxLen;
        Require(rows, dContext.Length, q.Length, k.Length, v.Length, dq.Length, dk.Length, dv.Length);
        Require(squares, attn.Length, dAttn.IsEmpty ? squares : dAttn.Length, dScores.IsEmpty ? squares : dScores.Length);
        if (typeof(T) == typeof(float) && WideFits(TShape.MaxLen, TShape.HeadWidth))
        {
            WideBackward<TShape>(Floats(dContext), Floats(q), Floats(k), Floats(v), Floats(attn), Floats(dAttn), Floats(dScores), Floats(dq), Floats(dk), Floats(dv), float.CreateTruncating(scale));
            return;
        }

        RowBackward<T, TShape>(dContext, q, k, v, attn, dAttn, dScores, dq, dk, dv, scale);
    }

    /// <summary><see cref="Backward"/> a query row at a time, for any element type and shape; lengths as Backward checks them.</summary>
    internal static void RowBackward<T, TShape>(
        ReadOnlySpan<T> dContext, ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> attn,
        Span<T> dAttn, Span<T> dScores, Span<T> dq, Span<T> dk, Span<T> dv, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, heads = TShape.Heads, headWidth = TShape.HeadWidth;
        int vc = Vector256<T>.Count, width = heads * headWidth, lp = Round(maxLen, vc);

        var panel = Workspace<T>.Get(0, (3 * headWidth * lp) + HeadPanelLength<T>(maxLen, lp, headWidth));
        var work = Workspace<T>.Get(1, 2 * maxLen * lp);
        ref T vt = ref MemoryMarshal.GetReference(panel);
        ref T dkt = ref Unsafe.Add(ref vt, headWidth * lp);
        ref T dvt = ref Unsafe.Add(ref dkt, headWidth * lp);
        var kPanel = panel[(3 * headWidth * lp)..];
        ref T pb = ref MemoryMarshal.GetReference(work);
        ref T dsb = ref Unsafe.Add(ref pb, maxLen * lp);
        ref T dcr = ref MemoryMarshal.GetReference(dContext);
        ref T qr = ref MemoryMarshal.GetReference(q);
        ref T kr = ref MemoryMarshal.GetReference(k);
        ref T dqr = ref MemoryMarshal.GetReference(dq);
        ref T dkr = ref MemoryMarshal.GetReference(dk);
        ref T dvr = ref MemoryMarshal.GetReference(dv);
        var vScale = Vector256.Create(scale);
        var tailMask = VectorMath.LaneMask<T>(maxLen - (lp - vc));
        for (int h = 0; h < heads; h++)
        {
            Transpose(v, width, h * headWidth, headWidth, maxLen, lp, panel);
            ref T pr = ref MemoryMarshal.GetReference(attn.Slice(h * maxLen * maxLen));
            ref T dpr = ref dAttn.IsEmpty ? ref Unsafe.NullRef<T>() : ref MemoryMarshal.GetReference(dAttn.Slice(h * maxLen * maxLen));
            ref T dsr = ref dScores.IsEmpty ? ref Unsafe.NullRef<T>() : ref MemoryMarshal.GetReference(dScores.Slice(h * maxLen * maxLen));

            // dAttn = dContext v_h^T over the head's width; through the softmax: dScores = attn * (dAttn - sum(attn * dAttn)).
            for (int i = 0; i < maxLen; i++)
            {
                ref T dci = ref Unsafe.Add(ref dcr, (i * width) + (h * headWidth));
                ref T prow = ref Unsafe.Add(ref pb, i * lp);
                ref T dsrow = ref Unsafe.Add(ref dsb, i * lp);
                LoadRow(ref Unsafe.Add(ref pr, i * maxLen), ref prow, lp, tailMask);
                var weighted = Vector256<T>.Zero;
                for (int c = 0; c < lp; c += vc)
                {
                    var acc = Vector256<T>.Zero;
                    for (int d = 0; d < headWidth; d++)
                    {
                        acc = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref dci, d)), Vector256.LoadUnsafe(ref vt, (nuint)((d * lp) + c)), acc);
                    }

                    acc.StoreUnsafe(ref dsrow, (nuint)c);
                    weighted = VectorMath.Fma(Vector256.LoadUnsafe(ref prow, (nuint)c), acc, weighted);
                }

                if (!dAttn.IsEmpty)
                {
                    StoreRow(ref dsrow, ref Unsafe.Add(ref dpr, i * maxLen), lp, tailMask);
                }

                var w = Vector256.Create(Vector256.Sum(weighted));
                for (int c = 0; c < lp; c += vc)
                {
                    (Vector256.LoadUnsafe(ref prow, (nuint)c) * (Vector256.LoadUnsafe(ref dsrow, (nuint)c) - w)).StoreUnsafe(ref dsrow, (nuint)c);
                }

                if (!dScores.IsEmpty)
                {
                    StoreRow(ref dsrow, ref Unsafe.Add(ref dsr, i * maxLen), lp, tailMask);
                }
            }

            // dq_i = scale * sum over keys j of dScores_ij k_j.
            RowsTimesHead(ref dsb, lp, k, h * headWidth, width, headWidth, maxLen, ref Unsafe.Add(ref dqr, h * headWidth), scale, kPanel);

            // dk_j = scale * sum over queries i of dScores_ij q_i; dv_j = sum over queries i of attn_ij dContext_i. The keys
            // run along the vectors (rows of dScores and attn), one column of the head at a time, into [headWidth, lp]
            // panels that are then written out transposed.
            for (int d = 0; d < headWidth; d++)
            {
                ref T qd = ref Unsafe.Add(ref qr, (h * headWidth) + d);
                ref T dcd = ref Unsafe.Add(ref dcr, (h * headWidth) + d);
                for (int c = 0; c < lp; c += vc)
                {
                    var dkAcc = Vector256<T>.Zero;
                    var dvAcc = Vector256<T>.Zero;
                    for (int i = 0; i < maxLen; i++)
                    {
                        nuint row = (nuint)((i * lp) + c);
                        dkAcc = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref qd, i * width)), Vector256.LoadUnsafe(ref dsb, row), dkAcc);
                        dvAcc = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref dcd, i * width)), Vector256.LoadUnsafe(ref pb, row), dvAcc);
                    }

                    (dkAcc * vScale).StoreUnsafe(ref dkt, (nuint)((d * lp) + c));
                    dvAcc.StoreUnsafe(ref dvt, (nuint)((d * lp) + c));
                }
            }

            for (int j = 0; j < maxLen; j++)
            {
                int at = (j * width) + (h * headWidth);
                for (int d = 0; d < headWidth; d++)
                {
                    Unsafe.Add(ref dkr, at + d) = Unsafe.Add(ref dkt, (d * lp) + j);
                    Unsafe.Add(ref dvr, at + d) = Unsafe.Add(ref dvt, (d * lp) + j);
                }
            }
        }
    }

    private static int Round(int n, int vc) => (n + vc - 1) / vc * vc;

    /// <summary>Throws unless each of the lengths is at least <paramref name="length"/> (the kernels then read unchecked).</summary>
    private static void Require(int length, params ReadOnlySpan<int> lengths)
    {
        foreach (int n in lengths)
        {
            if (n < length)
            {
                throw new ArgumentException($"an attention tensor holds {n} values; its shape needs {length}");
            }
        }
    }

    private static ReadOnlySpan<float> Floats<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.Cast<T, float>(values);

    private static Span<float> Floats<T>(Span<T> values)
        where T : unmanaged => MemoryMarshal.Cast<T, float>(values);

    /// <summary>panel[d, j] = m[j, at + d] for d below dk, j below rows; 0 for j from rows to lp.</summary>
    private static void Transpose<T>(ReadOnlySpan<T> m, int ld, int at, int dk, int rows, int lp, Span<T> panel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        _ = m[((rows - 1) * ld) + at + dk - 1];
        _ = panel[(dk * lp) - 1];
        ref T from = ref Unsafe.Add(ref MemoryMarshal.GetReference(m), at);
        ref T to = ref MemoryMarshal.GetReference(panel);
        for (int d = 0; d < dk; d++)
        {
            ref T line = ref Unsafe.Add(ref to, d * lp);
            int j = 0;
            for (; j < rows; j++)
            {
                Unsafe.Add(ref line, j) = Unsafe.Add(ref from, (j * ld) + d);
            }

            for (; j < lp; j++)
            {
                Unsafe.Add(ref line, j) = T.Zero;
            }
        }
    }

    /// <summary>Scratch values <see cref="RowsTimesHead"/> needs.</summary>
    private static int HeadPanelLength<T>(int maxLen, int lp, int dk)
        where T : unmanaged =>
        Math.Max(Round(dk, 4) * lp, maxLen * Round(dk, Vector256<T>.Count));

    /// <summary>
    /// out_i = factor * sum over j of rows[i, j] m_h[j] for each row i below maxLen: rows padded to lp; m_h the dk columns
    /// from at of m (rows of width values); out_i is dk values at i * width of output. In float, a row of out is four dot
    /// products along the keys, reduced together by horizontal adds; otherwise each lane of out is a sum over the keys.
    /// </summary>
    private static void RowsTimesHead<T>(ref T rows, int lp, ReadOnlySpan<T> m, int at, int width, int dk, int maxLen, ref T output, T factor, Span<T> panel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            // panel: the head transposed, [dk rounded to 4, lp], zero past dk and past maxLen.
            int groups = Round(dk, 4);
            Transpose(m, width, at, dk, maxLen, lp, panel);
            panel.Slice(dk * lp, (groups - dk) * lp).Clear();
            DotRows(ref Unsafe.As<T, float>(ref rows), lp, ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(panel)), maxLen, ref Unsafe.As<T, float>(ref output), width, dk, float.CreateTruncating(factor));
            return;
        }

        int vc = Vector256<T>.Count, dkp = Round(dk, vc);
        var tail = VectorMath.LaneMask<T>(dk - (dkp - vc));
        ref T padded = ref MemoryMarshal.GetReference(panel);
        ref T from = ref Unsafe.Add(ref MemoryMarshal.GetReference(m), at);
        for (int j = 0; j < maxLen; j++)
        {
            ref T source = ref Unsafe.Add(ref from, j * width);
            ref T to = ref Unsafe.Add(ref padded, j * dkp);
            int c = 0;
            for (; c < dkp - vc; c += vc)
            {
                Vector256.LoadUnsafe(ref source, (nuint)c).StoreUnsafe(ref to, (nuint)c);
            }

            VectorMath.LoadMasked(ref Unsafe.Add(ref source, c), tail).StoreUnsafe(ref to, (nuint)c);
        }

        var vFactor = Vector256.Create(factor);
        for (int i = 0; i < maxLen; i++)
        {
            ref T row = ref Unsafe.Add(ref rows, i * lp);
            ref T oi = ref Unsafe.Add(ref output, i * width);
            for (int dc = 0; dc < dkp; dc += vc)
            {
                var acc = Vector256<T>.Zero;
                for (int j = 0; j < maxLen; j++)
                {
                    acc = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref row, j)), Vector256.LoadUnsafe(ref padded, (nuint)((j * dkp) + dc)), acc);
                }

                acc *= vFactor;
                if (dc + vc <= dk)
                {
                    acc.StoreUnsafe(ref oi, (nuint)dc);
                }
                else
                {
                    VectorMath.StoreMasked(acc, ref Unsafe.Add(ref oi, dc), tail);
                }
            }
        }
    }

    /// <summary>
    /// out[i, d] = factor * (row_i . panel_d) for four columns d at a time: four dot products along a padded row, their
    /// eight-lane partial sums reduced by three horizontal adds and one add of the halves.
    /// </summary>
    private static void DotRows(ref float rows, int lp, ref float panel, int maxLen, ref float output, int width, int dk, float factor)
    {
        var vFactor = Vector128.Create(factor);
        for (int i = 0; i < maxLen; i++)
        {
            ref float row = ref Unsafe.Add(ref rows, i * lp);
            ref float oi = ref Unsafe.Add(ref output, i * width);
            for (int d = 0; d < dk; d += 4)
            {
                ref float p0 = ref Unsafe.Add(ref panel, d * lp);
                var a0 = Vector256<float>.Zero;
                var a1 = Vector256<float>.Zero;
                var a2 = Vector256<float>.Zero;
                var a3 = Vector256<float>.Zero;
                for (int c = 0; c < lp; c += 8)
                {
                    var r = Vector256.LoadUnsafe(ref row, (nuint)c);
                    a0 = Vector256.FusedMultiplyAdd(r, Vector256.LoadUnsafe(ref p0, (nuint)c), a0);
                    a1 = Vector256.FusedMultiplyAdd(r, Vector256.LoadUnsafe(ref p0, (nuint)(lp + c)), a1);
                    a2 = Vector256.FusedMultiplyAdd(r, Vector256.LoadUnsafe(ref p0, (nuint)((2 * lp) + c)), a2);
                    a3 = Vector256.FusedMultiplyAdd(r, Vector256.LoadUnsafe(ref p0, (nuint)((3 * lp) + c)), a3);
                }

                var sums = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
                var result = (sums.GetLower() + sums.GetUpper()) * vFactor;
                if (d + 4 <= dk)
                {
                    result.StoreUnsafe(ref oi, (nuint)d);
                }
                else
                {
                    for (int e = d; e < dk; e++)
                    {
                        Unsafe.Add(ref oi, e) = result[e - d];
                    }
                }
            }
        }
    }

    /// <summary>The first maxLen values of a row padded to lp (whole vectors, a masked last one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(ref T from, ref T to, int lp, Vector256<T> tailMask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count, c = 0;
        for (; c < lp - vc; c += vc)
        {
            Vector256.LoadUnsafe(ref from, (nuint)c).StoreUnsafe(ref to, (nuint)c);
        }

        VectorMath.StoreMasked(Vector256.LoadUnsafe(ref from, (nuint)c), ref Unsafe.Add(ref to, c), tailMask);
    }

    /// <summary>A row of maxLen values into a row padded to lp, zero past maxLen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRow<T>(ref T from, ref T to, int lp, Vector256<T> tailMask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count, c = 0;
        for (; c < lp - vc; c += vc)
        {
            Vector256.LoadUnsafe(ref from, (nuint)c).StoreUnsafe(ref to, (nuint)c);
        }

        VectorMath.LoadMasked(ref Unsafe.Add(ref from, c), tailMask).StoreUnsafe(ref to, (nuint)c);
    }

    /// <summary>Per vector of keys: which scores are replaced, and by what (the masked score, or -inf past maxLen).</summary>
    private static KeyMask<T> KeyMasks<T>(ReadOnlySpan<int> padKeys, int maxLen, int lp, T masked)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = Workspace<T>.Get(2, 2 * lp);
        var replace = buffer[..lp];
        var value = buffer[lp..];
        replace.Clear();
        value.Clear();
        var all = Vector256<T>.AllBitsSet.ToScalar();
        foreach (int j in padKeys)
        {
            replace[j] = all;
            value[j] = masked;
        }

        replace[maxLen..].Fill(all);
        value[maxLen..].Fill(T.NegativeInfinity);
        return new KeyMask<T>(ref MemoryMarshal.GetReference(buffer), lp);
    }

    private readonly ref struct KeyMask<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ref T _replace;
        private readonly ref T _value;

        public KeyMask(ref T buffer, int lp)
        {
            _replace = ref buffer;
            _value = ref Unsafe.Add(ref buffer, lp);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<T> Replace(int c) => Vector256.LoadUnsafe(ref _replace, (nuint)c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<T> Value(int c) => Vector256.LoadUnsafe(ref _value, (nuint)c);
    }
}
