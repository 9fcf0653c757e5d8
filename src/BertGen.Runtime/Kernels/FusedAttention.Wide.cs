using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>
/// The float attention for 9 to 16 rows where AVX-512 or AVX2 is native, with the queries along a 512-bit vector: a
/// row of the transposed scores holds one key's score for all sixteen query lanes, so the softmax over the keys is a
/// lane-by-lane maximum and sum over independent vectors, with no reduction across a vector and no scalar division,
/// and the exponentials run at full throughput. 16x16 tiles are transposed in registers to read and write the row-major tensors.
/// Every sum is taken in the order of the row kernel (two eight-lane halves, then the same tree of additions), so both
/// give the same bits: a machine without AVX-512 trains to the same numbers. Where AVX2 is native and AVX-512 is not,
/// the kernel runs too, its 512-bit arithmetic as two 256-bit halves and its moves those of FusedAttention.Wide.Avx2.cs
/// (measured on an AMD EPYC without AVX-512: 8-10% faster than the row kernel as first ported, about twice as fast once
/// its stores no longer went through AVX's masked store; bench/RESULTS.md, the sixth round).
/// With neither, it moves values element by element, and only its test takes it there.
/// </summary>
public static partial class FusedAttention
{
    /// <summary>Whether <see cref="WideForward{TShape}"/> and <see cref="WideBackward{TShape}"/> serve this shape here.</summary>
    internal static bool WideFits(int maxLen, int dk) => maxLen is > 8 and <= 16 && dk <= 16 && (Avx512F.IsSupported || Avx2Moves.IsSupported);

    /// <summary><see cref="Forward"/> in float, queries along 16 lanes; maxLen in 9..16, dk to 16, lengths as Forward checks them.</summary>
    // Never inlined: with dynamic PGO the JIT took it into Forward, ran out of its inlining budget there and called
    // Vector512's helpers (StoreUnsafe, the halves' constructors) instead of inlining them, where AVX-512 is not native.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void WideForward<TShape>(
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<int> padKeys, Span<float> scores, Span<float> attn, Span<float> context,
        float scale, float masked)
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, heads = TShape.Heads, dk = TShape.HeadWidth;
        int width = heads * dk, square = maxLen * maxLen;

        // st: one key per row, [16, 16], rows from maxLen zero; tile: the same the other way round; qt: q transposed,
        // [width rounded to 16, 16] (head h from row h * dk); columns: a result per column of the head, [16, 16].
        int wp = (width + 15) & ~15;
        var work = Workspace<float>.Get(0, (3 * 256) + (wp * 16));
        ref float st = ref MemoryMarshal.GetReference(work);
        ref float tile = ref Unsafe.Add(ref st, 256);
        ref float qt = ref Unsafe.Add(ref tile, 256);
        ref float columns = ref Unsafe.Add(ref MemoryMarshal.GetReference(work), 512 + (wp * 16));
        work.Slice(maxLen * 16, (16 - maxLen) * 16).Clear();
        TransposeAll(q, width, maxLen, ref tile, ref qt);
        // Bit j set where key j is [PAD].
        int padBits = 0;
        foreach (int j in padKeys)
        {
            padBits |= 1 << j;
        }

        ref float kr = ref MemoryMarshal.GetReference(k);
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float cr = ref MemoryMarshal.GetReference(context);
        var vScale = Vector512.Create(scale);
        var vMasked = Vector512.Create(masked);
        var rowMask = RowMask(maxLen);
        for (int h = 0; h < heads; h++)
        {
            int at = h * dk;
            // Scores, one key per row: over the head's width, as the row kernel sums them, four keys at a time; then
            // replaced where the key is [PAD]. A group of [PAD] keys alone is not multiplied out.
            for (int j = 0; j < maxLen; j += 4)
            {
                int group = ((1 << Math.Min(4, maxLen - j)) - 1) << j;
                if ((padBits & group) != group)
                {
                    HeadRows4(ref Unsafe.Add(ref kr, at), width, j, maxLen, dk, ref Unsafe.Add(ref qt, at * 16), vScale, ref st);
                }
            }

            foreach (int j in padKeys)
            {
                vMasked.StoreUnsafe(ref st, (nuint)(j * 16));
            }

            if (!scores.IsEmpty)
            {
                Transpose16(ref st, ref tile);
                WriteRows(ref tile, maxLen, rowMask, ref MemoryMarshal.GetReference(scores.Slice(h * square)));
            }

            SoftmaxOverKeys<TShape>(ref st, padBits, masked);
            Transpose16(ref st, ref tile);
            WriteRows(ref tile, maxLen, rowMask, ref MemoryMarshal.GetReference(attn.Slice(h * square)));

            // Context: the weights of each key times that key's value, summed over the keys as the row kernel's dot products.
            for (int d = 0; d < dk; d++)
            {
                DotOverKeys(ref st, ref Unsafe.Add(ref vr, at + d), width, maxLen).StoreUnsafe(ref columns, (nuint)(d * 16));
            }

            WriteColumns(ref columns, dk, maxLen, ref Unsafe.Add(ref cr, at), width);
        }
    }

    /// <summary>
    /// The wide forward pass's softmax over the keys, lane by lane, in place in <paramref name="st"/> (one key per row).
    /// Its own method, so that the forward pass stays within the JIT's inlining budget: inlined, its [PAD] test left the
    /// JIT calling Vector512's halves' helpers in the rest of the pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SoftmaxOverKeys<TShape>(ref float st, int padBits, float masked)
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen;
        var max = Vector512.LoadUnsafe(ref st);
        for (int j = 1; j < maxLen; j++)
        {
            max = Vector512.MaxNative(max, Vector512.LoadUnsafe(ref st, (nuint)(j * 16)));
        }

        // Every [PAD] key's row is the masked score in every lane, so its exponentials are one vector, worked out once
        // (0 wherever a lane's maximum is a real score).
        var padWeights = VectorMath.ExpFloat(Vector512.Create(masked) - max);
        for (int j = 0; j < maxLen; j++)
        {
            if (IsPad(padBits, j))
            {
                padWeights.StoreUnsafe(ref st, (nuint)(j * 16));
            }
            else
            {
                VectorMath.ExpFloat(Vector512.LoadUnsafe(ref st, (nuint)(j * 16)) - max).StoreUnsafe(ref st, (nuint)(j * 16));
            }
        }

        var inverse = Vector512<float>.One / SumOverKeys(ref st, maxLen);
        for (int j = 0; j < maxLen; j++)
        {
            (Vector512.LoadUnsafe(ref st, (nuint)(j * 16)) * inverse).StoreUnsafe(ref st, (nuint)(j * 16));
        }
    }

    /// <summary><see cref="Backward"/> in float, queries along 16 lanes; maxLen in 9..16, dk to 16, lengths as Backward checks them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // as WideForward
    internal static void WideBackward<TShape>(
        ReadOnlySpan<float> dContext, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> attn,
        Span<float> dAttn, Span<float> dScores, Span<float> dq, Span<float> dk, Span<float> dv, float scale)
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, heads = TShape.Heads, headWidth = TShape.HeadWidth;
        int width = heads * headWidth, square = maxLen * maxLen;

        // pRows: attn [query, key]; pt, dpt, dst: attn, dAttn, dScores [key, query]; dsRows: dScores [query, key];
        // dkColumns, dvColumns: a result per column of the head, [16, 16]; dct: dContext transposed, [width rounded to 16,
        // 16] (head h from row h * headWidth). The first five start with zero rows from maxLen, so that lanes past maxLen
        // hold zeros, not stale values (they are never written out either way); dsRows also serves as scratch (for TransposeAll).
        int wp = (width + 15) & ~15;
        var work = Workspace<float>.Get(0, (7 * 256) + (wp * 16));
        ref float pRows = ref MemoryMarshal.GetReference(work);
        ref float pt = ref Unsafe.Add(ref pRows, 256);
        ref float dpt = ref Unsafe.Add(ref pt, 256);
        ref float dst = ref Unsafe.Add(ref dpt, 256);
        ref float dsRows = ref Unsafe.Add(ref dst, 256);
        ref float dkColumns = ref Unsafe.Add(ref dsRows, 256);
        ref float dvColumns = ref Unsafe.Add(ref dkColumns, 256);
        ref float dct = ref Unsafe.Add(ref dvColumns, 256);
        for (int t = 0; t < 5; t++)
        {
            work.Slice((t * 256) + (maxLen * 16), (16 - maxLen) * 16).Clear();
        }

        TransposeAll(dContext, width, maxLen, ref dsRows, ref dct);

        ref float qr = ref MemoryMarshal.GetReference(q);
        ref float kr = ref MemoryMarshal.GetReference(k);
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float dcr = ref MemoryMarshal.GetReference(dContext);
        var vScale = Vector512.Create(scale);
        var rowMask = RowMask(maxLen);
        for (int h = 0; h < heads; h++)
        {
            int at = h * headWidth;
            LoadRows16(ref MemoryMarshal.GetReference(attn.Slice(h * square)), maxLen, rowMask, ref pRows);
            Transpose16(ref pRows, ref pt);

            // dAttn = dContext v_h^T, one key per row: over the head's width, four keys at a time (times one, exactly).
            for (int key = 0; key < maxLen; key += 4)
            {
                HeadRows4(ref Unsafe.Add(ref vr, at), width, key, maxLen, headWidth, ref Unsafe.Add(ref dct, at * 16), Vector512<float>.One, ref dpt);
            }

            if (!dAttn.IsEmpty)
            {
                Transpose16(ref dpt, ref dsRows);
                WriteRows(ref dsRows, maxLen, rowMask, ref MemoryMarshal.GetReference(dAttn.Slice(h * square)));
            }

            // Through the softmax, lane by lane: dScores = attn * (dAttn - sum over keys of attn * dAttn).
            var weighted = WeightedOverKeys(ref pt, ref dpt, maxLen);
            for (int j = 0; j < maxLen; j++)
            {
                nuint row = (nuint)(j * 16);
                (Vector512.LoadUnsafe(ref pt, row) * (Vector512.LoadUnsafe(ref dpt, row) - weighted)).StoreUnsafe(ref dst, row);
            }

            Transpose16(ref dst, ref dsRows);
            if (!dScores.IsEmpty)
            {
                WriteRows(ref dsRows, maxLen, rowMask, ref MemoryMarshal.GetReference(dScores.Slice(h * square)));
            }

            // dq_i = scale * sum over keys j of dScores_ij k_j, summed as the row kernel's dot products.
            for (int d = 0; d < headWidth; d++)
            {
                (DotOverKeys(ref dst, ref Unsafe.Add(ref kr, at + d), width, maxLen) * vScale).StoreUnsafe(ref dkColumns, (nuint)(d * 16));
            }

            WriteColumns(ref dkColumns, headWidth, maxLen, ref Unsafe.Add(ref MemoryMarshal.GetReference(dq), at), width);

            // dk_j = scale * sum over queries i of dScores_ij q_i; dv_j = sum over queries i of attn_ij dContext_i: the keys
            // along the vector, the queries in order. Four columns of the head at a time (eight chains of multiply-adds
            // overlap): in 512 bits where there are 32 vector registers, else one 256-bit half of the keys after the
            // other (eight 512-bit accumulators would be all sixteen 256-bit registers); then two at a time, a column
            // past the head's last being that column again, done twice to the same values.
            int d0 = 0;
            if (Avx512F.IsSupported)
            {
                for (; d0 + 2 < headWidth; d0 += 4)
                {
                    DkDv4(ref dsRows, ref pRows, ref qr, ref dcr, at, d0, headWidth, width, maxLen, vScale, ref dkColumns, ref dvColumns);
                }
            }
            else if (Avx2Moves.IsSupported)
            {
                for (; d0 + 4 <= headWidth; d0 += 4)
                {
                    Avx2Moves.DkDv4(
                        ref dsRows, ref pRows, ref Unsafe.Add(ref qr, at + d0), ref Unsafe.Add(ref dcr, at + d0), width, maxLen, vScale.GetLower(),
                        ref Unsafe.Add(ref dkColumns, d0 * 16), ref Unsafe.Add(ref dvColumns, d0 * 16));
                }
            }

            for (int d = d0; d < headWidth; d += 2)
            {
                int e = Math.Min(d + 1, headWidth - 1);
                ref float qd = ref Unsafe.Add(ref qr, at + d);
                ref float qe = ref Unsafe.Add(ref qr, at + e);
                ref float dcd = ref Unsafe.Add(ref dcr, at + d);
                ref float dce = ref Unsafe.Add(ref dcr, at + e);
                Vector512<float> dkD = default, dkE = default, dvD = default, dvE = default;
                for (int i = 0; i < maxLen; i++)
                {
                    var ds = Row(ref dsRows, i);
                    var p = Row(ref pRows, i);
                    dkD = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref qd, i * width)), ds, dkD);
                    dkE = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref qe, i * width)), ds, dkE);
                    dvD = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref dcd, i * width)), p, dvD);
                    dvE = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref dce, i * width)), p, dvE);
                }

                (dkD * vScale).StoreUnsafe(ref dkColumns, (nuint)(d * 16));
                (dkE * vScale).StoreUnsafe(ref dkColumns, (nuint)(e * 16));
                dvD.StoreUnsafe(ref dvColumns, (nuint)(d * 16));
                dvE.StoreUnsafe(ref dvColumns, (nuint)(e * 16));
            }

            WriteColumns(ref dkColumns, headWidth, maxLen, ref Unsafe.Add(ref MemoryMarshal.GetReference(dk), at), width);
            WriteColumns(ref dvColumns, headWidth, maxLen, ref Unsafe.Add(ref MemoryMarshal.GetReference(dv), at), width);
        }
    }

    /// <summary>
    /// For keys j = j0 to j0 + 3 (a key past maxLen being the last again), the sum over d below dk of m[j, d] (rows of
    /// <paramref name="width"/>) times row d of <paramref name="panel"/> (rows of 16), in order, times
    /// <paramref name="scale"/>, stored as row j of <paramref name="to"/> (rows of 16): four keys' rows of scores from
    /// the queries, or of dAttn from dContext, as the row kernel sums them, in four chains that overlap. It stores
    /// rather than returns: four Vector512 results left the JIT building them half by half through calls where
    /// AVX-512 is not native (the backward pass ran twice as long).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HeadRows4(ref float m, int width, int j0, int maxLen, int dk, ref float panel, Vector512<float> scale, ref float to)
    {
        if (!Avx512F.IsSupported && Avx2Moves.IsSupported)
        {
            Avx2Moves.HeadRows4(ref m, width, j0, maxLen, dk, ref panel, scale.GetLower(), ref to);
            return;
        }

        int j1 = Math.Min(j0 + 1, maxLen - 1), j2 = Math.Min(j0 + 2, maxLen - 1), j3 = Math.Min(j0 + 3, maxLen - 1);
        ref float m0 = ref Unsafe.Add(ref m, j0 * width);
        ref float m1 = ref Unsafe.Add(ref m, j1 * width);
        ref float m2 = ref Unsafe.Add(ref m, j2 * width);
        ref float m3 = ref Unsafe.Add(ref m, j3 * width);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var acc2 = Vector512<float>.Zero;
        var acc3 = Vector512<float>.Zero;
        for (int d = 0; d < dk; d++)
        {
            var row = Row(ref panel, d);
            acc0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref m0, d)), row, acc0);
            acc1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref m1, d)), row, acc1);
            acc2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref m2, d)), row, acc2);
            acc3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref m3, d)), row, acc3);
        }

        (acc0 * scale).StoreUnsafe(ref to, (nuint)(j0 * 16));
        (acc1 * scale).StoreUnsafe(ref to, (nuint)(j1 * 16));
        (acc2 * scale).StoreUnsafe(ref to, (nuint)(j2 * 16));
        (acc3 * scale).StoreUnsafe(ref to, (nuint)(j3 * 16));
    }

    /// <summary>
    /// Columns d0 to d0 + 3 of the head (a column past the last being the last again) of dk (times
    /// <paramref name="scale"/>) and dv, one lane per key, into rows of <paramref name="dkColumns"/> and
    /// <paramref name="dvColumns"/>: each the sum over the queries in order, as the two-column loop of
    /// <see cref="WideBackward{TShape}"/> sums it, in eight chains that overlap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DkDv4(
        ref float dsRows, ref float pRows, ref float qr, ref float dcr, int at, int d0, int headWidth, int width, int maxLen, Vector512<float> scale,
        ref float dkColumns, ref float dvColumns)
    {
        int d1 = Math.Min(d0 + 1, headWidth - 1), d2 = Math.Min(d0 + 2, headWidth - 1), d3 = Math.Min(d0 + 3, headWidth - 1);
        ref float q0 = ref Unsafe.Add(ref qr, at + d0);
        ref float q1 = ref Unsafe.Add(ref qr, at + d1);
        ref float q2 = ref Unsafe.Add(ref qr, at + d2);
        ref float q3 = ref Unsafe.Add(ref qr, at + d3);
        ref float c0 = ref Unsafe.Add(ref dcr, at + d0);
        ref float c1 = ref Unsafe.Add(ref dcr, at + d1);
        ref float c2 = ref Unsafe.Add(ref dcr, at + d2);
        ref float c3 = ref Unsafe.Add(ref dcr, at + d3);
        Vector512<float> dk0 = default, dk1 = default, dk2 = default, dk3 = default;
        Vector512<float> dv0 = default, dv1 = default, dv2 = default, dv3 = default;
        for (int i = 0; i < maxLen; i++)
        {
            var ds = Row(ref dsRows, i);
            var p = Row(ref pRows, i);
            int row = i * width;
            dk0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q0, row)), ds, dk0);
            dk1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q1, row)), ds, dk1);
            dk2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q2, row)), ds, dk2);
            dk3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q3, row)), ds, dk3);
            dv0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref c0, row)), p, dv0);
            dv1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref c1, row)), p, dv1);
            dv2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref c2, row)), p, dv2);
            dv3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref c3, row)), p, dv3);
        }

        (dk0 * scale).StoreUnsafe(ref dkColumns, (nuint)(d0 * 16));
        (dk1 * scale).StoreUnsafe(ref dkColumns, (nuint)(d1 * 16));
        (dk2 * scale).StoreUnsafe(ref dkColumns, (nuint)(d2 * 16));
        (dk3 * scale).StoreUnsafe(ref dkColumns, (nuint)(d3 * 16));
        dv0.StoreUnsafe(ref dvColumns, (nuint)(d0 * 16));
        dv1.StoreUnsafe(ref dvColumns, (nuint)(d1 * 16));
        dv2.StoreUnsafe(ref dvColumns, (nuint)(d2 * 16));
        dv3.StoreUnsafe(ref dvColumns, (nuint)(d3 * 16));
    }

    /// <summary>Whether key j is [PAD]: bit j of the wide forward pass's pad bits is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPad(int padBits, int j) => (padBits & (1 << j)) != 0;

    /// <summary>All bits in the first maxLen of 16 lanes.</summary>
    private static Vector512<float> RowMask(int maxLen) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(maxLen)).AsSingle();

    // The row kernel sums a row of 16 keys as two eight-lane halves added lane by lane, h_l from keys l and l + 8, then
    // reduces the halves as ((h0 + h1) + (h2 + h3)) + ((h4 + h5) + (h6 + h7)); these sums over key rows do the same.
    // They are inlined, so that maxLen is a constant and the tests of each half fold away: without dynamic PGO (the
    // console program and a native build run without it) the JIT would otherwise call them (DotOverKeys took 4% of a
    // native training step on its own).

    /// <summary>The sum over the keys of rows[j] (the softmax's denominators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SumOverKeys(ref float rows, int maxLen)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Half(ref float rows, int l, int maxLen) =>
            l + 8 < maxLen ? Row(ref rows, l) + Row(ref rows, l + 8) : Row(ref rows, l);

        return Tree(Half(ref rows, 0, maxLen), Half(ref rows, 1, maxLen), Half(ref rows, 2, maxLen), Half(ref rows, 3, maxLen),
            Half(ref rows, 4, maxLen), Half(ref rows, 5, maxLen), Half(ref rows, 6, maxLen), Half(ref rows, 7, maxLen));
    }

    /// <summary>The sum over the keys of a[j] * b[j], each half's first product rounded, its second fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> WeightedOverKeys(ref float a, ref float b, int maxLen)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Half(ref float a, ref float b, int l, int maxLen)
        {
            var first = Row(ref a, l) * Row(ref b, l);
            return l + 8 < maxLen ? Vector512.FusedMultiplyAdd(Row(ref a, l + 8), Row(ref b, l + 8), first) : first;
        }

        return Tree(Half(ref a, ref b, 0, maxLen), Half(ref a, ref b, 1, maxLen), Half(ref a, ref b, 2, maxLen), Half(ref a, ref b, 3, maxLen),
            Half(ref a, ref b, 4, maxLen), Half(ref a, ref b, 5, maxLen), Half(ref a, ref b, 6, maxLen), Half(ref a, ref b, 7, maxLen));
    }

    /// <summary>The sum over the keys j of rows[j] * column[j * stride] (a weighted sum of one column of a head).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> DotOverKeys(ref float rows, ref float column, int stride, int maxLen)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Half(ref float rows, ref float column, int stride, int l, int maxLen)
        {
            var first = Row(ref rows, l) * Vector512.Create(Unsafe.Add(ref column, l * stride));
            return l + 8 < maxLen
                ? Vector512.FusedMultiplyAdd(Row(ref rows, l + 8), Vector512.Create(Unsafe.Add(ref column, (l + 8) * stride)), first)
                : first;
        }

        return Tree(Half(ref rows, ref column, stride, 0, maxLen), Half(ref rows, ref column, stride, 1, maxLen),
            Half(ref rows, ref column, stride, 2, maxLen), Half(ref rows, ref column, stride, 3, maxLen),
            Half(ref rows, ref column, stride, 4, maxLen), Half(ref rows, ref column, stride, 5, maxLen),
            Half(ref rows, ref column, stride, 6, maxLen), Half(ref rows, ref column, stride, 7, maxLen));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Tree(
        Vector512<float> h0, Vector512<float> h1, Vector512<float> h2, Vector512<float> h3,
        Vector512<float> h4, Vector512<float> h5, Vector512<float> h6, Vector512<float> h7) =>
        ((h0 + h1) + (h2 + h3)) + ((h4 + h5) + (h6 + h7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(ref float rows, int j) => Vector512.LoadUnsafe(ref rows, (nuint)(j * 16));

    /// <summary>
    /// The maxLen rows of maxLen values at <paramref name="from"/> as rows of 16 (zero in the lanes from maxLen) at
    /// <paramref name="to"/>. Where AVX-512 is native the rows are pinned once, not at every row: pinned row by row,
    /// every load waited on a store and a reload of the pin (7% of the backward kernel, AMD EPYC with AVX-512).
    /// </summary>
    private static unsafe void LoadRows16(ref float from, int maxLen, Vector512<float> rowMask, ref float to)
    {
        if (Avx512F.IsSupported)
        {
            fixed (float* p = &from)
            {
                for (int i = 0; i < maxLen; i++)
                {
                    Avx512F.MaskLoad(p + (i * maxLen), rowMask, Vector512<float>.Zero).StoreUnsafe(ref to, (nuint)(i * 16));
                }
            }

            return;
        }

        for (int i = 0; i < maxLen; i++)
        {
            ref float row = ref Unsafe.Add(ref from, i * maxLen);
            var values = Avx2Moves.IsSupported ? Avx2Moves.Load(ref row, rowMask) : Portable.Load(ref row, rowMask);
            values.StoreUnsafe(ref to, (nuint)(i * 16));
        }
    }

    /// <summary>
    /// to[c, i] = m[i, c] for every column c of a [maxLen, width] matrix, the rows along 16 lanes, zero from maxLen: 16
    /// columns at a time through <paramref name="tile"/>, transposed in registers. <paramref name="to"/> has width
    /// rounded up to 16 rows.
    /// </summary>
    private static unsafe void TransposeAll(ReadOnlySpan<float> m, int width, int maxLen, ref float tile, ref float to)
    {
        if (!Avx512F.IsSupported)
        {
            if (Avx2Moves.IsSupported)
            {
                Avx2Moves.TransposeAll(m, width, maxLen, ref tile, ref to);
                return;
            }

            Portable.TransposeAll(m, width, maxLen, ref to);
            return;
        }

        fixed (float* p = m)
        {
            for (int c0 = 0; c0 < width; c0 += 16)
            {
                var mask = RowMask(Math.Min(16, width - c0));
                int i = 0;
                for (; i < maxLen; i++)
                {
                    Avx512F.MaskLoad(p + (i * width) + c0, mask, Vector512<float>.Zero).StoreUnsafe(ref tile, (nuint)(i * 16));
                }

                for (; i < 16; i++)
                {
                    Vector512<float>.Zero.StoreUnsafe(ref tile, (nuint)(i * 16));
                }

                Transpose16(ref tile, ref Unsafe.Add(ref to, c0 * 16));
            }
        }
    }

    /// <summary>The first maxLen values of each of the first maxLen rows of a tile (rows of 16) to maxLen-wide rows.</summary>
    private static unsafe void WriteRows(ref float tile, int maxLen, Vector512<float> rowMask, ref float output)
    {
        if (!Avx512F.IsSupported)
        {
            if (Avx2Moves.IsSupported)
            {
                Avx2Moves.WriteRows(ref tile, maxLen, rowMask, ref output);
                return;
            }

            Portable.WriteRows(ref tile, maxLen, ref output);
            return;
        }

        fixed (float* o = &output)
        {
            for (int i = 0; i < maxLen; i++)
            {
                Avx512F.MaskStore(o + (i * maxLen), rowMask, Row(ref tile, i));
            }
        }
    }

    /// <summary>
    /// Rows d below dk of <paramref name="columns"/> (a lane per query or key) as column d of maxLen output rows at
    /// i * stride. Four rows at a time: interleaving them transposes each 128-bit block, which leaves row i's four values
    /// in block i / 4 of the (i mod 4)th result, stored from there. (Through a scratch tile instead, each 16-byte read
    /// of a 64-byte store just made waited for it: a fifth of the backward kernel's time in a native profile on an AMD
    /// EPYC with AVX-512; bench/RESULTS.md, the thirteenth round.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteColumns(ref float columns, int dk, int maxLen, ref float output, int stride)
    {
        if (!Avx512F.IsSupported)
        {
            if (Avx2Moves.IsSupported)
            {
                Avx2Moves.WriteColumns(ref columns, dk, maxLen, ref output, stride);
                return;
            }

            Portable.WriteColumns(ref columns, dk, maxLen, ref output, stride);
            return;
        }

        fixed (float* o = &output)
        {
            for (int g = 0; g < dk; g += 4)
            {
                var t0 = Avx512F.UnpackLow(Row(ref columns, g), Row(ref columns, g + 1));
                var t1 = Avx512F.UnpackHigh(Row(ref columns, g), Row(ref columns, g + 1));
                var t2 = Avx512F.UnpackLow(Row(ref columns, g + 2), Row(ref columns, g + 3));
                var t3 = Avx512F.UnpackHigh(Row(ref columns, g + 2), Row(ref columns, g + 3));
                var s0 = Avx512F.Shuffle(t0, t2, 0x44);
                var s1 = Avx512F.Shuffle(t0, t2, 0xEE);
                var s2 = Avx512F.Shuffle(t1, t3, 0x44);
                var s3 = Avx512F.Shuffle(t1, t3, 0xEE);
                int count = Math.Min(4, dk - g);
                var mask = Vector128.LessThan(Vector128.Create(0, 1, 2, 3), Vector128.Create(count)).AsSingle();
                float* to = o + g;
                // Written out block by block: the extraction takes its block as a constant (CA1857), not a parameter.
                ColumnsBlock(Avx512F.ExtractVector128(s0, 0), Avx512F.ExtractVector128(s1, 0), Avx512F.ExtractVector128(s2, 0), Avx512F.ExtractVector128(s3, 0), 0, maxLen, to, stride, count, mask);
                ColumnsBlock(Avx512F.ExtractVector128(s0, 1), Avx512F.ExtractVector128(s1, 1), Avx512F.ExtractVector128(s2, 1), Avx512F.ExtractVector128(s3, 1), 4, maxLen, to, stride, count, mask);
                ColumnsBlock(Avx512F.ExtractVector128(s0, 2), Avx512F.ExtractVector128(s1, 2), Avx512F.ExtractVector128(s2, 2), Avx512F.ExtractVector128(s3, 2), 8, maxLen, to, stride, count, mask);
                ColumnsBlock(Avx512F.ExtractVector128(s0, 3), Avx512F.ExtractVector128(s1, 3), Avx512F.ExtractVector128(s2, 3), Avx512F.ExtractVector128(s3, 3), 12, maxLen, to, stride, count, mask);
            }
        }
    }

    /// <summary>Rows i0 to i0 + 3 (those below maxLen) of <see cref="WriteColumns"/>: count values of each, from row i0 + m's four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ColumnsBlock(
        Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3, int i0, int maxLen, float* to, int stride, int count, Vector128<float> mask)
    {
        ColumnsRow(r0, i0, maxLen, to, stride, count, mask);
        ColumnsRow(r1, i0 + 1, maxLen, to, stride, count, mask);
        ColumnsRow(r2, i0 + 2, maxLen, to, stride, count, mask);
        ColumnsRow(r3, i0 + 3, maxLen, to, stride, count, mask);
    }

    /// <summary>Output row i's count values of <paramref name="four"/>, if the row exists (under a mask when count is under four).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ColumnsRow(Vector128<float> four, int i, int maxLen, float* to, int stride, int count, Vector128<float> mask)
    {
        if (i >= maxLen)
        {
            return;
        }

        if (count == 4)
        {
            four.Store(to + (i * stride));
        }
        else
        {
            Avx512F.VL.MaskStore(to + (i * stride), mask, four);
        }
    }

    /// <summary>
    /// A 16x16 tile (rows of 16) transposed in registers: pairs interleaved, then quadruples, then 128-bit blocks twice.
    /// </summary>
    private static void Transpose16(ref float from, ref float to)
    {
        if (!Avx512F.IsSupported)
        {
            if (Avx2Moves.IsSupported)
            {
                Avx2Moves.Transpose16(ref from, ref to);
                return;
            }

            Portable.Transpose16(ref from, ref to);
            return;
        }

        var t0 = Avx512F.UnpackLow(Row(ref from, 0), Row(ref from, 1));
        var t1 = Avx512F.UnpackHigh(Row(ref from, 0), Row(ref from, 1));
        var t2 = Avx512F.UnpackLow(Row(ref from, 2), Row(ref from, 3));
        var t3 = Avx512F.UnpackHigh(Row(ref from, 2), Row(ref from, 3));
        var t4 = Avx512F.UnpackLow(Row(ref from, 4), Row(ref from, 5));
        var t5 = Avx512F.UnpackHigh(Row(ref from, 4), Row(ref from, 5));
        var t6 = Avx512F.UnpackLow(Row(ref from, 6), Row(ref from, 7));
        var t7 = Avx512F.UnpackHigh(Row(ref from, 6), Row(ref from, 7));
        var t8 = Avx512F.UnpackLow(Row(ref from, 8), Row(ref from, 9));
        var t9 = Avx512F.UnpackHigh(Row(ref from, 8), Row(ref from, 9));
        var t10 = Avx512F.UnpackLow(Row(ref from, 10), Row(ref from, 11));
        var t11 = Avx512F.UnpackHigh(Row(ref from, 10), Row(ref from, 11));
        var t12 = Avx512F.UnpackLow(Row(ref from, 12), Row(ref from, 13));
        var t13 = Avx512F.UnpackHigh(Row(ref from, 12), Row(ref from, 13));
        var t14 = Avx512F.UnpackLow(Row(ref from, 14), Row(ref from, 15));
        var t15 = Avx512F.UnpackHigh(Row(ref from, 14), Row(ref from, 15));

        // u(4r + m): column 4b + m of rows 4r..4r+3, in 128-bit block b.
        var u0 = Avx512F.Shuffle(t0, t2, 0x44);
        var u1 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2 = Avx512F.Shuffle(t1, t3, 0x44);
        var u3 = Avx512F.Shuffle(t1, t3, 0xEE);
        var u4 = Avx512F.Shuffle(t4, t6, 0x44);
        var u5 = Avx512F.Shuffle(t4, t6, 0xEE);
        var u6 = Avx512F.Shuffle(t5, t7, 0x44);
        var u7 = Avx512F.Shuffle(t5, t7, 0xEE);
        var u8 = Avx512F.Shuffle(t8, t10, 0x44);
        var u9 = Avx512F.Shuffle(t8, t10, 0xEE);
        var u10 = Avx512F.Shuffle(t9, t11, 0x44);
        var u11 = Avx512F.Shuffle(t9, t11, 0xEE);
        var u12 = Avx512F.Shuffle(t12, t14, 0x44);
        var u13 = Avx512F.Shuffle(t12, t14, 0xEE);
        var u14 = Avx512F.Shuffle(t13, t15, 0x44);
        var u15 = Avx512F.Shuffle(t13, t15, 0xEE);
        Columns(u0, u4, u8, u12, ref to, 0);
        Columns(u1, u5, u9, u13, ref to, 1);
        Columns(u2, u6, u10, u14, ref to, 2);
        Columns(u3, u7, u11, u15, ref to, 3);
    }

    /// <summary>Output rows m, 4 + m, 8 + m and 12 + m from the four row quadruples' column m of each 128-bit block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, ref float to, int m)
    {
        var ab01 = Avx512F.Shuffle4x128(a, b, 0x44);
        var ab23 = Avx512F.Shuffle4x128(a, b, 0xEE);
        var cd01 = Avx512F.Shuffle4x128(c, d, 0x44);
        var cd23 = Avx512F.Shuffle4x128(c, d, 0xEE);
        Avx512F.Shuffle4x128(ab01, cd01, 0x88).StoreUnsafe(ref to, (nuint)(m * 16));
        Avx512F.Shuffle4x128(ab01, cd01, 0xDD).StoreUnsafe(ref to, (nuint)((4 + m) * 16));
        Avx512F.Shuffle4x128(ab23, cd23, 0x88).StoreUnsafe(ref to, (nuint)((8 + m) * 16));
        Avx512F.Shuffle4x128(ab23, cd23, 0xDD).StoreUnsafe(ref to, (nuint)((12 + m) * 16));
    }

    /// <summary>
    /// The moves above element by element, for a machine with neither AVX-512 nor AVX2: there the models never take the
    /// wide kernel (the row kernel is faster), but its test still runs it, so that every machine checks its arithmetic
    /// against the row kernel's bits; the AVX-512 register transposes are checked where AVX-512 is native, the AVX2 ones
    /// against these (FusedAttentionMovesTests).
    /// </summary>
    internal static class Portable
    {
        public static Vector512<float> Load(ref float from, Vector512<float> rowMask)
        {
            Span<float> lanes = stackalloc float[16];
            for (int i = 0; i < 16; i++)
            {
                lanes[i] = rowMask.AsInt32()[i] != 0 ? Unsafe.Add(ref from, i) : 0;
            }

            return Vector512.Create((ReadOnlySpan<float>)lanes);
        }

        public static void TransposeAll(ReadOnlySpan<float> m, int width, int maxLen, ref float to)
        {
            int wp = (width + 15) & ~15;
            for (int c = 0; c < wp; c++)
            {
                for (int i = 0; i < 16; i++)
                {
                    Unsafe.Add(ref to, (c * 16) + i) = c < width && i < maxLen ? m[(i * width) + c] : 0;
                }
            }
        }

        public static void WriteRows(ref float tile, int maxLen, ref float output)
        {
            for (int i = 0; i < maxLen; i++)
            {
                for (int j = 0; j < maxLen; j++)
                {
                    Unsafe.Add(ref output, (i * maxLen) + j) = Unsafe.Add(ref tile, (i * 16) + j);
                }
            }
        }

        public static void WriteColumns(ref float columns, int dk, int maxLen, ref float output, int stride)
        {
            for (int i = 0; i < maxLen; i++)
            {
                for (int d = 0; d < dk; d++)
                {
                    Unsafe.Add(ref output, (i * stride) + d) = Unsafe.Add(ref columns, (d * 16) + i);
                }
            }
        }

        public static void Transpose16(ref float from, ref float to)
        {
            for (int r = 0; r < 16; r++)
            {
                for (int c = 0; c < 16; c++)
                {
                    Unsafe.Add(ref to, (c * 16) + r) = Unsafe.Add(ref from, (r * 16) + c);
                }
            }
        }
    }
}
