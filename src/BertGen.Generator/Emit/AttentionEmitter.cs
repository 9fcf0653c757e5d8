using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// Masked scaled dot-product attention of every head of a sample: the runtime's fused kernel for short sequences and
/// narrow heads (<see cref="Fused"/>), compiled for the model's shape through a struct that states it, matrix products
/// per head otherwise.
/// </summary>
internal static class AttentionEmitter
{
    /// <summary>
    /// Whether a row of scores and a head's slice of a row fit in a few vectors, so that the runtime's fused kernel beats
    /// three matrix products per head (measured with its row-at-a-time form: faster at maxLen 14, a step 10% slower at
    /// maxLen 32; its 512-bit form serves 9 to 16 rows).
    /// </summary>
    public static bool Fused(ModelSpec s) => s.MaxLen <= 16 && s.DK <= 16;

    public static void Emit(CodeWriter w, ModelSpec s)
    {
        if (Fused(s))
        {
            w.Line("/// <summary>The attention's shape, as constants the fused kernel is compiled for.</summary>");
            w.Open("private readonly struct AttentionShape : IAttentionShape");
            w.Line($"public static int MaxLen => {s.Name}.MaxLen;");
            w.Line($"public static int Heads => {s.Name}.Heads;");
            w.Line($"public static int HeadWidth => {s.Name}.DK;");
            w.Close();
            w.Line();
        }

        w.Lines("""
            /// <summary>
            /// Scaled dot-product attention of every head: scores = q_h k_h^T / sqrt(DK), -1e9 where the key is [PAD];
            /// attn = softmax over the keys; context_h = attn v_h.
            /// q, k, v, context: [MaxLen, DAttn], head h in columns [h*DK, (h+1)*DK); mask: [MaxLen];
            /// scores, attn: [Heads, MaxLen, MaxLen].
            /// </summary>
            """);
        w.OpenKernel("private static void AttentionForward<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> mask, Span<T> scores, Span<T> attn, Span<T> context)");
        w.Lines("""
            T scale = T.CreateTruncating(AttentionScale);
            T masked = T.CreateTruncating(MaskedScore);
            Span<int> padKeys = stackalloc int[MaxLen];
            int pads = 0;
            for (int j = 0; j < MaxLen; j++)
            {
                if (mask[j] != T.Zero)
                {
                    padKeys[pads++] = j;
                }
            }

            """);
        if (Fused(s))
        {
            w.Line("FusedAttention.Forward<T, AttentionShape>(q, k, v, padKeys.Slice(0, pads), scores, attn, context, scale, masked);");
        }
        else
        {
            w.Lines("""
                var packed = Workspace<T>.Get(0, PanelLength);
                for (int h = 0; h < Heads; h++)
                {
                    var s = scores.Slice(h * MaxLen * MaxLen, MaxLen * MaxLen);
                    var p = attn.Slice(h * MaxLen * MaxLen, MaxLen * MaxLen);
                    Gemm.PackColumns(k.Slice(h * DK), DAttn, DK, MaxLen, packed);
                    Gemm.Multiply<T>(q.Slice(h * DK), DAttn, 1, packed, DK, MaxLen, s, MaxLen, MaxLen, scale, false);
                    for (int i = 0; i < MaxLen; i++)
                    {
                        var row = s.Slice(i * MaxLen, MaxLen);
                        foreach (int j in padKeys.Slice(0, pads))
                        {
                            row[j] = masked;
                        }

                        Elementwise.Softmax<T>(row, p.Slice(i * MaxLen, MaxLen));
                    }

                    Gemm.PackRows(v.Slice(h * DK), DAttn, MaxLen, DK, packed);
                    Gemm.Multiply<T>(p, MaxLen, 1, packed, MaxLen, DK, context.Slice(h * DK), DAttn, MaxLen, T.One, false);
                }
                """);
        }

        w.Close();
        w.Line();
        string gradients = Fused(s)
            ? """
                /// ([Heads, MaxLen, MaxLen]) are left as they are: the fused kernel keeps the gradients of attn and
                /// scores to itself, since nothing reads them afterwards. A masked score was replaced, not computed,
                /// and its weight is 0, so no gradient flows through it.
                """
            : """
                /// ([Heads, MaxLen, MaxLen]) receive the gradients of attn and scores. A masked score was replaced, not
                /// computed, and its weight is 0, so no gradient flows through it.
                """;
        w.Line("/// <summary>");
        w.Line("/// Backward of <see cref=\"AttentionForward\"/>: from dContext, writes dq, dk and dv. dAttn and dScores");
        w.Lines(gradients);
        w.Line("/// </summary>");
        w.OpenKernel("private static void AttentionBackward<T>(ReadOnlySpan<T> dContext, ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> attn, Span<T> dAttn, Span<T> dScores, Span<T> dq, Span<T> dk, Span<T> dv)");
        w.Lines("""
            T scale = T.CreateTruncating(AttentionScale);
            """);
        if (Fused(s))
        {
            w.Line("FusedAttention.Backward<T, AttentionShape>(dContext, q, k, v, attn, default, default, dq, dk, dv, scale);");
        }
        else
        {
            w.Lines("""
                var packed = Workspace<T>.Get(0, PanelLength);
                for (int h = 0; h < Heads; h++)
                {
                    var p = attn.Slice(h * MaxLen * MaxLen, MaxLen * MaxLen);
                    var dp = dAttn.Slice(h * MaxLen * MaxLen, MaxLen * MaxLen);
                    var ds = dScores.Slice(h * MaxLen * MaxLen, MaxLen * MaxLen);
                    var dctx = dContext.Slice(h * DK);

                    // dAttn = dctx v_h^T; dv_h = attn^T dctx
                    Gemm.PackColumns(v.Slice(h * DK), DAttn, DK, MaxLen, packed);
                    Gemm.Multiply<T>(dctx, DAttn, 1, packed, DK, MaxLen, dp, MaxLen, MaxLen, T.One, false);
                    Gemm.PackRows(dctx, DAttn, MaxLen, DK, packed);
                    Gemm.Multiply<T>(p, 1, MaxLen, packed, MaxLen, DK, dv.Slice(h * DK), DAttn, MaxLen, T.One, false);

                    // Through the softmax: dScores = attn * (dAttn - sum over keys of attn * dAttn)
                    for (int i = 0; i < MaxLen; i++)
                    {
                        Elementwise.SoftmaxBackwardRow<T>(p.Slice(i * MaxLen, MaxLen), dp.Slice(i * MaxLen, MaxLen), ds.Slice(i * MaxLen, MaxLen));
                    }

                    // dq_h = dScores k_h / sqrt(DK); dk_h = dScores^T q_h / sqrt(DK)
                    Gemm.PackRows(k.Slice(h * DK), DAttn, MaxLen, DK, packed);
                    Gemm.Multiply<T>(ds, MaxLen, 1, packed, MaxLen, DK, dq.Slice(h * DK), DAttn, MaxLen, scale, false);
                    Gemm.PackRows(q.Slice(h * DK), DAttn, MaxLen, DK, packed);
                    Gemm.Multiply<T>(ds, 1, MaxLen, packed, MaxLen, DK, dk.Slice(h * DK), DAttn, MaxLen, scale, false);
                }
                """);
        }

        w.Close();
    }
}
