using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>
/// LayerNorm's forward pass over float rows of at most eight values (the seed's width of 7) where AVX is native: eight
/// rows at a time, transposed in registers, so that each row's mean and variance are additions lane by lane over its
/// columns, one row per lane, rather than a reduction across a vector per row, whose chains of dependent shuffles were
/// most of the row kernel's time. Every sum is taken in the order of the row kernel's Vector256.Sum,
/// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), with the zero lanes past the width in it where the row kernel
/// has them, and every other operation is the row kernel's, so the two give the same bits (LayerNormNarrowTests).
/// The backward pass stays a row at a time: the same scheme there (two reductions and the input's gradient by columns,
/// dgamma by rows in their order) ran no faster, its sixteen live row vectors spilling from AVX2's sixteen registers.
/// </summary>
public static partial class LayerNorm
{
    /// <summary>Whether the eight-row forward kernel serves this precision and width here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool NarrowFits<T, TWidth>()
        where TWidth : struct, IRowWidth =>
        typeof(T) == typeof(float) && TWidth.Width <= Vector256<float>.Count && Avx.IsSupported;

    /// <summary>
    /// <see cref="ForwardEachRow{T, TWidth, TInput}"/> in float, eight rows at a time; the bounds as that kernel checks them.
    /// </summary>
    // Never inlined: inlined into its callers (with dynamic PGO the JIT took it into Add & Norm and the model's
    // forward pass), the JIT ran out of its inlining budget and called its small helpers instead of inlining them.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ForwardNarrow<TWidth, TInput>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> rstd, int rows, float eps)
        where TWidth : struct, IRowWidth
        where TInput : struct, IInput
    {
        int width = TWidth.Width;
        if (rows == 0)
        {
            return;
        }

        _ = x[(rows * width) - 1];
        _ = y[(rows * width) - 1];
        if (TInput.Residual)
        {
            _ = residual[(rows * width) - 1];
        }

        _ = gamma[width - 1];
        _ = beta[width - 1];
        _ = mean[rows - 1];
        _ = rstd[rows - 1];
        float invWidth = 1f / width;
        var tail = VectorMath.LaneMask<float>(width);
        var zero = Vector256<float>.Zero;
        var vEps = Vector256.Create(eps);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float r0 = ref MemoryMarshal.GetReference(residual);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref float g0 = ref MemoryMarshal.GetReference(gamma);
        ref float b0 = ref MemoryMarshal.GetReference(beta);
        int inside = VectorMath.RowsWithWholeVector<float>(rows * width, 0, width, rows);
        for (int row = 0; row < rows; row += 8)
        {
            int count = Math.Min(8, rows - row);
            ref float xb = ref Unsafe.Add(ref x0, row * width);
            ref float rb = ref Unsafe.Add(ref r0, row * width);

            // Eight rows, each zero past the width (the row kernel's masked loads), zero rows past the last; then c_i
            // holds column i of all eight, one row per lane. A block whose rows' vectors all lie inside the rows reads
            // them with plain loads, masked (a masked load's pointer the JIT pins through a stack slot, every load).
            Vector256<float> c0, c1, c2, c3, c4, c5, c6, c7;
            if (row + 8 <= inside)
            {
                LoadRows<TWidth, TInput>(ref xb, ref rb, 8, true, tail, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
            }
            else
            {
                LoadRows<TWidth, TInput>(ref xb, ref rb, count, false, tail, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
            }

            Gemm.Transpose8(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);

            // The row kernel's sum starts at zero, so a -0 lane comes into its reduction as +0: zero + c_i does the same.
            var m = Tree(zero + c0, zero + c1, zero + c2, zero + c3, zero + c4, zero + c5, zero + c6, zero + c7) * invWidth;
            var s = Tree(
                Square<TWidth>(c0, m, 0), Square<TWidth>(c1, m, 1), Square<TWidth>(c2, m, 2), Square<TWidth>(c3, m, 3),
                Square<TWidth>(c4, m, 4), Square<TWidth>(c5, m, 5), Square<TWidth>(c6, m, 6), Square<TWidth>(c7, m, 7));
            var rs = Vector256<float>.One / Vector256.Sqrt((s * invWidth) + vEps);

            c0 = Normed<TWidth>(c0, m, rs, ref g0, ref b0, 0);
            c1 = Normed<TWidth>(c1, m, rs, ref g0, ref b0, 1);
            c2 = Normed<TWidth>(c2, m, rs, ref g0, ref b0, 2);
            c3 = Normed<TWidth>(c3, m, rs, ref g0, ref b0, 3);
            c4 = Normed<TWidth>(c4, m, rs, ref g0, ref b0, 4);
            c5 = Normed<TWidth>(c5, m, rs, ref g0, ref b0, 5);
            c6 = Normed<TWidth>(c6, m, rs, ref g0, ref b0, 6);
            c7 = Normed<TWidth>(c7, m, rs, ref g0, ref b0, 7);
            Gemm.Transpose8(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            ref float yb = ref Unsafe.Add(ref y0, row * width);
            StoreRows<TWidth>(ref yb, count, tail, c0, c1, c2, c3, c4, c5, c6, c7);
            StoreLanes(m, ref Unsafe.Add(ref MemoryMarshal.GetReference(mean), row), count);
            StoreLanes(rs, ref Unsafe.Add(ref MemoryMarshal.GetReference(rstd), row), count);
        }
    }

    /// <summary>
    /// Rows 0 to 7 of a block of rows of <typeparamref name="TWidth"/>, zero past the width and past
    /// <paramref name="count"/> rows; <paramref name="whole"/> where every row's whole vector may be read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRows<TWidth, TInput>(
        ref float x, ref float residual, int count, bool whole, Vector256<float> tail,
        out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3,
        out Vector256<float> r4, out Vector256<float> r5, out Vector256<float> r6, out Vector256<float> r7)
        where TWidth : struct, IRowWidth
        where TInput : struct, IInput
    {
        r0 = LoadRow<TWidth, TInput>(ref x, ref residual, 0, count, whole, tail);
        r1 = LoadRow<TWidth, TInput>(ref x, ref residual, 1, count, whole, tail);
        r2 = LoadRow<TWidth, TInput>(ref x, ref residual, 2, count, whole, tail);
        r3 = LoadRow<TWidth, TInput>(ref x, ref residual, 3, count, whole, tail);
        r4 = LoadRow<TWidth, TInput>(ref x, ref residual, 4, count, whole, tail);
        r5 = LoadRow<TWidth, TInput>(ref x, ref residual, 5, count, whole, tail);
        r6 = LoadRow<TWidth, TInput>(ref x, ref residual, 6, count, whole, tail);
        r7 = LoadRow<TWidth, TInput>(ref x, ref residual, 7, count, whole, tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadRow<TWidth, TInput>(ref float x, ref float residual, int k, int count, bool whole, Vector256<float> tail)
        where TWidth : struct, IRowWidth
        where TInput : struct, IInput
    {
        if (k >= count)
        {
            return Vector256<float>.Zero;
        }

        return TInput.LoadMasked(ref x, ref residual, k * TWidth.Width, tail, whole);
    }

    /// <summary>
    /// Rows 0 to count - 1 of a block of rows of <typeparamref name="TWidth"/>, and no other memory. The rows are
    /// contiguous, so a row goes out as a whole vector where its lanes past the width still land on rows of the block
    /// after it, which their own stores then write over; otherwise, and for the last row, as its width alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TWidth>(
        ref float to, int count, Vector256<float> tail,
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7)
        where TWidth : struct, IRowWidth
    {
        if (count == 8)
        {
            // A whole block: with a constant count, each row's choice of store is made when compiling.
            StoreRowOf<TWidth>(r0, ref to, 0, 8, tail);
            StoreRowOf<TWidth>(r1, ref to, 1, 8, tail);
            StoreRowOf<TWidth>(r2, ref to, 2, 8, tail);
            StoreRowOf<TWidth>(r3, ref to, 3, 8, tail);
            StoreRowOf<TWidth>(r4, ref to, 4, 8, tail);
            StoreRowOf<TWidth>(r5, ref to, 5, 8, tail);
            StoreRowOf<TWidth>(r6, ref to, 6, 8, tail);
            StoreRowOf<TWidth>(r7, ref to, 7, 8, tail);
            return;
        }

        StoreRowOf<TWidth>(r0, ref to, 0, count, tail);
        StoreRowOf<TWidth>(r1, ref to, 1, count, tail);
        StoreRowOf<TWidth>(r2, ref to, 2, count, tail);
        StoreRowOf<TWidth>(r3, ref to, 3, count, tail);
        StoreRowOf<TWidth>(r4, ref to, 4, count, tail);
        StoreRowOf<TWidth>(r5, ref to, 5, count, tail);
        StoreRowOf<TWidth>(r6, ref to, 6, count, tail);
        StoreRowOf<TWidth>(r7, ref to, 7, count, tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRowOf<TWidth>(Vector256<float> r, ref float to, int k, int count, Vector256<float> tail)
        where TWidth : struct, IRowWidth
    {
        int width = TWidth.Width;
        ref float at = ref Unsafe.Add(ref to, k * width);
        if ((k * width) + Vector256<float>.Count <= count * width)
        {
            r.StoreUnsafe(ref at);
        }
        else if (k < count)
        {
            VectorMath.StoreMasked(r, ref at, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(Vector256<float> v, ref float to, int count)
    {
        if (count == 8)
        {
            v.StoreUnsafe(ref to);
        }
        else
        {
            VectorMath.StoreMasked(v, ref to, VectorMath.LaneMask<float>(count));
        }
    }

    /// <summary>Column i's squared distances from the rows' means; zero past the width, as the row kernel masks them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Square<TWidth>(Vector256<float> column, Vector256<float> m, int i)
        where TWidth : struct, IRowWidth
    {
        if (i >= TWidth.Width)
        {
            return Vector256<float>.Zero;
        }

        var c = column - m;
        return VectorMath.Fma(c, c, Vector256<float>.Zero);
    }

    /// <summary>Column i normed, scaled and shifted: ((x - mean) * rstd) * gamma[i] + beta[i]; zero past the width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Normed<TWidth>(Vector256<float> column, Vector256<float> m, Vector256<float> rs, ref float gamma, ref float beta, int i)
        where TWidth : struct, IRowWidth =>
        i >= TWidth.Width
            ? Vector256<float>.Zero
            : (((column - m) * rs) * Vector256.Create(Unsafe.Add(ref gamma, i))) + Vector256.Create(Unsafe.Add(ref beta, i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Tree(
        Vector256<float> l0, Vector256<float> l1, Vector256<float> l2, Vector256<float> l3,
        Vector256<float> l4, Vector256<float> l5, Vector256<float> l6, Vector256<float> l7) =>
        ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));

    private static ReadOnlySpan<float> Floats<T>(ReadOnlySpan<T> values)
        where T : unmanaged =>
        MemoryMarshal.Cast<T, float>(values);

    private static Span<float> Floats<T>(Span<T> values)
        where T : unmanaged =>
        MemoryMarshal.Cast<T, float>(values);
}
