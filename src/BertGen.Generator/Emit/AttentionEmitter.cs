using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>Masked scaled dot-product attention for every head, and the row softmax it uses.</summary>
internal static class AttentionEmitter
{
    public static void Emit(CodeWriter w, ModelSpec s)
    {
        string dot = PrimitiveEmitter.Dot(s.DK), axpy = PrimitiveEmitter.AddScaled(s.DK);
        w.Lines("""
            /// <summary>
            /// Scaled dot-product attention of every head: scores = q_h k_h^T / sqrt(DK), -1e9 where the key is [PAD];
            /// attn = softmax over the keys; context_h = attn v_h.
            /// q, k, v, context: [MaxLen, DAttn], head h in columns [h*DK, (h+1)*DK); mask: [MaxLen];
            /// scores, attn: [Heads, MaxLen, MaxLen].
            /// </summary>
            """);
        w.OpenKernel("private static void AttentionForward<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> mask, Span<T> scores, Span<T> attn, Span<T> context)");
        w.Lines($$"""
            T scale = T.CreateTruncating(AttentionScale);
            T masked = T.CreateTruncating(MaskedScore);
            for (int h = 0; h < Heads; h++)
            {
                for (int i = 0; i < MaxLen; i++)
                {
                    var qi = q.Slice((i * DAttn) + (h * DK), DK);
                    var s = scores.Slice(((h * MaxLen) + i) * MaxLen, MaxLen);
                    for (int j = 0; j < MaxLen; j++)
                    {
                        s[j] = mask[j] != T.Zero ? masked : {{dot}}(qi, k.Slice((j * DAttn) + (h * DK), DK)) * scale;
                    }

                    var a = attn.Slice(((h * MaxLen) + i) * MaxLen, MaxLen);
                    SoftmaxRow(s, a);
                    var ctx = context.Slice((i * DAttn) + (h * DK), DK);
                    ctx.Clear();
                    for (int j = 0; j < MaxLen; j++)
                    {
                        {{axpy}}(ctx, a[j], v.Slice((j * DAttn) + (h * DK), DK));
                    }
                }
            }
            """);
        w.Close();
        w.Line();
        w.Lines("""
            /// <summary>
            /// Backward of <see cref="AttentionForward"/>: from dContext, accumulates dq, dk and dv.
            /// dAttn and dScores ([Heads, MaxLen, MaxLen]) receive the gradients of attn and scores.
            /// A masked score was replaced, not computed, so no gradient flows through it.
            /// </summary>
            """);
        w.OpenKernel("private static void AttentionBackward<T>(ReadOnlySpan<T> dContext, ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> attn, Span<T> dAttn, Span<T> dScores, Span<T> dq, Span<T> dk, Span<T> dv)");
        w.Lines($$"""
            T scale = T.CreateTruncating(AttentionScale);
            for (int h = 0; h < Heads; h++)
            {
                for (int i = 0; i < MaxLen; i++)
                {
                    int row = ((h * MaxLen) + i) * MaxLen;
                    var dctx = dContext.Slice((i * DAttn) + (h * DK), DK);
                    var a = attn.Slice(row, MaxLen);
                    var da = dAttn.Slice(row, MaxLen);
                    T weighted = T.Zero;
                    for (int j = 0; j < MaxLen; j++)
                    {
                        da[j] = {{dot}}(dctx, v.Slice((j * DAttn) + (h * DK), DK));
                        {{axpy}}(dv.Slice((j * DAttn) + (h * DK), DK), a[j], dctx);
                        weighted += a[j] * da[j];
                    }

                    var ds = dScores.Slice(row, MaxLen);
                    var qi = q.Slice((i * DAttn) + (h * DK), DK);
                    var dqi = dq.Slice((i * DAttn) + (h * DK), DK);
                    for (int j = 0; j < MaxLen; j++)
                    {
                        ds[j] = a[j] * (da[j] - weighted);
                        T g = ds[j] * scale;
                        {{axpy}}(dqi, g, k.Slice((j * DAttn) + (h * DK), DK));
                        {{axpy}}(dk.Slice((j * DAttn) + (h * DK), DK), g, qi);
                    }
                }
            }
            """);
        w.Close();
        w.Line();
        w.Line("/// <summary>p = softmax(s) over one row of MaxLen scores, shifted by the row's maximum.</summary>");
        w.OpenKernel("private static void SoftmaxRow<T>(ReadOnlySpan<T> s, Span<T> p)");
        w.Lines("""
            s = s.Slice(0, MaxLen);
            p = p.Slice(0, MaxLen);
            T max = s[0];
            for (int j = 1; j < MaxLen; j++)
            {
                max = T.Max(max, s[j]);
            }

            T sum = T.Zero;
            for (int j = 0; j < MaxLen; j++)
            {
                p[j] = T.Exp(s[j] - max);
                sum += p[j];
            }

            T inv = T.One / sum;
            for (int j = 0; j < MaxLen; j++)
            {
                p[j] *= inv;
            }
            """);
        w.Close();
    }
}
