using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>Pieces of the two output heads: the pooler's tanh and the decoder tied to the token embedding.</summary>
internal static class HeadsEmitter
{
    public static void Emit(CodeWriter w, ModelSpec s)
    {
        string dot = PrimitiveEmitter.Dot(s.DModel), axpy = PrimitiveEmitter.AddScaled(s.DModel);
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
            /// The MLM decoder, tied to the token embedding: logits[p, v] = h[p] . tok[v] + bias[v].
            /// h: [MaxPred, DModel]; tok: [vocab, DModel]; bias: [vocab]; logits: [MaxPred, vocab].
            /// </summary>
            """);
        w.OpenKernel("private static void DecoderForward<T>(ReadOnlySpan<T> h, ReadOnlySpan<T> tok, ReadOnlySpan<T> bias, Span<T> logits, int vocab)");
        w.Lines($$"""
            for (int p = 0; p < MaxPred; p++)
            {
                var hp = h.Slice(p * DModel, DModel);
                var lp = logits.Slice(p * vocab, vocab);
                for (int v = 0; v < vocab; v++)
                {
                    lp[v] = bias[v] + {{dot}}(hp, tok.Slice(v * DModel, DModel));
                }
            }
            """);
        w.Close();
        w.Line();
        w.Line("/// <summary>Backward of <see cref=\"DecoderForward\"/>: dh += dlogits tok; dTok += dlogits^T h (added to the embedding's own gradient); dBias += dlogits.</summary>");
        w.OpenKernel("private static void DecoderBackward<T>(ReadOnlySpan<T> dLogits, ReadOnlySpan<T> h, ReadOnlySpan<T> tok, Span<T> dh, Span<T> dTok, Span<T> dBias, int vocab)");
        w.Lines($$"""
            for (int p = 0; p < MaxPred; p++)
            {
                var hp = h.Slice(p * DModel, DModel);
                var dhp = dh.Slice(p * DModel, DModel);
                var dlp = dLogits.Slice(p * vocab, vocab);
                for (int v = 0; v < vocab; v++)
                {
                    T g = dlp[v];
                    {{axpy}}(dhp, g, tok.Slice(v * DModel, DModel));
                    {{axpy}}(dTok.Slice(v * DModel, DModel), g, hp);
                    dBias[v] += g;
                }
            }
            """);
        w.Close();
    }
}
