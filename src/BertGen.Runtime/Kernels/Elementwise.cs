using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>
/// Elementwise and row operations over spans, in Vector256 steps with a partial last step; GELU in float takes Vector512
/// steps first where they are native.
/// </summary>
public static class Elementwise
{
    /// <summary>y = gelu(x).</summary>
    public static void GeluForward<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => GeluForward(x, y, default);

    /// <summary>
    /// y = gelu(x), and, unless <paramref name="erf"/> is empty, erf(x / sqrt 2) per value into it, for
    /// <see cref="GeluBackward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>, which then need not work
    /// it out again (the rational erf is about half of the derivative's operations).
    /// </summary>
    // Never inlined, nor GeluBackward: with dynamic PGO the JIT took them into their callers, ran out of its inlining
    // budget there and called the sixteen-lane helpers (ExpFloat, Vector512.StoreUnsafe) where AVX-512 is not native.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void GeluForward<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> erf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, vc = Vector256<T>.Count, i = 0;
        y = y[..n];
        bool keep = !erf.IsEmpty;
        erf = keep ? erf[..n] : erf;
        // Sixteen lanes at a time where AVX2 is native too: there they run as two interleaved 256-bit halves, 2-4% faster
        // than eight lanes at a time (bench `gelu`, an AMD EPYC without AVX-512); the same operations, so the same bits.
        if (typeof(T) == typeof(float) && (Vector512.IsHardwareAccelerated || Avx2.IsSupported))
        {
            ref float xr = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));
            ref float yr = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(y));
            ref float er = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(erf));
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var e = VectorMath.GeluErf(v);
                if (keep)
                {
                    e.StoreUnsafe(ref er, (nuint)i);
                }

                VectorMath.Gelu(v, e).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i <= n - vc; i += vc)
        {
            var v = Vector256.Create(x.Slice(i, vc));
            var e = VectorMath.GeluErf(v);
            if (keep)
            {
                e.CopyTo(erf.Slice(i, vc));
            }

            VectorMath.Gelu(v, e).CopyTo(y.Slice(i, vc));
        }

        if (i < n)
        {
            var v = VectorMath.LoadPartial(x[i..], n - i, T.Zero);
            var e = VectorMath.GeluErf(v);
            if (keep)
            {
                VectorMath.StorePartial(e, erf[i..], n - i);
            }

            VectorMath.StorePartial(VectorMath.Gelu(v, e), y[i..], n - i);
        }
    }

    /// <summary>dx = dy * gelu'(x), written over dx.</summary>
    public static void GeluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T> => GeluBackward(dy, x, default, dx);

    /// <summary>
    /// dx = dy * gelu'(x), written over dx, erf(x / sqrt 2) read from <paramref name="erf"/> as
    /// <see cref="GeluForward{T}(ReadOnlySpan{T}, Span{T}, Span{T})"/> kept it, or, where it is empty, worked out again:
    /// the same values either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void GeluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> erf, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, vc = Vector256<T>.Count, i = 0;
        dy = dy[..n];
        dx = dx[..n];
        bool kept = !erf.IsEmpty;
        erf = kept ? erf[..n] : erf;
        if (typeof(T) == typeof(float) && (Vector512.IsHardwareAccelerated || Avx2.IsSupported))
        {
            ref float dyr = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(dy));
            ref float xr = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));
            ref float er = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(erf));
            ref float dxr = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(dx));
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var e = kept ? Vector512.LoadUnsafe(ref er, (nuint)i) : VectorMath.GeluErf(v);
                (Vector512.LoadUnsafe(ref dyr, (nuint)i) * VectorMath.GeluDerivative(v, e)).StoreUnsafe(ref dxr, (nuint)i);
            }
        }

        for (; i <= n - vc; i += vc)
        {
            var v = Vector256.Create(x.Slice(i, vc));
            var e = kept ? Vector256.Create(erf.Slice(i, vc)) : VectorMath.GeluErf(v);
            (Vector256.Create(dy.Slice(i, vc)) * VectorMath.GeluDerivative(v, e)).CopyTo(dx.Slice(i, vc));
        }

        if (i < n)
        {
            var v = VectorMath.LoadPartial(x[i..], n - i, T.Zero);
            var e = kept ? VectorMath.LoadPartial(erf[i..], n - i, T.Zero) : VectorMath.GeluErf(v);
            var g = VectorMath.LoadPartial(dy[i..], n - i, T.Zero) * VectorMath.GeluDerivative(v, e);
            VectorMath.StorePartial(g, dx[i..], n - i);
        }
    }

    /// <summary>y = gelu(x) for every sample's tensor: in one pass where both views are contiguous, as an arena's are.</summary>
    public static void GeluForward<T>(ReadOnlyRows<T> x, Rows<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsContiguous && y.IsContiguous)
        {
            GeluForward(x.Values, y.Values);
            return;
        }

        for (int s = 0; s < x.Count; s++)
        {
            GeluForward(x.Sample(s), y.Sample(s));
        }
    }

    /// <summary>
    /// y = gelu(x) and erf(x / sqrt 2) into <paramref name="erf"/> for every sample's tensor (<see cref="GeluForward{T}(ReadOnlySpan{T}, Span{T}, Span{T})"/>):
    /// in one pass where the views are contiguous, as an arena's are.
    /// </summary>
    public static void GeluForward<T>(ReadOnlyRows<T> x, Rows<T> y, Rows<T> erf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsContiguous && y.IsContiguous && erf.IsContiguous)
        {
            GeluForward(x.Values, y.Values, erf.Values);
            return;
        }

        for (int s = 0; s < x.Count; s++)
        {
            GeluForward(x.Sample(s), y.Sample(s), erf.Sample(s));
        }
    }

    /// <summary>dx = dy * gelu'(x) for every sample's tensor: in one pass where the views are contiguous.</summary>
    public static void GeluBackward<T>(ReadOnlyRows<T> dy, ReadOnlyRows<T> x, Rows<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dy.IsContiguous && x.IsContiguous && dx.IsContiguous)
        {
            GeluBackward(dy.Values, x.Values, dx.Values);
            return;
        }

        for (int s = 0; s < x.Count; s++)
        {
            GeluBackward(dy.Sample(s), x.Sample(s), dx.Sample(s));
        }
    }

    /// <summary>
    /// dx = dy * gelu'(x) for every sample's tensor, erf(x / sqrt 2) read from <paramref name="erf"/> as the forward pass
    /// kept it (<see cref="GeluForward{T}(ReadOnlyRows{T}, Rows{T}, Rows{T})"/>): in one pass where the views are contiguous.
    /// </summary>
    public static void GeluBackward<T>(ReadOnlyRows<T> dy, ReadOnlyRows<T> x, ReadOnlyRows<T> erf, Rows<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dy.IsContiguous && x.IsContiguous && erf.IsContiguous && dx.IsContiguous)
        {
            GeluBackward(dy.Values, x.Values, erf.Values, dx.Values);
            return;
        }

        for (int s = 0; s < x.Count; s++)
        {
            GeluBackward(dy.Sample(s), x.Sample(s), erf.Sample(s), dx.Sample(s));
        }
    }

    /// <summary>x = tanh(x), in place, for every sample's tensor.</summary>
    public static void TanhForward<T>(Rows<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int s = 0; s < x.Count; s++)
        {
            foreach (ref T value in x.Sample(s))
            {
                value = T.Tanh(value);
            }
        }
    }

    /// <summary>dy *= 1 - y^2, in place, where y = tanh(x): turns the gradient of y into that of x.</summary>
    public static void TanhBackward<T>(Rows<T> dy, ReadOnlyRows<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int s = 0; s < dy.Count; s++)
        {
            var d = dy.Sample(s);
            var values = y.Sample(s).Slice(0, d.Length);
            for (int i = 0; i < d.Length; i++)
            {
                d[i] *= T.One - (values[i] * values[i]);
            }
        }
    }

    /// <summary>probs = softmax(logits) over each row of every sample.</summary>
    public static void SoftmaxRows<T>(ReadOnlyRows<T> logits, Rows<T> probs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = logits.Width;
        for (int s = 0; s < logits.Count; s++)
        {
            var x = logits.Sample(s);
            var y = probs.Sample(s);
            for (int r = 0; r < logits.RowsPerSample; r++)
            {
                Softmax(x.Slice(r * width, width), y.Slice(r * width, width));
            }
        }
    }

    /// <summary>predictions[r] = the index of row r's largest value (the first of equals), for each row of every sample.</summary>
    public static void ArgmaxRows<T>(ReadOnlyRows<T> values, Rows<T> predictions)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = values.Width;
        for (int s = 0; s < values.Count; s++)
        {
            var x = values.Sample(s);
            var p = predictions.Sample(s);
            for (int r = 0; r < values.RowsPerSample; r++)
            {
                p[r] = T.CreateTruncating(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(x.Slice(r * width, width)));
            }
        }
    }

    /// <summary>
    /// y = softmax(x) over one row, shifted by the row's maximum (x and y may be the same span). Returns
    /// log(sum(exp(x))), so that a cross-entropy is <c>logSumExp - x[target]</c> without the log of a tiny probability.
    /// </summary>
    public static T Softmax<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        y = y[..x.Length];
        var (max, sum, last) = ExpSum(x, y);
        int n = x.Length, vc = Vector256<T>.Count, full = n / vc * vc;
        ref T yr = ref MemoryMarshal.GetReference(y);
        var scale = Vector256.Create(T.One / sum);
        for (int i = 0; i < full; i += vc)
        {
            (Vector256.LoadUnsafe(ref yr, (nuint)i) * scale).StoreUnsafe(ref yr, (nuint)i);
        }

        if (full < n)
        {
            VectorMath.StoreMasked(last * scale, ref Unsafe.Add(ref yr, full), VectorMath.LaneMask<T>(n - full));
        }

        return max + T.Log(sum);
    }

    /// <summary>log(sum(exp(x))) over one row: the same bits as <see cref="Softmax{T}"/> returns for it.</summary>
    public static T LogSumExp<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (max, sum, _) = ExpSum(x, default);
        return max + T.Log(sum);
    }

    /// <summary>
    /// The row's maximum and the sum of exp(x - max), the exponentials stored into <paramref name="y"/> unless it is empty
    /// (but for the masked last vector's, which is returned).
    /// </summary>
    private static (T Max, T Sum, Vector256<T> Last) ExpSum<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, vc = Vector256<T>.Count, full = n / vc * vc, tail = n - full;
        bool store = !y.IsEmpty;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var tailMask = VectorMath.LaneMask<T>(tail);
        var vmax = Vector256.Create(T.NegativeInfinity);
        for (int i = 0; i < full; i += vc)
        {
            vmax = Vector256.MaxNative(vmax, Vector256.LoadUnsafe(ref xr, (nuint)i));
        }

        if (tail > 0)
        {
            vmax = Vector256.MaxNative(vmax, Vector256.ConditionalSelect(tailMask, VectorMath.LoadMasked(ref Unsafe.Add(ref xr, full), tailMask), vmax));
        }

        T max = VectorMath.MaxAcross(vmax);
        var shift = Vector256.Create(max);
        var vsum = Vector256<T>.Zero;
        for (int i = 0; i < full; i += vc)
        {
            var e = VectorMath.Exp(Vector256.LoadUnsafe(ref xr, (nuint)i) - shift);
            if (store)
            {
                e.StoreUnsafe(ref yr, (nuint)i);
            }

            vsum += e;
        }

        Vector256<T> last = default;
        if (tail > 0)
        {
            last = VectorMath.Exp(VectorMath.LoadMasked(ref Unsafe.Add(ref xr, full), tailMask) - shift) & tailMask;
            vsum += last;
        }

        return (max, Vector256.Sum(vsum), last);
    }

    /// <summary>
    /// Through a softmax row p: ds = p * (dp - sum(p * dp)), the gradient of the scores from that of the probabilities.
    /// </summary>
    public static void SoftmaxBackwardRow<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> dp, Span<T> ds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = p.Length, vc = Vector256<T>.Count, i = 0;
        dp = dp[..n];
        ds = ds[..n];
        var acc = Vector256<T>.Zero;
        for (; i <= n - vc; i += vc)
        {
            acc = VectorMath.Fma(Vector256.Create(p.Slice(i, vc)), Vector256.Create(dp.Slice(i, vc)), acc);
        }

        T weighted = Vector256.Sum(acc);
        for (int j = i; j < n; j++)
        {
            weighted += p[j] * dp[j];
        }

        var w = Vector256.Create(weighted);
        for (i = 0; i <= n - vc; i += vc)
        {
            (Vector256.Create(p.Slice(i, vc)) * (Vector256.Create(dp.Slice(i, vc)) - w)).CopyTo(ds.Slice(i, vc));
        }

        for (; i < n; i++)
        {
            ds[i] = p[i] * (dp[i] - weighted);
        }
    }

    /// <summary>sums[j] += sum over rows of m[r * stride + j], for j below sums.Length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddColumnSums<T>(ReadOnlySpan<T> m, int stride, int rows, Span<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = sums.Length, vc = Vector256<T>.Count, j = 0;
        if (rows == 0)
        {
            return;
        }

        _ = m[((rows - 1) * stride) + n - 1];
        ref T mr = ref MemoryMarshal.GetReference(m);
        ref T sr = ref MemoryMarshal.GetReference(sums);

        // Each column's sum is one chain of additions down the rows, so the columns of a pass over the rows are separate
        // chains that overlap: up to four whole vectors a pass, and the last pass also the last columns as one masked
        // vector. Each lane is the same sum in the same order as a column summed on its own.
        int vectors = n / vc;
        for (; vectors > 4; vectors -= 4, j += 4 * vc)
        {
            SumColumns(ref Unsafe.Add(ref mr, j), stride, rows, ref Unsafe.Add(ref sr, j), 4, 0, 0);
        }

        SumColumns(ref Unsafe.Add(ref mr, j), stride, rows, ref Unsafe.Add(ref sr, j), vectors, n - j - (vectors * vc), m.Length - j);
    }

    /// <summary>
    /// One pass of <see cref="AddColumnSums{T}"/> over the rows from <paramref name="m"/> on: <paramref name="vectors"/>
    /// (up to four) whole vectors of columns, then <paramref name="tail"/> columns under a mask, read with a plain load,
    /// masked, wherever the whole vector lies inside the <paramref name="length"/> values from m on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumColumns<T>(ref T m, int stride, int rows, ref T sums, int vectors, int tail, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count, at = vectors * vc;
        var zero = Vector256<T>.Zero;
        var a0 = vectors > 0 ? Vector256.LoadUnsafe(ref sums) : zero;
        var a1 = vectors > 1 ? Vector256.LoadUnsafe(ref sums, (nuint)vc) : zero;
        var a2 = vectors > 2 ? Vector256.LoadUnsafe(ref sums, (nuint)(2 * vc)) : zero;
        var a3 = vectors > 3 ? Vector256.LoadUnsafe(ref sums, (nuint)(3 * vc)) : zero;
        var mask = VectorMath.LaneMask<T>(tail);
        var t = tail > 0 ? VectorMath.LoadMasked(ref Unsafe.Add(ref sums, at), mask) : zero;
        int whole = tail > 0 ? VectorMath.RowsWithWholeVector<T>(length, at, stride, rows) : 0;
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref m, r * stride);
            if (vectors > 0)
            {
                a0 += Vector256.LoadUnsafe(ref row);
            }

            if (vectors > 1)
            {
                a1 += Vector256.LoadUnsafe(ref row, (nuint)vc);
            }

            if (vectors > 2)
            {
                a2 += Vector256.LoadUnsafe(ref row, (nuint)(2 * vc));
            }

            if (vectors > 3)
            {
                a3 += Vector256.LoadUnsafe(ref row, (nuint)(3 * vc));
            }

            if (tail > 0)
            {
                t += VectorMath.LoadMasked(ref Unsafe.Add(ref row, at), mask, r < whole);
            }
        }

        if (vectors > 0)
        {
            a0.StoreUnsafe(ref sums);
        }

        if (vectors > 1)
        {
            a1.StoreUnsafe(ref sums, (nuint)vc);
        }

        if (vectors > 2)
        {
            a2.StoreUnsafe(ref sums, (nuint)(2 * vc));
        }

        if (vectors > 3)
        {
            a3.StoreUnsafe(ref sums, (nuint)(3 * vc));
        }

        if (tail > 0)
        {
            VectorMath.StoreMasked(t, ref Unsafe.Add(ref sums, at), mask);
        }
    }

}
