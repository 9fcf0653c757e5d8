using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>The input embedding: token, position and segment embeddings, their sum, and the attention mask.</summary>
internal static class EmbeddingEmitter
{
    public static void Emit(CodeWriter w, ModelSpec s)
    {
        w.Lines($$"""
            /// <summary>
            /// tok_embed[t] = tok[ids[t]], pos_embed[t] = pos[t], seg_embed[t] = seg[segs[t]], embedding = their sum;
            /// attn_mask[t] = 1 where ids[t] is [PAD], else 0.
            /// ids, segs, attnMask: [MaxLen]; tokEmbed, posEmbed, segEmbed, embedding: [MaxLen, DModel].
            /// </summary>
            """);
        w.OpenKernel("private static void EmbeddingForward<T>(ReadOnlySpan<T> tok, ReadOnlySpan<T> pos, ReadOnlySpan<T> seg, ReadOnlySpan<int> ids, ReadOnlySpan<int> segs, Span<T> tokEmbed, Span<T> posEmbed, Span<T> segEmbed, Span<T> embedding, Span<T> attnMask)");
        w.Lines($$"""
            for (int t = 0; t < MaxLen; t++)
            {
                var te = tokEmbed.Slice(t * DModel, DModel);
                var pe = posEmbed.Slice(t * DModel, DModel);
                var se = segEmbed.Slice(t * DModel, DModel);
                tok.Slice(ids[t] * DModel, DModel).CopyTo(te);
                pos.Slice(t * DModel, DModel).CopyTo(pe);
                seg.Slice(segs[t] * DModel, DModel).CopyTo(se);
                var e = embedding.Slice(t * DModel, DModel);
                for (int i = 0; i < DModel; i++)
                {
                    e[i] = te[i] + pe[i] + se[i];
                }

                attnMask[t] = ids[t] == global::BertGen.Data.Vocabulary.Pad ? T.One : T.Zero;
            }
            """);
        w.Close();
        w.Line();
        w.Line("/// <summary>Scatters dEmbedding [MaxLen, DModel] into the rows of the three embedding tables that were read.</summary>");
        w.OpenKernel("private static void EmbeddingBackward<T>(ReadOnlySpan<T> dEmbedding, ReadOnlySpan<int> ids, ReadOnlySpan<int> segs, Span<T> dTok, Span<T> dPos, Span<T> dSeg)");
        w.Lines($$"""
            for (int t = 0; t < MaxLen; t++)
            {
                var de = dEmbedding.Slice(t * DModel, DModel);
                {{PrimitiveEmitter.AddScaled(s.DModel)}}(dTok.Slice(ids[t] * DModel, DModel), T.One, de);
                {{PrimitiveEmitter.AddScaled(s.DModel)}}(dPos.Slice(t * DModel, DModel), T.One, de);
                {{PrimitiveEmitter.AddScaled(s.DModel)}}(dSeg.Slice(segs[t] * DModel, DModel), T.One, de);
            }
            """);
        w.Close();
    }
}
