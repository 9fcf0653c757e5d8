using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>Pieces of the two output heads: the pooler's tanh and the decoder tied to the token embedding.</summary>
internal static class HeadsEmitter
{
    public static void Emit(CodeWriter w, ModelSpec s)
    {
        w.Line("/// <summary>x[i] = tanh(x[i]), in place.</summary>");
        w.OpenKernel("private static void TanhForward<T>(Span<T> x)");
        w.Lines("""
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = T.Tanh(x[i]);
            }
            """);
        w.Close();
        w.Line();
        w.Line("/// <summary>dy[i] *= 1 - y[i]^2, in place, where y = tanh(x): turns the gradient of y into that of x.</summary>");
        w.OpenKernel("private static void TanhBackward<T>(Span<T> dy, ReadOnlySpan<T> y)");
        w.Lines("""
            y = y.Slice(0, dy.Length);
            for (int i = 0; i < dy.Length; i++)
            {
                dy[i] *= T.One - (y[i] * y[i]);
            }
            """);
        w.Close();
        w.Line();
        w.Lines("""
            /// <summary>
            /// The MLM decoder, tied to the token embedding: logits[m, v] = h[m] . tok[v] + bias[v], for each sample of a range.
            /// h: [MaxPred, DModel] at mlm_norm, logits: [MaxPred, vocab] at logits_lm of each block; tok: [vocab, DModel].
            /// </summary>
            """);
        w.OpenKernel("private static void DecoderForward<T>(ReadOnlySpan<T> tok, ReadOnlySpan<T> bias, Span<T> a, int stride, int count, int vocab)");
        w.Lines("""
            var tokT = Workspace<T>.Get(0, DModel * Gemm.PaddedWidth(vocab));
            Gemm.PackColumns(tok, DModel, DModel, vocab, tokT);
            Gemm.Multiply<T>(a.Slice(Act.MlmNorm), DModel, 1, tokT, DModel, vocab, a.Slice(Act.LogitsLm), vocab, new RowGroups(MaxPred, count, stride, stride), T.One, false, bias);
            """);
        w.Close();
        w.Line();
        w.Lines("""
            /// <summary>
            /// Backward of <see cref="DecoderForward"/>: dh = dLogits tok; dTok += dLogits^T h (onto the embedding's own
            /// gradient); dBias += column sums of dLogits.
            /// </summary>
            """);
        w.OpenKernel("private static void DecoderBackward<T>(ReadOnlySpan<T> tok, ReadOnlySpan<T> a, Span<T> d, Span<T> dTok, Span<T> dBias, int stride, int count, int vocab)");
        w.Lines("""
            var tokRows = Workspace<T>.Get(0, vocab * Gemm.PaddedWidth(DModel));
            Gemm.PackRows(tok, DModel, vocab, DModel, tokRows);
            Gemm.Multiply<T>(d.Slice(Act.LogitsLm), vocab, 1, tokRows, vocab, DModel, d.Slice(Act.MlmNorm), DModel, new RowGroups(MaxPred, count, stride, stride), T.One, false);
            int all = count * MaxPred;
            var hRows = Workspace<T>.Get(1, all * Gemm.PaddedWidth(DModel));
            Gemm.PackRows(a.Slice(Act.MlmNorm), DModel, new RowGroups(MaxPred, count, stride, 0), DModel, hRows);
            var dLogits = Workspace<T>.Get(2, all * vocab);
            for (int s = 0; s < count; s++)
            {
                d.Slice((s * stride) + Act.LogitsLm, MaxPred * vocab).CopyTo(dLogits.Slice(s * MaxPred * vocab));
            }

            Gemm.Multiply<T>(dLogits, 1, vocab, hRows, all, DModel, dTok, DModel, vocab, T.One, true);
            Elementwise.AddColumnSums(dLogits, vocab, all, dBias);
            """);
        w.Close();
    }
}
