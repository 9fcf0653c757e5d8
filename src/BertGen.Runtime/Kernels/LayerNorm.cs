using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BertGen.Kernels;

/// <summary>
/// A row width as a compile-time constant: a kernel generic over a struct that implements this is compiled for that width,
/// so its vector loops have constant bounds and its masked last vector a constant mask.
/// </summary>
public interface IRowWidth
{
    /// <summary>Values per row.</summary>
    static abstract int Width { get; }
}

/// <summary>
/// LayerNorm over rows, alone (after the embeddings, in the MLM head) or after a residual add (the encoder's
/// "Add &amp; Norm", whose outputs the article calls mha and enc_output): y = (x (+ residual) - mean) * rstd * gamma + beta,
/// with mean and rstd = 1 / sqrt(variance + eps) saved per row for the backward pass, which recomputes x-hat from them.
/// A row is whole vectors and a masked last one; the masked lanes load as 0 and are never stored.
/// </summary>
public static partial class LayerNorm
{
    /// <summary>
    /// y = LayerNorm(x) per row of every sample. x, y: [rows, Width]; mean, rstd: [rows]. The rows are independent, so
    /// where the views are contiguous (an arena's are) they run as one pass over every sample's rows.
    /// </summary>
    public static void Forward<T, TWidth>(ReadOnlyRows<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Rows<T> y, Rows<T> mean, Rows<T> rstd, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        if (x.IsContiguous && y.IsContiguous && mean.IsContiguous && rstd.IsContiguous)
        {
            ForwardRows<T, TWidth, Alone>(x.Values, default, gamma, beta, y.Values, mean.Values, rstd.Values, x.Count * x.RowsPerSample, eps);
            return;
        }

        for (int s = 0; s < x.Count; s++)
        {
            ForwardRows<T, TWidth, Alone>(x.Sample(s), default, gamma, beta, y.Sample(s), mean.Sample(s), rstd.Sample(s), x.RowsPerSample, eps);
        }
    }

    /// <summary>
    /// Add &amp; Norm: y = LayerNorm(x + residual) per row of every sample. x, residual, y: [rows, Width]; mean, rstd:
    /// [rows]. As <see cref="Forward{T, TWidth}"/>, one pass where the views are contiguous.
    /// </summary>
    public static void AddNormForward<T, TWidth>(
        ReadOnlyRows<T> x, ReadOnlyRows<T> residual, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Rows<T> y, Rows<T> mean, Rows<T> rstd, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        if (x.IsContiguous && residual.IsContiguous && y.IsContiguous && mean.IsContiguous && rstd.IsContiguous)
        {
            ForwardRows<T, TWidth, Added>(x.Values, residual.Values, gamma, beta, y.Values, mean.Values, rstd.Values, x.Count * x.RowsPerSample, eps);
            return;
        }

        for (int s = 0; s < x.Count; s++)
        {
            ForwardRows<T, TWidth, Added>(x.Sample(s), residual.Sample(s), gamma, beta, y.Sample(s), mean.Sample(s), rstd.Sample(s), x.RowsPerSample, eps);
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward{T, TWidth}"/>: dx = (dy*gamma - mean(dy*gamma) - xhat * mean(dy*gamma*xhat)) * rstd;
    /// dgamma and dbeta are added to.
    /// </summary>
    public static void Backward<T, TWidth>(
        ReadOnlyRows<T> dy, ReadOnlyRows<T> x, ReadOnlyRows<T> mean, ReadOnlyRows<T> rstd, ReadOnlySpan<T> gamma, Rows<T> dx, Span<T> dGamma, Span<T> dBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        for (int s = 0; s < x.Count; s++)
        {
            BackwardRows<T, TWidth, Alone>(dy.Sample(s), x.Sample(s), default, mean.Sample(s), rstd.Sample(s), gamma, dx.Sample(s), default, dGamma, dBeta, x.RowsPerSample);
        }
    }

    /// <summary>
    /// Backward of <see cref="AddNormForward{T, TWidth}"/>: the input's gradient is written to both dx and dResidual
    /// (x and the residual are summed); dgamma and dbeta are added to.
    /// </summary>
    public static void AddNormBackward<T, TWidth>(
        ReadOnlyRows<T> dy, ReadOnlyRows<T> x, ReadOnlyRows<T> residual, ReadOnlyRows<T> mean, ReadOnlyRows<T> rstd, ReadOnlySpan<T> gamma,
        Rows<T> dx, Rows<T> dResidual, Span<T> dGamma, Span<T> dBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        for (int s = 0; s < x.Count; s++)
        {
            BackwardRows<T, TWidth, Added>(
                dy.Sample(s), x.Sample(s), residual.Sample(s), mean.Sample(s), rstd.Sample(s), gamma, dx.Sample(s), dResidual.Sample(s), dGamma, dBeta, x.RowsPerSample);
        }
    }

    /// <summary>
    /// The rows of one sample, or of every sample of contiguous views: eight at a time where <see cref="NarrowFits{T, TWidth}"/>,
    /// otherwise one by one (the same bits either way).
    /// </summary>
    private static void ForwardRows<T, TWidth, TInput>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> residual, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, Span<T> mean, Span<T> rstd, int rows, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
        where TInput : struct, IInput
    {
        if (NarrowFits<T, TWidth>())
        {
            ForwardNarrow<TWidth, TInput>(Floats(x), Floats(residual), Floats(gamma), Floats(beta), Floats(y), Floats(mean), Floats(rstd), rows, (float)epsilon);
            return;
        }

        ForwardEachRow<T, TWidth, TInput>(x, residual, gamma, beta, y, mean, rstd, rows, epsilon);
    }

    /// <summary><see cref="ForwardRows{T, TWidth, TInput}"/> a row at a time, for any width and either precision.</summary>
    internal static void ForwardEachRow<T, TWidth, TInput>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> residual, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, Span<T> mean, Span<T> rstd, int rows, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
        where TInput : struct, IInput
    {
        int width = TWidth.Width;
        T eps = T.CreateTruncating(epsilon);
        T invWidth = T.One / T.CreateTruncating(width);
        int vc = Vector256<T>.Count, full = width / vc * vc;
        var tail = VectorMath.LaneMask<T>(width - full);
        _ = x[(rows * width) - 1];
        _ = y[(rows * width) - 1];
        _ = gamma[width - 1];
        _ = beta[width - 1];
        _ = mean[rows - 1];
        _ = rstd[rows - 1];
        if (TInput.Residual)
        {
            _ = residual[(rows * width) - 1];
        }

        ref T g0 = ref MemoryMarshal.GetReference(gamma);
        ref T b0 = ref MemoryMarshal.GetReference(beta);
        var gammaTail = full < width ? VectorMath.LoadMasked(ref Unsafe.Add(ref g0, full), tail) : default;
        var betaTail = full < width ? VectorMath.LoadMasked(ref Unsafe.Add(ref b0, full), tail) : default;
        for (int row = 0; row < rows; row++)
        {
            ref T xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), row * width);
            ref T rr = ref Unsafe.Add(ref MemoryMarshal.GetReference(residual), row * width);
            ref T yr = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), row * width);
            var sum = Vector256<T>.Zero;
            nuint at = 0;
            for (; (int)at < full; at += (nuint)vc)
            {
                sum += TInput.Load(ref xr, ref rr, at);
            }

            if (full < width)
            {
                sum += TInput.LoadMasked(ref xr, ref rr, full, tail, whole: false);
            }

            T m = Vector256.Sum(sum) * invWidth;
            var vm = Vector256.Create(m);
            var squares = Vector256<T>.Zero;
            for (at = 0; (int)at < full; at += (nuint)vc)
            {
                var c = TInput.Load(ref xr, ref rr, at) - vm;
                squares = VectorMath.Fma(c, c, squares);
            }

            if (full < width)
            {
                var c = (TInput.LoadMasked(ref xr, ref rr, full, tail, whole: false) - vm) & tail;
                squares = VectorMath.Fma(c, c, squares);
            }

            T rs = T.One / T.Sqrt((Vector256.Sum(squares) * invWidth) + eps);
            var vrs = Vector256.Create(rs);
            for (at = 0; (int)at < full; at += (nuint)vc)
            {
                ((((TInput.Load(ref xr, ref rr, at) - vm) * vrs) * Vector256.LoadUnsafe(ref g0, at)) + Vector256.LoadUnsafe(ref b0, at)).StoreUnsafe(ref yr, at);
            }

            if (full < width)
            {
                VectorMath.StoreMasked((((TInput.LoadMasked(ref xr, ref rr, full, tail, whole: false) - vm) * vrs) * gammaTail) + betaTail, ref Unsafe.Add(ref yr, full), tail);
            }

            mean[row] = m;
            rstd[row] = rs;
        }
    }

    /// <summary>
    /// The rows of one sample. The masked last vector's dgamma and dbeta are summed over the sample's rows, then added
    /// once (the order of the sums is part of the results' bits).
    /// </summary>
    private static void BackwardRows<T, TWidth, TInput>(
        ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> residual, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> gamma,
        Span<T> dx, Span<T> dResidual, Span<T> dGamma, Span<T> dBeta, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
        where TInput : struct, IInput
    {
        int width = TWidth.Width;
        T invWidth = T.One / T.CreateTruncating(width);
        int vc = Vector256<T>.Count, full = width / vc * vc;
        var tail = VectorMath.LaneMask<T>(width - full);
        _ = dy[(rows * width) - 1];
        _ = x[(rows * width) - 1];
        _ = dx[(rows * width) - 1];
        _ = mean[rows - 1];
        _ = rstd[rows - 1];
        _ = gamma[width - 1];
        _ = dGamma[width - 1];
        _ = dBeta[width - 1];
        if (TInput.Residual)
        {
            _ = residual[(rows * width) - 1];
            _ = dResidual[(rows * width) - 1];
        }

        ref T g0 = ref MemoryMarshal.GetReference(gamma);
        ref T dg0 = ref MemoryMarshal.GetReference(dGamma);
        ref T db0 = ref MemoryMarshal.GetReference(dBeta);
        var gammaTail = full < width ? VectorMath.LoadMasked(ref Unsafe.Add(ref g0, full), tail) : default;
        // Each row's partial last vector of dx goes out as the product's row ends do (VectorMath.StoreMasked, counted).
        var tailLastFour = VectorMath.LastFour(width - full);
        var dGammaTail = Vector256<T>.Zero;
        var dBetaTail = Vector256<T>.Zero;

        // Rows whose masked last vector lies whole inside the rows (all but the last): read as plain loads, masked.
        int inside = full == width ? rows : VectorMath.RowsWithWholeVector<T>(rows * width, full, width, rows);
        for (int row = 0; row < rows; row++)
        {
            bool whole = row < inside;
            ref T dyr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dy), row * width);
            ref T xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), row * width);
            ref T rr = ref Unsafe.Add(ref MemoryMarshal.GetReference(residual), row * width);
            var vm = Vector256.Create(mean[row]);
            var vrs = Vector256.Create(rstd[row]);
            var sumD = Vector256<T>.Zero;
            var sumDX = Vector256<T>.Zero;
            nuint at = 0;
            for (; (int)at < full; at += (nuint)vc)
            {
                var xhat = (TInput.Load(ref xr, ref rr, at) - vm) * vrs;
                var d = Vector256.LoadUnsafe(ref dyr, at);
                var dn = d * Vector256.LoadUnsafe(ref g0, at);
                sumD += dn;
                sumDX = VectorMath.Fma(dn, xhat, sumDX);
                VectorMath.Fma(d, xhat, Vector256.LoadUnsafe(ref dg0, at)).StoreUnsafe(ref dg0, at);
                (Vector256.LoadUnsafe(ref db0, at) + d).StoreUnsafe(ref db0, at);
            }

            if (full < width)
            {
                var xhat = (TInput.LoadMasked(ref xr, ref rr, full, tail, whole) - vm) * vrs;
                var d = VectorMath.LoadMasked(ref Unsafe.Add(ref dyr, full), tail, whole);
                var dn = d * gammaTail;
                sumD += dn;
                sumDX = VectorMath.Fma(dn, xhat, sumDX);
                dGammaTail = VectorMath.Fma(d, xhat, dGammaTail);
                dBetaTail += d;
            }

            var meanD = Vector256.Create(Vector256.Sum(sumD) * invWidth);
            var meanDX = Vector256.Create(Vector256.Sum(sumDX) * invWidth);
            ref T dxr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), row * width);
            ref T drr = ref Unsafe.Add(ref MemoryMarshal.GetReference(dResidual), row * width);
            for (at = 0; (int)at < full; at += (nuint)vc)
            {
                var xhat = (TInput.Load(ref xr, ref rr, at) - vm) * vrs;
                var g = ((Vector256.LoadUnsafe(ref dyr, at) * Vector256.LoadUnsafe(ref g0, at)) - meanD - (xhat * meanDX)) * vrs;
                g.StoreUnsafe(ref dxr, at);
                if (TInput.Residual)
                {
                    g.StoreUnsafe(ref drr, at);
                }
            }

            if (full < width)
            {
                var xhat = (TInput.LoadMasked(ref xr, ref rr, full, tail, whole) - vm) * vrs;
                var g = ((VectorMath.LoadMasked(ref Unsafe.Add(ref dyr, full), tail, whole) * gammaTail) - meanD - (xhat * meanDX)) * vrs;
                VectorMath.StoreMasked(g, ref Unsafe.Add(ref dxr, full), tail, width - full, tailLastFour);
                if (TInput.Residual)
                {
                    VectorMath.StoreMasked(g, ref Unsafe.Add(ref drr, full), tail, width - full, tailLastFour);
                }
            }
        }

        if (full < width)
        {
            VectorMath.StoreMasked(VectorMath.LoadMasked(ref Unsafe.Add(ref dg0, full), tail) + dGammaTail, ref Unsafe.Add(ref dg0, full), tail);
            VectorMath.StoreMasked(VectorMath.LoadMasked(ref Unsafe.Add(ref db0, full), tail) + dBetaTail, ref Unsafe.Add(ref db0, full), tail);
        }
    }

    /// <summary>What the norm reads: x, or x + residual; known when the kernel is compiled.</summary>
    internal interface IInput
    {
        static abstract bool Residual { get; }

        static abstract Vector256<T> Load<T>(ref T x, ref T residual, nuint at)
            where T : unmanaged, IFloatingPointIeee754<T>;

        /// <summary>The lanes of <paramref name="mask"/> from <paramref name="at"/>, zero in the others (see VectorMath.LoadMasked).</summary>
        static abstract Vector256<T> LoadMasked<T>(ref T x, ref T residual, int at, Vector256<T> mask, bool whole)
            where T : unmanaged, IFloatingPointIeee754<T>;
    }

    /// <summary>x.</summary>
    internal readonly struct Alone : IInput
    {
        public static bool Residual => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Load<T>(ref T x, ref T residual, nuint at)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector256.LoadUnsafe(ref x, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> LoadMasked<T>(ref T x, ref T residual, int at, Vector256<T> mask, bool whole)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            VectorMath.LoadMasked(ref Unsafe.Add(ref x, at), mask, whole);
    }

    /// <summary>x + residual.</summary>
    internal readonly struct Added : IInput
    {
        public static bool Residual => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Load<T>(ref T x, ref T residual, nuint at)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector256.LoadUnsafe(ref x, at) + Vector256.LoadUnsafe(ref residual, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> LoadMasked<T>(ref T x, ref T residual, int at, Vector256<T> mask, bool whole)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            VectorMath.LoadMasked(ref Unsafe.Add(ref x, at), mask, whole) + VectorMath.LoadMasked(ref Unsafe.Add(ref residual, at), mask, whole);
    }
}
