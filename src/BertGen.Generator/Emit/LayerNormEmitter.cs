using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// LayerNorm over rows of DModel values, alone (embeddings, MLM transform) or after a residual add
/// ("Add &amp; Norm"). The backward pass recomputes x-hat from the input and the saved mean and rstd.
/// </summary>
internal static class LayerNormEmitter
{
    public static void Emit(CodeWriter w, ModelSpec s)
    {
        EmitForward(w, residual: false);
        w.Line();
        EmitBackward(w, residual: false);
        w.Line();
        EmitForward(w, residual: true);
        w.Line();
        EmitBackward(w, residual: true);
    }

    private static void EmitForward(CodeWriter w, bool residual)
    {
        string x = residual ? "(x[i] + r[i])" : "x[i]";
        if (residual)
        {
            w.Lines("""
                /// <summary>
                /// Add &amp; Norm: y = LayerNorm(x + residual) = (x + residual - mean) * rstd * gamma + beta, per row.
                /// x, residual, y: [rows, DModel]; mean, rstd: [rows].
                /// </summary>
                """);
            w.OpenKernel("private static void AddNormForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> residual, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, Span<T> mean, Span<T> rstd, int rows)");
        }
        else
        {
            w.Lines("""
                /// <summary>
                /// y = (x - mean) * rstd * gamma + beta, per row. x, y: [rows, DModel]; mean, rstd: [rows].
                /// </summary>
                """);
            w.OpenKernel("private static void LayerNormForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, Span<T> mean, Span<T> rstd, int rows)");
        }

        w.Lines($$"""
            T eps = T.CreateTruncating(LayerNormEps);
            T invWidth = T.One / T.CreateTruncating(DModel);
            for (int row = 0; row < rows; row++)
            {
                var xr = x.Slice(row * DModel, DModel);
            """);
        if (residual)
        {
            w.Line("    var r = residual.Slice(row * DModel, DModel);");
        }

        w.Lines($$"""
                var yr = y.Slice(row * DModel, DModel);
                T m = T.Zero;
                for (int i = 0; i < DModel; i++)
                {
                    m += {{x.Replace("x[", "xr[")}};
                }

                m *= invWidth;
                T variance = T.Zero;
                for (int i = 0; i < DModel; i++)
                {
                    T c = {{x.Replace("x[", "xr[")}} - m;
                    variance += c * c;
                }

                T rs = T.One / T.Sqrt((variance * invWidth) + eps);
                for (int i = 0; i < DModel; i++)
                {
                    yr[i] = ((({{x.Replace("x[", "xr[")}} - m) * rs) * gamma[i]) + beta[i];
                }

                mean[row] = m;
                rstd[row] = rs;
            }
            """);
        w.Close();
    }

    private static void EmitBackward(CodeWriter w, bool residual)
    {
        string x = residual ? "(xr[i] + r[i])" : "xr[i]";
        if (residual)
        {
            w.Lines("""
                /// <summary>
                /// Backward of <see cref="AddNormForward"/>: the input gradient is written to both dx and dResidual;
                /// dgamma, dbeta are accumulated.
                /// </summary>
                """);
            w.OpenKernel("private static void AddNormBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> residual, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> gamma, Span<T> dx, Span<T> dResidual, Span<T> dGamma, Span<T> dBeta, int rows)");
        }
        else
        {
            w.Lines("""
                /// <summary>
                /// Backward of <see cref="LayerNormForward"/>:
                /// dx = (dy*gamma - mean(dy*gamma) - xhat * mean(dy*gamma*xhat)) * rstd; dgamma, dbeta are accumulated.
                /// </summary>
                """);
            w.OpenKernel("private static void LayerNormBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> gamma, Span<T> dx, Span<T> dGamma, Span<T> dBeta, int rows)");
        }

        w.Lines($$"""
            T invWidth = T.One / T.CreateTruncating(DModel);
            for (int row = 0; row < rows; row++)
            {
                var dyr = dy.Slice(row * DModel, DModel);
                var xr = x.Slice(row * DModel, DModel);
            """);
        if (residual)
        {
            w.Line("    var r = residual.Slice(row * DModel, DModel);");
        }

        w.Lines($$"""
                T m = mean[row], rs = rstd[row];
                T meanD = T.Zero, meanDX = T.Zero;
                for (int i = 0; i < DModel; i++)
                {
                    T xhat = ({{x}} - m) * rs;
                    T dn = dyr[i] * gamma[i];
                    meanD += dn;
                    meanDX += dn * xhat;
                    dGamma[i] += dyr[i] * xhat;
                    dBeta[i] += dyr[i];
                }

                meanD *= invWidth;
                meanDX *= invWidth;
                var dxr = dx.Slice(row * DModel, DModel);
            """);
        if (residual)
        {
            w.Line("    var drr = dResidual.Slice(row * DModel, DModel);");
        }

        w.Lines($$"""
                for (int i = 0; i < DModel; i++)
                {
                    T xhat = ({{x}} - m) * rs;
                    T g = ((dyr[i] * gamma[i]) - meanD - (xhat * meanDX)) * rs;
                    dxr[i] = g;
            """);
        if (residual)
        {
            w.Line("        drr[i] = g;");
        }

        w.Lines("""
                }
            }
            """);
        w.Close();
    }
}
