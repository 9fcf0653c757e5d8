using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BertGen.Kernels;

/// <summary>
/// The input embedding (the article's Figure 12): tok_embed[t] = tok[input_ids[t]], pos_embed[t] = pos[t],
/// seg_embed[t] = seg[segment_ids[t]], embedding = their sum; attn_mask[t] = 1 where the token is [PAD], else 0.
/// </summary>
public static class Embedding
{
    /// <summary>The embeddings of every sample; <paramref name="inputIds"/> and <paramref name="segmentIds"/> hold maxLen ids per sample.</summary>
    /// <param name="tok">The token embedding table, [vocabulary, Width].</param>
    /// <param name="pos">The position embedding table, [maxLen, Width].</param>
    /// <param name="seg">The segment embedding table, [segments, Width].</param>
    /// <param name="inputIds">input_ids of every sample.</param>
    /// <param name="segmentIds">segment_ids of every sample.</param>
    /// <param name="padId">The id of [PAD].</param>
    /// <param name="tokEmbed">[maxLen, Width] of each sample.</param>
    /// <param name="posEmbed">[maxLen, Width] of each sample.</param>
    /// <param name="segEmbed">[maxLen, Width] of each sample.</param>
    /// <param name="embedding">[maxLen, Width] of each sample.</param>
    /// <param name="attnMask">[maxLen] of each sample.</param>
    public static void Forward<T, TWidth>(
        ReadOnlySpan<T> tok, ReadOnlySpan<T> pos, ReadOnlySpan<T> seg, ReadOnlySpan<int> inputIds, ReadOnlySpan<int> segmentIds, int padId,
        Rows<T> tokEmbed, Rows<T> posEmbed, Rows<T> segEmbed, Rows<T> embedding, Rows<T> attnMask)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        // Row by row, in scalars: each value of the three rows is copied out and the three summed. (Masked vector loads
        // and stores for the last, partial vector of a row measured twice as slow at width 7 on AMD, where they are
        // microcoded; three span copies and a sum loop, 20% slower.)
        int width = TWidth.Width, maxLen = embedding.RowsPerSample;
        _ = pos[(maxLen * width) - 1];
        for (int s = 0; s < embedding.Count; s++)
        {
            var ids = inputIds.Slice(s * maxLen, maxLen);
            var segs = segmentIds.Slice(s * maxLen, maxLen);
            Span<T> te = tokEmbed.Sample(s), pe = posEmbed.Sample(s), se = segEmbed.Sample(s), e = embedding.Sample(s), mask = attnMask.Sample(s);
            _ = te[(maxLen * width) - 1];
            _ = pe[(maxLen * width) - 1];
            _ = se[(maxLen * width) - 1];
            _ = e[(maxLen * width) - 1];
            for (int t = 0; t < maxLen; t++)
            {
                ref readonly T tokRow = ref tok.Slice(ids[t] * width, width)[0];
                ref readonly T segRow = ref seg.Slice(segs[t] * width, width)[0];
                ref readonly T posRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(pos), t * width);
                ref T teRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(te), t * width);
                ref T peRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(pe), t * width);
                ref T seRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(se), t * width);
                ref T eRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(e), t * width);
                for (int i = 0; i < width; i++)
                {
                    T a = Unsafe.Add(ref Unsafe.AsRef(in tokRow), i), b = Unsafe.Add(ref Unsafe.AsRef(in posRow), i), c = Unsafe.Add(ref Unsafe.AsRef(in segRow), i);
                    Unsafe.Add(ref teRow, i) = a;
                    Unsafe.Add(ref peRow, i) = b;
                    Unsafe.Add(ref seRow, i) = c;
                    Unsafe.Add(ref eRow, i) = a + b + c;
                }

                mask[t] = ids[t] == padId ? T.One : T.Zero;
            }
        }
    }

    /// <summary>Backward of <see cref="Forward{T, TWidth}"/>: adds each row of dEmbedding to the rows of the three tables that were read.</summary>
    public static void Backward<T, TWidth>(
        ReadOnlyRows<T> dEmbedding, ReadOnlySpan<int> inputIds, ReadOnlySpan<int> segmentIds, Span<T> dTok, Span<T> dPos, Span<T> dSeg)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        int width = TWidth.Width, maxLen = dEmbedding.RowsPerSample;
        if (width <= Vector256<T>.Count && maxLen <= MaxNarrowRows && dSeg.Length <= MaxNarrowRows * width)
        {
            BackwardNarrow<T, TWidth>(dEmbedding, inputIds, segmentIds, dTok, dPos, dSeg);
            return;
        }

        for (int s = 0; s < dEmbedding.Count; s++)
        {
            var ids = inputIds.Slice(s * maxLen, maxLen);
            var segs = segmentIds.Slice(s * maxLen, maxLen);
            var de = dEmbedding.Sample(s);
            for (int t = 0; t < maxLen; t++)
            {
                var row = de.Slice(t * width, width);
                VectorMath.Add<T, TWidth>(dTok.Slice(ids[t] * width, width), row);
                VectorMath.Add<T, TWidth>(dPos.Slice(t * width, width), row);
                VectorMath.Add<T, TWidth>(dSeg.Slice(segs[t] * width, width), row);
            }
        }
    }

    /// <summary>The most positions, and segments, whose rows <see cref="BackwardNarrow{T, TWidth}"/> keeps on the stack.</summary>
    private const int MaxNarrowRows = 64;

    /// <summary>
    /// <see cref="Backward{T, TWidth}"/> for rows of at most one vector (the seed's 7): the rows of the position and
    /// segment tables, and the token row of a run of equal ids, are added up in vectors and written back once, in the
    /// same order per value, so with the same bits. Value by value through memory, each of the two segment rows was read
    /// and written again for every token of a batch.
    /// </summary>
    private static void BackwardNarrow<T, TWidth>(
        ReadOnlyRows<T> dEmbedding, ReadOnlySpan<int> inputIds, ReadOnlySpan<int> segmentIds, Span<T> dTok, Span<T> dPos, Span<T> dSeg)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        int width = TWidth.Width, maxLen = dEmbedding.RowsPerSample, segments = dSeg.Length / width;
        var mask = VectorMath.LaneMask<T>(width);
        Span<Vector256<T>> pos = stackalloc Vector256<T>[maxLen];
        Span<Vector256<T>> seg = stackalloc Vector256<T>[segments];
        for (int t = 0; t < maxLen; t++)
        {
            pos[t] = VectorMath.LoadMasked(ref dPos.Slice(t * width, width)[0], mask);
        }

        for (int g = 0; g < segments; g++)
        {
            seg[g] = VectorMath.LoadMasked(ref dSeg.Slice(g * width, width)[0], mask);
        }

        int current = -1;
        var token = Vector256<T>.Zero;
        for (int s = 0; s < dEmbedding.Count; s++)
        {
            var ids = inputIds.Slice(s * maxLen, maxLen);
            var segs = segmentIds.Slice(s * maxLen, maxLen);
            var de = dEmbedding.Sample(s);
            _ = de[(maxLen * width) - 1];
            int whole = VectorMath.RowsWithWholeVector<T>(de.Length, 0, width, maxLen);
            for (int t = 0; t < maxLen; t++)
            {
                var row = VectorMath.LoadMasked(ref Unsafe.AsRef(in de[t * width]), mask, t < whole);
                pos[t] += row;
                seg[segs[t]] += row;
                int id = ids[t];
                if (id != current)
                {
                    if (current >= 0)
                    {
                        VectorMath.StoreMasked(token, ref dTok.Slice(current * width, width)[0], mask);
                    }

                    current = id;
                    token = VectorMath.LoadMasked(ref dTok.Slice(id * width, width)[0], mask);
                }

                token += row;
            }
        }

        if (current >= 0)
        {
            VectorMath.StoreMasked(token, ref dTok.Slice(current * width, width)[0], mask);
        }

        for (int t = 0; t < maxLen; t++)
        {
            VectorMath.StoreMasked(pos[t], ref dPos.Slice(t * width, width)[0], mask);
        }

        for (int g = 0; g < segments; g++)
        {
            VectorMath.StoreMasked(seg[g], ref dSeg.Slice(g * width, width)[0], mask);
        }
    }
}
