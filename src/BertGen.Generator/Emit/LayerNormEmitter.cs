using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// LayerNorm over rows of DModel values, alone (embeddings, MLM transform) or after a residual add
/// ("Add &amp; Norm"), a row at a time in whole vectors and a masked last one. The backward pass recomputes x-hat from
/// the input and the saved mean and rstd.
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

    /// <summary>The vector of the norm's input at <c>at</c>: x, or x + residual.</summary>
    private static string Input(bool residual) =>
        residual ? "(Vector256.LoadUnsafe(ref xr, at) + Vector256.LoadUnsafe(ref rr, at))" : "Vector256.LoadUnsafe(ref xr, at)";

    /// <summary>The masked last vector of the norm's input: x, or x + residual.</summary>
    private static string InputTail(bool residual) =>
        residual
            ? "(VectorMath.LoadMasked(ref Unsafe.Add(ref xr, full), tail) + VectorMath.LoadMasked(ref Unsafe.Add(ref rr, full), tail))"
            : "VectorMath.LoadMasked(ref Unsafe.Add(ref xr, full), tail)";

    private static void EmitForward(CodeWriter w, bool residual)
    {
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

        // A row is whole vectors and a masked last one; the masked lanes load as 0 and are never stored.
        string input = Input(residual), inputTail = InputTail(residual);
        w.Lines($$"""
            T eps = T.CreateTruncating(LayerNormEps);
            T invWidth = T.One / T.CreateTruncating(DModel);
            int vc = Vector256<T>.Count, full = DModel / vc * vc;
            var tail = VectorMath.LaneMask<T>(DModel - full);
            _ = x[(rows * DModel) - 1];
            _ = y[(rows * DModel) - 1];
            _ = gamma[DModel - 1];
            _ = beta[DModel - 1];
            """);
        if (residual)
        {
            w.Line("_ = residual[(rows * DModel) - 1];");
        }

        w.Lines($$"""
            ref T g0 = ref MemoryMarshal.GetReference(gamma);
            ref T b0 = ref MemoryMarshal.GetReference(beta);
            var gammaTail = full < DModel ? VectorMath.LoadMasked(ref Unsafe.Add(ref g0, full), tail) : default;
            var betaTail = full < DModel ? VectorMath.LoadMasked(ref Unsafe.Add(ref b0, full), tail) : default;
            for (int row = 0; row < rows; row++)
            {
                ref T xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), row * DModel);
            """);
        if (residual)
        {
            w.Line("    ref T rr = ref Unsafe.Add(ref MemoryMarshal.GetReference(residual), row * DModel);");
        }

        w.Lines($$"""
                ref T yr = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), row * DModel);
                var sum = Vector256<T>.Zero;
                nuint at = 0;
                for (; (int)at < full; at += (nuint)vc)
                {
                    sum += {{input}};
                }

                if (full < DModel)
                {
                    sum += {{inputTail}};
                }

                T m = Vector256.Sum(sum) * invWidth;
                var vm = Vector256.Create(m);
                var squares = Vector256<T>.Zero;
                for (at = 0; (int)at < full; at += (nuint)vc)
                {
                    var c = {{input}} - vm;
                    squares = VectorMath.Fma(c, c, squares);
                }

                if (full < DModel)
                {
                    var c = ({{inputTail}} - vm) & tail;
                    squares = VectorMath.Fma(c, c, squares);
                }

                T rs = T.One / T.Sqrt((Vector256.Sum(squares) * invWidth) + eps);
                var vrs = Vector256.Create(rs);
                for (at = 0; (int)at < full; at += (nuint)vc)
                {
                    (((({{input}} - vm) * vrs) * Vector256.LoadUnsafe(ref g0, at)) + Vector256.LoadUnsafe(ref b0, at)).StoreUnsafe(ref yr, at);
                }

                if (full < DModel)
                {
                    VectorMath.StoreMasked(((({{inputTail}} - vm) * vrs) * gammaTail) + betaTail, ref Unsafe.Add(ref yr, full), tail);
                }

                mean[row] = m;
                rstd[row] = rs;
            }
            """);
        w.Close();
    }

    private static void EmitBackward(CodeWriter w, bool residual)
    {
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

        string input = Input(residual), inputTail = InputTail(residual);
        w.Lines($$"""
            T invWidth = T.One / T.CreateTruncating(DModel);
            int vc = Vector256<T>.Count, full = DModel / vc * vc;
            var tail = VectorMath.LaneMask<T>(DModel - full);
            _ = dy[(rows * DModel) - 1];
            _ = x[(rows * DModel) - 1];
            _ = dx[(rows * DModel) - 1];
            _ = gamma[DModel - 1];
            _ = dGamma[DModel - 1];
            _ = dBeta[DModel - 1];
            """);
        if (residual)
        {
            w.Lines("""
                _ = residual[(rows * DModel) - 1];
                _ = dResidual[(rows * DModel) - 1];
                """);
        }

        w.Lines($$"""
            ref T g0 = ref MemoryMarshal.GetReference(gamma);
            ref T dg0 = ref MemoryMarshal.GetReference(dGamma);
            ref T db0 = ref MemoryMarshal.GetReference(dBeta);
            var gammaTail = full < DModel ? VectorMath.LoadMasked(ref Unsafe.Add(ref g0, full), tail) : default;
            var dGammaTail = Vector256<T>.Zero;
            var dBetaTail = Vector256<T>.Zero;
            for (int row = 0; row < rows; row++)
            {
                ref T dyr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dy), row * DModel);
                ref T xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), row * DModel);
            """);
        if (residual)
        {
            w.Line("    ref T rr = ref Unsafe.Add(ref MemoryMarshal.GetReference(residual), row * DModel);");
        }

        w.Lines($$"""
                var vm = Vector256.Create(mean[row]);
                var vrs = Vector256.Create(rstd[row]);
                var sumD = Vector256<T>.Zero;
                var sumDX = Vector256<T>.Zero;
                nuint at = 0;
                for (; (int)at < full; at += (nuint)vc)
                {
                    var xhat = ({{input}} - vm) * vrs;
                    var d = Vector256.LoadUnsafe(ref dyr, at);
                    var dn = d * Vector256.LoadUnsafe(ref g0, at);
                    sumD += dn;
                    sumDX = VectorMath.Fma(dn, xhat, sumDX);
                    VectorMath.Fma(d, xhat, Vector256.LoadUnsafe(ref dg0, at)).StoreUnsafe(ref dg0, at);
                    (Vector256.LoadUnsafe(ref db0, at) + d).StoreUnsafe(ref db0, at);
                }

                if (full < DModel)
                {
                    var xhat = ({{inputTail}} - vm) * vrs;
                    var d = VectorMath.LoadMasked(ref Unsafe.Add(ref dyr, full), tail);
                    var dn = d * gammaTail;
                    sumD += dn;
                    sumDX = VectorMath.Fma(dn, xhat, sumDX);
                    dGammaTail = VectorMath.Fma(d, xhat, dGammaTail);
                    dBetaTail += d;
                }

                var meanD = Vector256.Create(Vector256.Sum(sumD) * invWidth);
                var meanDX = Vector256.Create(Vector256.Sum(sumDX) * invWidth);
                ref T dxr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), row * DModel);
            """);
        if (residual)
        {
            w.Line("    ref T drr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dResidual), row * DModel);");
        }

        w.Lines($$"""
                for (at = 0; (int)at < full; at += (nuint)vc)
                {
                    var xhat = ({{input}} - vm) * vrs;
                    var g = ((Vector256.LoadUnsafe(ref dyr, at) * Vector256.LoadUnsafe(ref g0, at)) - meanD - (xhat * meanDX)) * vrs;
                    g.StoreUnsafe(ref dxr, at);
            """);
        if (residual)
        {
            w.Line("        g.StoreUnsafe(ref drr, at);");
        }

        w.Lines($$"""
                }

                if (full < DModel)
                {
                    var xhat = ({{inputTail}} - vm) * vrs;
                    var g = ((VectorMath.LoadMasked(ref Unsafe.Add(ref dyr, full), tail) * gammaTail) - meanD - (xhat * meanDX)) * vrs;
                    VectorMath.StoreMasked(g, ref Unsafe.Add(ref dxr, full), tail);
            """);
        if (residual)
        {
            w.Line("        VectorMath.StoreMasked(g, ref Unsafe.Add(ref drr, full), tail);");
        }

        w.Lines("""
                }
            }

            if (full < DModel)
            {
                VectorMath.StoreMasked(VectorMath.LoadMasked(ref Unsafe.Add(ref dg0, full), tail) + dGammaTail, ref Unsafe.Add(ref dg0, full), tail);
                VectorMath.StoreMasked(VectorMath.LoadMasked(ref Unsafe.Add(ref db0, full), tail) + dBetaTail, ref Unsafe.Add(ref db0, full), tail);
            }
            """);
        w.Close();
    }
}
