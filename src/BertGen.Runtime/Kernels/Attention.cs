using System.Numerics;

namespace BertGen.Kernels;

/// <summary>
/// Masked scaled dot-product attention of every head of every sample (the article's encoder, Figure 15). q, k, v and
/// context are [maxLen, heads * dk]; head h's q_s, k_s, v_s and ctx are its dk columns [h*dk, (h+1)*dk). Per head:
/// scores = q_s k_s^T / sqrt(dk), -1e9 where the key is [PAD]; attn = softmax(scores) over the keys; ctx = attn v_s, so
/// that context is every head's ctx side by side. scores and attn are [heads, maxLen, maxLen].
/// </summary>
/// <remarks>
/// Short sequences with narrow heads (maxLen and dk up to 16) take <see cref="FusedAttention"/>: a row of scores lives in a
/// few vectors, and it beats three matrix products per head (measured with its row-at-a-time form: faster at maxLen 14,
/// a step 10% slower at maxLen 32; its 512-bit form serves 9 to 16 rows). Longer ones take matrix products per head.
/// The choice is made on the shape's constants, so each model compiles only its own path.
/// </remarks>
public static class Attention
{
    /// <summary>The score a [PAD] key gets before the softmax: its weight is then exactly 0.</summary>
    public const double MaskedScore = -1e9;

    /// <summary>Whether a shape takes the fused kernel.</summary>
    public static bool Fused<TShape>()
        where TShape : struct, IAttentionShape =>
        TShape.MaxLen <= 16 && TShape.HeadWidth <= 16;

    /// <summary>
    /// Attention of every sample; <paramref name="attnMask"/> is 1 at a [PAD] key, else 0 (the embedding's attn_mask).
    /// Empty (<c>default</c>) <paramref name="scores"/> leave the scores unwritten: a training step's forward pass, whose
    /// backward pass reads attn alone; the other results are the same either way.
    /// </summary>
    public static void Forward<T, TShape>(
        ReadOnlyRows<T> q, ReadOnlyRows<T> k, ReadOnlyRows<T> v, ReadOnlyRows<T> attnMask, Rows<T> scores, Rows<T> attn, Rows<T> context)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        T scale = Scale<T, TShape>();
        T masked = T.CreateTruncating(MaskedScore);
        Span<int> padKeys = stackalloc int[TShape.MaxLen];
        for (int s = 0; s < q.Count; s++)
        {
            var pads = PadKeys(attnMask.Sample(s), padKeys);
            if (Fused<TShape>())
            {
                FusedAttention.Forward<T, TShape>(q.Sample(s), k.Sample(s), v.Sample(s), pads, scores.Sample(s), attn.Sample(s), context.Sample(s), scale, masked);
            }
            else
            {
                HeadByHead<T, TShape>(q.Sample(s), k.Sample(s), v.Sample(s), pads, scores.Sample(s), attn.Sample(s), context.Sample(s), scale, masked);
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward{T, TShape}"/>: from dContext, writes dq, dk and dv. The fused kernel keeps the
    /// gradients of attn and scores to itself, since nothing reads them afterwards; the head-by-head path writes them into
    /// dAttn and dScores. A masked score was replaced, not computed, and its weight is 0, so no gradient flows through it.
    /// </summary>
    public static void Backward<T, TShape>(
        ReadOnlyRows<T> dContext, ReadOnlyRows<T> q, ReadOnlyRows<T> k, ReadOnlyRows<T> v, ReadOnlyRows<T> attn,
        Rows<T> dAttn, Rows<T> dScores, Rows<T> dq, Rows<T> dk, Rows<T> dv)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        T scale = Scale<T, TShape>();
        for (int s = 0; s < q.Count; s++)
        {
            if (Fused<TShape>())
            {
                FusedAttention.Backward<T, TShape>(dContext.Sample(s), q.Sample(s), k.Sample(s), v.Sample(s), attn.Sample(s), default, default, dq.Sample(s), dk.Sample(s), dv.Sample(s), scale);
            }
            else
            {
                HeadByHeadBackward<T, TShape>(
                    dContext.Sample(s), q.Sample(s), k.Sample(s), v.Sample(s), attn.Sample(s), dAttn.Sample(s), dScores.Sample(s), dq.Sample(s), dk.Sample(s), dv.Sample(s), scale);
            }
        }
    }

    /// <summary>1 / sqrt(dk), rounded to T from double.</summary>
    private static T Scale<T, TShape>()
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape =>
        T.CreateTruncating(1.0 / Math.Sqrt(TShape.HeadWidth));

    /// <summary>The keys whose mask is set, in order, in <paramref name="into"/>.</summary>
    private static ReadOnlySpan<int> PadKeys<T>(ReadOnlySpan<T> mask, Span<int> into)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pads = 0;
        for (int j = 0; j < mask.Length; j++)
        {
            if (mask[j] != T.Zero)
            {
                into[pads++] = j;
            }
        }

        return into.Slice(0, pads);
    }

    /// <summary>Values of one packed panel of q, k or v of a head.</summary>
    private static int PanelLength(int maxLen, int dk) => Math.Max(dk * Gemm.PaddedWidth(maxLen), maxLen * Gemm.PaddedWidth(dk));

    /// <summary>One sample, three matrix products per head.</summary>
    private static void HeadByHead<T, TShape>(
        ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<int> padKeys, Span<T> scores, Span<T> attn, Span<T> context, T scale, T masked)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, dk = TShape.HeadWidth, width = TShape.Heads * dk;
        var packed = Workspace<T>.Get(0, PanelLength(maxLen, dk));
        var unkept = scores.IsEmpty ? Workspace<T>.Get(1, maxLen * maxLen) : default;
        for (int h = 0; h < TShape.Heads; h++)
        {
            // Without scores to keep, every head's go through one scratch square.
            var s = scores.IsEmpty ? unkept.Slice(0, maxLen * maxLen) : scores.Slice(h * maxLen * maxLen, maxLen * maxLen);
            var p = attn.Slice(h * maxLen * maxLen, maxLen * maxLen);

            // scores = q_s k_s^T / sqrt(dk), then [PAD] keys replaced and the softmax over each row of keys.
            Gemm.PackColumns(k.Slice(h * dk), width, dk, maxLen, packed);
            Gemm.Multiply(q.Slice(h * dk), width, 1, packed, dk, maxLen, s, maxLen, maxLen, scale, false);
            for (int i = 0; i < maxLen; i++)
            {
                var row = s.Slice(i * maxLen, maxLen);
                foreach (int j in padKeys)
                {
                    row[j] = masked;
                }

                Elementwise.Softmax<T>(row, p.Slice(i * maxLen, maxLen));
            }

            // ctx = attn v_s, into head h's columns of context.
            Gemm.PackRows(v.Slice(h * dk), width, maxLen, dk, packed);
            Gemm.Multiply<T>(p, maxLen, 1, packed, maxLen, dk, context.Slice(h * dk), width, maxLen, T.One, false);
        }
    }

    /// <summary>Backward of <see cref="HeadByHead{T, TShape}"/>.</summary>
    private static void HeadByHeadBackward<T, TShape>(
        ReadOnlySpan<T> dContext, ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> attn,
        Span<T> dAttn, Span<T> dScores, Span<T> dq, Span<T> dk, Span<T> dv, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, headWidth = TShape.HeadWidth, width = TShape.Heads * headWidth;
        var packed = Workspace<T>.Get(0, PanelLength(maxLen, headWidth));
        for (int h = 0; h < TShape.Heads; h++)
        {
            var p = attn.Slice(h * maxLen * maxLen, maxLen * maxLen);
            var dp = dAttn.Slice(h * maxLen * maxLen, maxLen * maxLen);
            var ds = dScores.Slice(h * maxLen * maxLen, maxLen * maxLen);
            var dctx = dContext.Slice(h * headWidth);

            // dAttn = dctx v_s^T; dv_s = attn^T dctx
            Gemm.PackColumns(v.Slice(h * headWidth), width, headWidth, maxLen, packed);
            Gemm.Multiply(dctx, width, 1, packed, headWidth, maxLen, dp, maxLen, maxLen, T.One, false);
            Gemm.PackRows(dctx, width, maxLen, headWidth, packed);
            Gemm.Multiply<T>(p, 1, maxLen, packed, maxLen, headWidth, dv.Slice(h * headWidth), width, maxLen, T.One, false);

            // Through the softmax: dScores = attn * (dAttn - sum over keys of attn * dAttn)
            for (int i = 0; i < maxLen; i++)
            {
                Elementwise.SoftmaxBackwardRow<T>(p.Slice(i * maxLen, maxLen), dp.Slice(i * maxLen, maxLen), ds.Slice(i * maxLen, maxLen));
            }

            // dq_s = dScores k_s / sqrt(dk); dk_s = dScores^T q_s / sqrt(dk)
            Gemm.PackRows(k.Slice(h * headWidth), width, maxLen, headWidth, packed);
            Gemm.Multiply<T>(ds, maxLen, 1, packed, maxLen, headWidth, dq.Slice(h * headWidth), width, maxLen, scale, false);
            Gemm.PackRows(q.Slice(h * headWidth), width, maxLen, headWidth, packed);
            Gemm.Multiply<T>(ds, 1, maxLen, packed, maxLen, headWidth, dk.Slice(h * headWidth), width, maxLen, scale, false);
        }
    }
}
