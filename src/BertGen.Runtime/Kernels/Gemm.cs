using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>
/// The matrix product every linear layer, attention and decoder kernel goes through:
/// C[m, j] = (C[m, j] when accumulating) + alpha * sum over k of A[m, k] B[k, j] (+ bias[j]).
/// B comes packed in panels one to four vectors wide (<see cref="PackRows{T}(ReadOnlySpan{T}, int, int, int, Span{T})"/>), zero beyond n, so every load is a whole
/// vector and a panel is one contiguous stream. The inner loop keeps a block of 6 rows by 4 vectors of C in registers
/// (7 by 3, 6 by 2 or 7 by 1 for narrower panels) and streams one panel of B across all rows.
/// </summary>
public static class Gemm
{
    /// <summary>Columns of a packed B: n rounded up to a multiple of 8 up to 24, or of 16 above 24.</summary>
    public static int PaddedWidth(int n) => n <= 24 ? Math.Max(8, (n + 7) & ~7) : (n + 15) & ~15;

    /// <summary>
    /// Width of the panels a packed B is cut into: four vectors when the padded width allows, three when it is three
    /// vectors, else two, else one. Panel p holds columns [p * width, (p + 1) * width) of every row, row after row, so
    /// that a register block reads its panel of B as one contiguous stream.
    /// </summary>
    private static int PanelWidth<T>(int np)
    {
        int vc = Vector256<T>.Count;
        return np % (4 * vc) == 0 ? 4 * vc : np == 3 * vc ? 3 * vc : np % (2 * vc) == 0 ? 2 * vc : vc;
    }

    /// <summary>Packs B[k, j] = src[kk * ld + j] (rows of a row-major matrix) into <paramref name="packed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRows<T>(ReadOnlySpan<T> src, int ld, int k, int n, Span<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        PackRows(src, ld, new RowGroups(k, 1, 0, 0), n, packed);

    /// <summary>
    /// Packs the rows of every group as one B: row r of group g, src[g * groups.StrideA + r * ld + j], is row
    /// g * groups.RowsPerGroup + r of B (the same rows of every sample of a batch, stacked).
    /// </summary>
    /// <remarks>
    /// Inlined, so that with the generator's constant widths each row's copy and padding compile to a few vector moves.
    /// B of one panel (every width up to 32 floats) takes that path; the general loop of <see cref="PackPanels{T}"/> for
    /// all widths measured 2-3% slower on the seed step.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRows<T>(ReadOnlySpan<T> src, int ld, RowGroups groups, int n, Span<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = groups.Rows, np = PaddedWidth(n), width = PanelWidth<T>(np);
        packed = packed[..(k * np)];
        if (np == width)
        {
            // One panel: B is row-major with rows of np values. Each row moves in whole vectors, the last partial one
            // read under a mask (its lanes past n read as zero), then zero vectors up to np.
            int vc = Vector256<T>.Count, whole = n / vc * vc;
            var mask = VectorMath.LaneMask<T>(n - whole);
            _ = src[((groups.Count - 1) * groups.StrideA) + ((groups.RowsPerGroup - 1) * ld) + n - 1];
            ref T from = ref MemoryMarshal.GetReference(src);
            ref T to = ref MemoryMarshal.GetReference(packed);
            for (int g = 0; g < groups.Count; g++)
            {
                for (int r = 0; r < groups.RowsPerGroup; r++, to = ref Unsafe.Add(ref to, np))
                {
                    ref T row = ref Unsafe.Add(ref from, (g * groups.StrideA) + (r * ld));
                    int c = 0;
                    for (; c < whole; c += vc)
                    {
                        Vector256.LoadUnsafe(ref row, (nuint)c).StoreUnsafe(ref to, (nuint)c);
                    }

                    if (whole < n)
                    {
                        VectorMath.LoadMasked(ref Unsafe.Add(ref row, c), mask).StoreUnsafe(ref to, (nuint)c);
                        c += vc;
                    }

                    for (; c < np; c += vc)
                    {
                        Vector256<T>.Zero.StoreUnsafe(ref to, (nuint)c);
                    }
                }
            }

            return;
        }

        PackPanels(src, ld, groups, n, np, width, packed);
    }

    private static void PackPanels<T>(ReadOnlySpan<T> src, int ld, RowGroups groups, int n, int np, int width, Span<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Each row is cut into its panels' slices with whole-vector moves (a panel slice is one to four vectors): the vector
        // that holds column n - 1 is read under a mask, the ones past it are zero.
        int k = groups.Rows, vc = Vector256<T>.Count, whole = n / vc * vc;
        var mask = VectorMath.LaneMask<T>(n - whole);
        _ = src[((groups.Count - 1) * groups.StrideA) + ((groups.RowsPerGroup - 1) * ld) + n - 1];
        ref T from = ref MemoryMarshal.GetReference(src);
        ref T to = ref MemoryMarshal.GetReference(packed);
        int kk = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            for (int r = 0; r < groups.RowsPerGroup; r++, kk++)
            {
                ref T row = ref Unsafe.Add(ref from, (g * groups.StrideA) + (r * ld));
                for (int j0 = 0; j0 < np; j0 += width)
                {
                    ref T slice = ref Unsafe.Add(ref to, (j0 * k) + (kk * width));
                    for (int c = 0; c < width; c += vc)
                    {
                        int j = j0 + c;
                        var values = j < whole ? Vector256.LoadUnsafe(ref row, (nuint)j)
                            : j < n ? VectorMath.LoadMasked(ref Unsafe.Add(ref row, j), mask)
                            : Vector256<T>.Zero;
                        values.StoreUnsafe(ref slice, (nuint)c);
                    }
                }
            }
        }
    }

    /// <summary>Packs B[k, j] = src[j * ld + kk] (the transpose of a row-major matrix) into <paramref name="packed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackColumns<T>(ReadOnlySpan<T> src, int ld, int k, int n, Span<T> packed)
        where T : unmanaged
    {
        int np = PaddedWidth(n), width = PanelWidth<T>(np);
        packed = packed[..(k * np)];
        _ = src[((n - 1) * ld) + k - 1];
        ref T from = ref MemoryMarshal.GetReference(src);
        ref T to = ref MemoryMarshal.GetReference(packed);
        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            PackColumnTiles(ref Unsafe.As<T, float>(ref from), ld, k, n, np, width, ref Unsafe.As<T, float>(ref to));
            return;
        }

        // Column by column of the panel: each reads one row of src in order; the padding columns are zeroed in place.
        for (int j0 = 0; j0 < np; j0 += width)
        {
            ref T panel = ref Unsafe.Add(ref to, j0 * k);
            int used = Math.Clamp(n - j0, 0, width);
            for (int j = 0; j < width; j++)
            {
                ref T column = ref Unsafe.Add(ref panel, j);
                if (j < used)
                {
                    ref T line = ref Unsafe.Add(ref from, (j0 + j) * ld);
                    for (int kk = 0; kk < k; kk++)
                    {
                        Unsafe.Add(ref column, kk * width) = Unsafe.Add(ref line, kk);
                    }
                }
                else
                {
                    for (int kk = 0; kk < k; kk++)
                    {
                        Unsafe.Add(ref column, kk * width) = default;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="PackColumns{T}"/> in tiles of 8 rows of src (8 columns of B) by 8 values of k, each transposed in
    /// registers; rows of src past n read as zero, so the padding columns are written by the same stores.
    /// </summary>
    private static void PackColumnTiles(ref float from, int ld, int k, int n, int np, int width, ref float to)
    {
        for (int j0 = 0; j0 < np; j0 += 8)
        {
            int panel = j0 / width * width, valid = n - j0;
            ref float tile = ref Unsafe.Add(ref to, (panel * k) + (j0 - panel));
            if (valid <= 0)
            {
                for (int kk = 0; kk < k; kk++)
                {
                    Vector256<float>.Zero.StoreUnsafe(ref Unsafe.Add(ref tile, kk * width));
                }

                continue;
            }

            for (int k0 = 0; k0 < k; k0 += 8)
            {
                int depth = Math.Min(k - k0, 8);
                var mask = VectorMath.LaneMask<float>(depth);
                ref float line = ref Unsafe.Add(ref from, (j0 * ld) + k0);
                var r0 = Row(ref line, 0, ld, valid, depth, mask);
                var r1 = Row(ref line, 1, ld, valid, depth, mask);
                var r2 = Row(ref line, 2, ld, valid, depth, mask);
                var r3 = Row(ref line, 3, ld, valid, depth, mask);
                var r4 = Row(ref line, 4, ld, valid, depth, mask);
                var r5 = Row(ref line, 5, ld, valid, depth, mask);
                var r6 = Row(ref line, 6, ld, valid, depth, mask);
                var r7 = Row(ref line, 7, ld, valid, depth, mask);
                Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                ref float at = ref Unsafe.Add(ref tile, k0 * width);
                r0.StoreUnsafe(ref at);
                if (depth == 8)
                {
                    r1.StoreUnsafe(ref Unsafe.Add(ref at, width));
                    r2.StoreUnsafe(ref Unsafe.Add(ref at, 2 * width));
                    r3.StoreUnsafe(ref Unsafe.Add(ref at, 3 * width));
                    r4.StoreUnsafe(ref Unsafe.Add(ref at, 4 * width));
                    r5.StoreUnsafe(ref Unsafe.Add(ref at, 5 * width));
                    r6.StoreUnsafe(ref Unsafe.Add(ref at, 6 * width));
                    r7.StoreUnsafe(ref Unsafe.Add(ref at, 7 * width));
                    continue;
                }

                // The last tile of k: only its first depth columns are columns of B.
                Span<Vector256<float>> rest = [r1, r2, r3, r4, r5, r6];
                for (int i = 1; i < depth; i++)
                {
                    rest[i - 1].StoreUnsafe(ref Unsafe.Add(ref at, i * width));
                }
            }
        }

        // Row r of a tile: its depth values of k, or zero past the n rows of src (a padding column of B).
        static Vector256<float> Row(ref float line, int r, int ld, int valid, int depth, Vector256<float> mask)
        {
            if (r >= valid)
            {
                return Vector256<float>.Zero;
            }

            ref float at = ref Unsafe.Add(ref line, r * ld);
            return depth == 8 ? Vector256.LoadUnsafe(ref at) : VectorMath.LoadMasked(ref at, mask);
        }
    }

    /// <summary>Transposes the 8x8 block whose rows are r0 to r7, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>
    /// C (+)= alpha * A B (+ bias). A[m, kk] is a[m * lda + kk * ak]; B is packed (<see cref="PackRows{T}(ReadOnlySpan{T}, int, int, int, Span{T})"/>,
    /// <see cref="PackColumns{T}"/>); C[m, j] is c[m * ldc + j]; bias, when not empty, has n values.
    /// </summary>
    public static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, int ak, ReadOnlySpan<T> packedB, int k, int n, Span<T> c, int ldc, int rows, T alpha, bool accumulate, ReadOnlySpan<T> bias = default)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(a, lda, ak, packedB, k, n, c, ldc, RowGroups.Single(rows), alpha, accumulate, bias);

    /// <summary>
    /// The product over rows that come in groups, such as the same rows of every sample of a batch: row r of group g of A
    /// starts at g * groups.StrideA + r * lda, and of C at g * groups.StrideC + r * ldc. One call covers every group, so
    /// B is streamed once and the register blocks run across group boundaries.
    /// </summary>
    public static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, int ak, ReadOnlySpan<T> packedB, int k, int n, Span<T> c, int ldc, RowGroups groups, T alpha, bool accumulate, ReadOnlySpan<T> bias = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = groups.Rows;
        if (rows == 0)
        {
            return;
        }

        int np = PaddedWidth(n);
        int lastA = ((groups.Count - 1) * groups.StrideA) + ((groups.RowsPerGroup - 1) * lda);
        if (k > 0)
        {
            _ = a[lastA + ((k - 1) * ak)];
        }

        _ = packedB[(k * np) - 1];
        _ = c[((groups.Count - 1) * groups.StrideC) + ((groups.RowsPerGroup - 1) * ldc) + n - 1];
        if (!bias.IsEmpty)
        {
            _ = bias[n - 1];
        }

        // The choices of how results are written become type arguments, so that every store in the register blocks is
        // compiled without the branches of the other choices.
        var output = new Output<T>(ref MemoryMarshal.GetReference(c), n, alpha, bias);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(packedB);
        switch ((accumulate ? 4 : 0) | (bias.IsEmpty ? 0 : 2) | (alpha != T.One ? 1 : 0))
        {
            case 0: Blocks<T, StoreMode<No, No, No>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            case 1: Blocks<T, StoreMode<No, No, Yes>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            case 2: Blocks<T, StoreMode<No, Yes, No>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            case 3: Blocks<T, StoreMode<No, Yes, Yes>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            case 4: Blocks<T, StoreMode<Yes, No, No>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            case 5: Blocks<T, StoreMode<Yes, No, Yes>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            case 6: Blocks<T, StoreMode<Yes, Yes, No>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
            default: Blocks<T, StoreMode<Yes, Yes, Yes>>(ref ar, lda, ak, ref br, k, np, ldc, groups, output); break;
        }
    }

    /// <summary>Every register block of C, panel by panel of B.</summary>
    private static void Blocks<T, TMode>(ref T ar, int lda, int ak, ref T br, int k, int np, int ldc, RowGroups groups, Output<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        int rows = groups.Rows;
        int vc = Vector256<T>.Count, width = PanelWidth<T>(np);

        // Where each row of A and C starts, worked out once for every panel (in the one workspace of nint, which only this
        // uses); six more entries repeat the last row, so a block (of at most seven rows) with fewer valid rows reads rows
        // that exist (and stores only the valid ones).
        var offsets = Workspace<nint>.Get(0, 2 * (rows + 6));
        ref nint ra = ref offsets[0];
        ref nint rc = ref offsets[rows + 6];
        int i = 0;
        int perGroup = groups.RowsPerGroup;
        // Four rows at a time where an offset is 64 bits: each vector of offsets is the last one plus four rows' strides.
        int vectorRows = IntPtr.Size == sizeof(long) ? perGroup : 0;
        var stepA = Vector256.Create(4L * lda);
        var stepC = Vector256.Create(4L * ldc);
        for (int g = 0; g < groups.Count; g++)
        {
            long a0 = (long)g * groups.StrideA, c0 = (long)g * groups.StrideC;
            var va = Vector256.Create(a0, a0 + lda, a0 + (2L * lda), a0 + (3L * lda));
            var vc4 = Vector256.Create(c0, c0 + ldc, c0 + (2L * ldc), c0 + (3L * ldc));
            int r = 0;
            for (; r + 4 <= vectorRows; r += 4, i += 4)
            {
                va.AsNInt().StoreUnsafe(ref Unsafe.Add(ref ra, i));
                vc4.AsNInt().StoreUnsafe(ref Unsafe.Add(ref rc, i));
                va += stepA;
                vc4 += stepC;
            }

            for (; r < perGroup; r++, i++)
            {
                Unsafe.Add(ref ra, i) = (nint)(a0 + ((long)r * lda));
                Unsafe.Add(ref rc, i) = (nint)(c0 + ((long)r * ldc));
            }
        }

        for (; i < rows + 6; i++)
        {
            Unsafe.Add(ref ra, i) = Unsafe.Add(ref ra, rows - 1);
            Unsafe.Add(ref rc, i) = Unsafe.Add(ref rc, rows - 1);
        }

        for (int j0 = 0; j0 < np; j0 += width)
        {
            ref T panel = ref Unsafe.Add(ref br, (nint)j0 * k);
            int m = 0;
            if (width == 4 * vc)
            {
                for (; m + 6 <= rows; m += 6)
                {
                    Block6x4<T, TMode>(ref ar, ak, ref panel, width, k, output, ref Unsafe.Add(ref ra, m), ref Unsafe.Add(ref rc, m), j0);
                }

                LeftoverRows<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, m, rows, j0);
            }
            else if (width == 3 * vc)
            {
                Rows7x3<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, j0, rows);
            }
            else if (width == 2 * vc)
            {
                for (; m + 6 <= rows; m += 6)
                {
                    Block6x2<T, TMode>(ref ar, ak, ref panel, width, k, output, ref Unsafe.Add(ref ra, m), ref Unsafe.Add(ref rc, m), j0);
                }

                LeftoverRows<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, m, rows, j0);
            }
            else
            {
                Rows7x1<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, j0, rows);
            }
        }
    }

    // Each block is its own compiled method, not inlined into Multiply, so that its FMAs and stores are inlined. Offsets
    // into A and B advance by addition; the JIT then addresses every operand as base + offset. The output comes by value,
    // a copy of its own: through a reference, the JIT read its fields again after every store to C (which, for all it
    // knew, could have changed them).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block6x2<T, TMode>(ref T ar, int ak, ref T b, int ldb, int k, Output<T> output, ref nint ra, ref nint rc, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        var c00 = Vector256<T>.Zero;
        var c01 = Vector256<T>.Zero;
        var c10 = Vector256<T>.Zero;
        var c11 = Vector256<T>.Zero;
        var c20 = Vector256<T>.Zero;
        var c21 = Vector256<T>.Zero;
        var c30 = Vector256<T>.Zero;
        var c31 = Vector256<T>.Zero;
        var c40 = Vector256<T>.Zero;
        var c41 = Vector256<T>.Zero;
        var c50 = Vector256<T>.Zero;
        var c51 = Vector256<T>.Zero;
        ref T a = ref Unsafe.Add(ref ar, ra);
        ref T a1 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 1));
        ref T a2 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 2));
        ref T a3 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 3));
        ref T a4 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 4));
        ref T a5 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 5));
        nuint vc = (nuint)Vector256<T>.Count;
        // One offset into every row of A, counted up to its end; B's row advanced by reference.
        for (nint at = 0, end = (nint)k * ak; at != end; at += ak, b = ref Unsafe.Add(ref b, ldb))
        {
            ref T bk = ref b;
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, vc);
            var x = Vector256.Create(Unsafe.Add(ref a, at));
            c00 = VectorMath.Fma(x, b0, c00);
            c01 = VectorMath.Fma(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a1, at));
            c10 = VectorMath.Fma(x, b0, c10);
            c11 = VectorMath.Fma(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a2, at));
            c20 = VectorMath.Fma(x, b0, c20);
            c21 = VectorMath.Fma(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a3, at));
            c30 = VectorMath.Fma(x, b0, c30);
            c31 = VectorMath.Fma(x, b1, c31);
            x = Vector256.Create(Unsafe.Add(ref a4, at));
            c40 = VectorMath.Fma(x, b0, c40);
            c41 = VectorMath.Fma(x, b1, c41);
            x = Vector256.Create(Unsafe.Add(ref a5, at));
            c50 = VectorMath.Fma(x, b0, c50);
            c51 = VectorMath.Fma(x, b1, c51);
        }

        int j1 = j + Vector256<T>.Count;
        output.Store<TMode>(rc, j, c00);
        output.Store<TMode>(rc, j1, c01);
        output.Store<TMode>(Unsafe.Add(ref rc, 1), j, c10);
        output.Store<TMode>(Unsafe.Add(ref rc, 1), j1, c11);
        output.Store<TMode>(Unsafe.Add(ref rc, 2), j, c20);
        output.Store<TMode>(Unsafe.Add(ref rc, 2), j1, c21);
        output.Store<TMode>(Unsafe.Add(ref rc, 3), j, c30);
        output.Store<TMode>(Unsafe.Add(ref rc, 3), j1, c31);
        output.Store<TMode>(Unsafe.Add(ref rc, 4), j, c40);
        output.Store<TMode>(Unsafe.Add(ref rc, 4), j1, c41);
        output.Store<TMode>(Unsafe.Add(ref rc, 5), j, c50);
        output.Store<TMode>(Unsafe.Add(ref rc, 5), j1, c51);
    }

    /// <summary>Rows m to rows - 1 (fewer than six) of a panel starting at column j0, four rows by two vectors at a time.</summary>
    private static void LeftoverRows<T, TMode>(ref T ar, int ak, ref T panel, int width, int k, Output<T> output, ref nint ra, ref nint rc, int m, int rows, int j0)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        for (; m < rows; m += 4)
        {
            int valid = Math.Min(4, rows - m);
            for (int c = 0; c < width; c += 2 * Vector256<T>.Count)
            {
                Block4x2<T, TMode>(ref ar, ak, ref Unsafe.Add(ref panel, c), width, k, output, ref Unsafe.Add(ref ra, m), ref Unsafe.Add(ref rc, m), j0 + c, valid);
            }
        }
    }

    // Six rows by four vectors: 24 accumulators, for the 32 vector registers the JIT has with AVX-512.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block6x4<T, TMode>(ref T ar, int ak, ref T b, int ldb, int k, Output<T> output, ref nint ra, ref nint rc, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        var c00 = Vector256<T>.Zero;
        var c01 = Vector256<T>.Zero;
        var c02 = Vector256<T>.Zero;
        var c03 = Vector256<T>.Zero;
        var c10 = Vector256<T>.Zero;
        var c11 = Vector256<T>.Zero;
        var c12 = Vector256<T>.Zero;
        var c13 = Vector256<T>.Zero;
        var c20 = Vector256<T>.Zero;
        var c21 = Vector256<T>.Zero;
        var c22 = Vector256<T>.Zero;
        var c23 = Vector256<T>.Zero;
        var c30 = Vector256<T>.Zero;
        var c31 = Vector256<T>.Zero;
        var c32 = Vector256<T>.Zero;
        var c33 = Vector256<T>.Zero;
        var c40 = Vector256<T>.Zero;
        var c41 = Vector256<T>.Zero;
        var c42 = Vector256<T>.Zero;
        var c43 = Vector256<T>.Zero;
        var c50 = Vector256<T>.Zero;
        var c51 = Vector256<T>.Zero;
        var c52 = Vector256<T>.Zero;
        var c53 = Vector256<T>.Zero;
        ref T a = ref Unsafe.Add(ref ar, ra);
        ref T a1 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 1));
        ref T a2 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 2));
        ref T a3 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 3));
        ref T a4 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 4));
        ref T a5 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 5));
        nuint vc = (nuint)Vector256<T>.Count;
        // One offset into every row of A, counted up to its end; B's row advanced by reference.
        for (nint at = 0, end = (nint)k * ak; at != end; at += ak, b = ref Unsafe.Add(ref b, ldb))
        {
            ref T bk = ref b;
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, vc);
            var b2 = Vector256.LoadUnsafe(ref bk, 2 * vc);
            var b3 = Vector256.LoadUnsafe(ref bk, 3 * vc);
            var x = Vector256.Create(Unsafe.Add(ref a, at));
            c00 = VectorMath.Fma(x, b0, c00);
            c01 = VectorMath.Fma(x, b1, c01);
            c02 = VectorMath.Fma(x, b2, c02);
            c03 = VectorMath.Fma(x, b3, c03);
            x = Vector256.Create(Unsafe.Add(ref a1, at));
            c10 = VectorMath.Fma(x, b0, c10);
            c11 = VectorMath.Fma(x, b1, c11);
            c12 = VectorMath.Fma(x, b2, c12);
            c13 = VectorMath.Fma(x, b3, c13);
            x = Vector256.Create(Unsafe.Add(ref a2, at));
            c20 = VectorMath.Fma(x, b0, c20);
            c21 = VectorMath.Fma(x, b1, c21);
            c22 = VectorMath.Fma(x, b2, c22);
            c23 = VectorMath.Fma(x, b3, c23);
            x = Vector256.Create(Unsafe.Add(ref a3, at));
            c30 = VectorMath.Fma(x, b0, c30);
            c31 = VectorMath.Fma(x, b1, c31);
            c32 = VectorMath.Fma(x, b2, c32);
            c33 = VectorMath.Fma(x, b3, c33);
            x = Vector256.Create(Unsafe.Add(ref a4, at));
            c40 = VectorMath.Fma(x, b0, c40);
            c41 = VectorMath.Fma(x, b1, c41);
            c42 = VectorMath.Fma(x, b2, c42);
            c43 = VectorMath.Fma(x, b3, c43);
            x = Vector256.Create(Unsafe.Add(ref a5, at));
            c50 = VectorMath.Fma(x, b0, c50);
            c51 = VectorMath.Fma(x, b1, c51);
            c52 = VectorMath.Fma(x, b2, c52);
            c53 = VectorMath.Fma(x, b3, c53);
        }

        output.Store<TMode>(rc, j + (0 * Vector256<T>.Count), c00);
        output.Store<TMode>(rc, j + (1 * Vector256<T>.Count), c01);
        output.Store<TMode>(rc, j + (2 * Vector256<T>.Count), c02);
        output.Store<TMode>(rc, j + (3 * Vector256<T>.Count), c03);
        output.Store<TMode>(Unsafe.Add(ref rc, 1), j + (0 * Vector256<T>.Count), c10);
        output.Store<TMode>(Unsafe.Add(ref rc, 1), j + (1 * Vector256<T>.Count), c11);
        output.Store<TMode>(Unsafe.Add(ref rc, 1), j + (2 * Vector256<T>.Count), c12);
        output.Store<TMode>(Unsafe.Add(ref rc, 1), j + (3 * Vector256<T>.Count), c13);
        output.Store<TMode>(Unsafe.Add(ref rc, 2), j + (0 * Vector256<T>.Count), c20);
        output.Store<TMode>(Unsafe.Add(ref rc, 2), j + (1 * Vector256<T>.Count), c21);
        output.Store<TMode>(Unsafe.Add(ref rc, 2), j + (2 * Vector256<T>.Count), c22);
        output.Store<TMode>(Unsafe.Add(ref rc, 2), j + (3 * Vector256<T>.Count), c23);
        output.Store<TMode>(Unsafe.Add(ref rc, 3), j + (0 * Vector256<T>.Count), c30);
        output.Store<TMode>(Unsafe.Add(ref rc, 3), j + (1 * Vector256<T>.Count), c31);
        output.Store<TMode>(Unsafe.Add(ref rc, 3), j + (2 * Vector256<T>.Count), c32);
        output.Store<TMode>(Unsafe.Add(ref rc, 3), j + (3 * Vector256<T>.Count), c33);
        output.Store<TMode>(Unsafe.Add(ref rc, 4), j + (0 * Vector256<T>.Count), c40);
        output.Store<TMode>(Unsafe.Add(ref rc, 4), j + (1 * Vector256<T>.Count), c41);
        output.Store<TMode>(Unsafe.Add(ref rc, 4), j + (2 * Vector256<T>.Count), c42);
        output.Store<TMode>(Unsafe.Add(ref rc, 4), j + (3 * Vector256<T>.Count), c43);
        output.Store<TMode>(Unsafe.Add(ref rc, 5), j + (0 * Vector256<T>.Count), c50);
        output.Store<TMode>(Unsafe.Add(ref rc, 5), j + (1 * Vector256<T>.Count), c51);
        output.Store<TMode>(Unsafe.Add(ref rc, 5), j + (2 * Vector256<T>.Count), c52);
        output.Store<TMode>(Unsafe.Add(ref rc, 5), j + (3 * Vector256<T>.Count), c53);
    }

    // Up to four rows: rows past the valid ones read an existing row again and are not stored.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block4x2<T, TMode>(ref T ar, int ak, ref T b, int ldb, int k, Output<T> output, ref nint ra, ref nint rc, int j, int valid)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        var c00 = Vector256<T>.Zero;
        var c01 = Vector256<T>.Zero;
        var c10 = Vector256<T>.Zero;
        var c11 = Vector256<T>.Zero;
        var c20 = Vector256<T>.Zero;
        var c21 = Vector256<T>.Zero;
        var c30 = Vector256<T>.Zero;
        var c31 = Vector256<T>.Zero;
        ref T a = ref Unsafe.Add(ref ar, ra);
        ref T a1 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 1));
        ref T a2 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 2));
        ref T a3 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 3));
        nuint vc = (nuint)Vector256<T>.Count;
        // One offset into every row of A, counted up to its end; B's row advanced by reference.
        for (nint at = 0, end = (nint)k * ak; at != end; at += ak, b = ref Unsafe.Add(ref b, ldb))
        {
            ref T bk = ref b;
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, vc);
            var x = Vector256.Create(Unsafe.Add(ref a, at));
            c00 = VectorMath.Fma(x, b0, c00);
            c01 = VectorMath.Fma(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a1, at));
            c10 = VectorMath.Fma(x, b0, c10);
            c11 = VectorMath.Fma(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a2, at));
            c20 = VectorMath.Fma(x, b0, c20);
            c21 = VectorMath.Fma(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a3, at));
            c30 = VectorMath.Fma(x, b0, c30);
            c31 = VectorMath.Fma(x, b1, c31);
        }

        int j1 = j + Vector256<T>.Count;
        output.Store<TMode>(rc, j, c00);
        output.Store<TMode>(rc, j1, c01);
        if (valid > 1)
        {
            output.Store<TMode>(Unsafe.Add(ref rc, 1), j, c10);
            output.Store<TMode>(Unsafe.Add(ref rc, 1), j1, c11);
        }

        if (valid > 2)
        {
            output.Store<TMode>(Unsafe.Add(ref rc, 2), j, c20);
            output.Store<TMode>(Unsafe.Add(ref rc, 2), j1, c21);
        }

        if (valid > 3)
        {
            output.Store<TMode>(Unsafe.Add(ref rc, 3), j, c30);
            output.Store<TMode>(Unsafe.Add(ref rc, 3), j1, c31);
        }
    }

    // Every row of a panel one vector wide, seven at a time in one call (these products are short, so a call per block
    // would cost as much as the block; 14 or 84 rows are whole blocks); rows past the valid ones of the last block read
    // an existing row again and are not stored.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Rows7x1<T, TMode>(ref T ar, int ak, ref T panel, int ldb, int k, Output<T> output, ref nint ra, ref nint rc, int j, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        for (int m = 0; m < rows; m += 7, ra = ref Unsafe.Add(ref ra, 7), rc = ref Unsafe.Add(ref rc, 7))
        {
            int valid = rows - m;
            ref T b = ref panel;
            var c0 = Vector256<T>.Zero;
            var c1 = Vector256<T>.Zero;
            var c2 = Vector256<T>.Zero;
            var c3 = Vector256<T>.Zero;
            var c4 = Vector256<T>.Zero;
            var c5 = Vector256<T>.Zero;
            var c6 = Vector256<T>.Zero;
            ref T a = ref Unsafe.Add(ref ar, ra);
            ref T a1 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 1));
            ref T a2 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 2));
            ref T a3 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 3));
            ref T a4 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 4));
            ref T a5 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 5));
            ref T a6 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 6));
            for (nint at = 0, end = (nint)k * ak; at != end; at += ak, b = ref Unsafe.Add(ref b, ldb))
            {
                var bk = Vector256.LoadUnsafe(ref b);
                c0 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a, at)), bk, c0);
                c1 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a1, at)), bk, c1);
                c2 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a2, at)), bk, c2);
                c3 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a3, at)), bk, c3);
                c4 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a4, at)), bk, c4);
                c5 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a5, at)), bk, c5);
                c6 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a6, at)), bk, c6);
            }

            output.Store<TMode>(rc, j, c0);
            if (valid > 1)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 1), j, c1);
            }

            if (valid > 2)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 2), j, c2);
            }

            if (valid > 3)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 3), j, c3);
            }

            if (valid > 4)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 4), j, c4);
            }

            if (valid > 5)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 5), j, c5);
            }

            if (valid > 6)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 6), j, c6);
            }
        }
    }

    // Every row of a panel three vectors wide (17 to 24 columns, such as q, k and v of five heads of 4), seven at a time in
    // one call: 21 accumulators, three vectors of B and a broadcast fit the 32 vector registers the JIT has with AVX-512,
    // and the rows of a sample (14) or of six (84) are whole blocks. Rows past the valid ones of the last block read an
    // existing row again and are not stored.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Rows7x3<T, TMode>(ref T ar, int ak, ref T panel, int ldb, int k, Output<T> output, ref nint ra, ref nint rc, int j, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        int j1 = j + Vector256<T>.Count, j2 = j + (2 * Vector256<T>.Count);
        nuint vc = (nuint)Vector256<T>.Count;
        for (int m = 0; m < rows; m += 7, ra = ref Unsafe.Add(ref ra, 7), rc = ref Unsafe.Add(ref rc, 7))
        {
            ref T b = ref panel;
            var c00 = Vector256<T>.Zero;
            var c01 = Vector256<T>.Zero;
            var c02 = Vector256<T>.Zero;
            var c10 = Vector256<T>.Zero;
            var c11 = Vector256<T>.Zero;
            var c12 = Vector256<T>.Zero;
            var c20 = Vector256<T>.Zero;
            var c21 = Vector256<T>.Zero;
            var c22 = Vector256<T>.Zero;
            var c30 = Vector256<T>.Zero;
            var c31 = Vector256<T>.Zero;
            var c32 = Vector256<T>.Zero;
            var c40 = Vector256<T>.Zero;
            var c41 = Vector256<T>.Zero;
            var c42 = Vector256<T>.Zero;
            var c50 = Vector256<T>.Zero;
            var c51 = Vector256<T>.Zero;
            var c52 = Vector256<T>.Zero;
            var c60 = Vector256<T>.Zero;
            var c61 = Vector256<T>.Zero;
            var c62 = Vector256<T>.Zero;
            ref T a = ref Unsafe.Add(ref ar, ra);
            ref T a1 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 1));
            ref T a2 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 2));
            ref T a3 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 3));
            ref T a4 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 4));
            ref T a5 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 5));
            ref T a6 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 6));
            for (nint at = 0, end = (nint)k * ak; at != end; at += ak, b = ref Unsafe.Add(ref b, ldb))
            {
                var b0 = Vector256.LoadUnsafe(ref b);
                var b1 = Vector256.LoadUnsafe(ref b, vc);
                var b2 = Vector256.LoadUnsafe(ref b, 2 * vc);
                var x = Vector256.Create(Unsafe.Add(ref a, at));
                c00 = VectorMath.Fma(x, b0, c00);
                c01 = VectorMath.Fma(x, b1, c01);
                c02 = VectorMath.Fma(x, b2, c02);
                x = Vector256.Create(Unsafe.Add(ref a1, at));
                c10 = VectorMath.Fma(x, b0, c10);
                c11 = VectorMath.Fma(x, b1, c11);
                c12 = VectorMath.Fma(x, b2, c12);
                x = Vector256.Create(Unsafe.Add(ref a2, at));
                c20 = VectorMath.Fma(x, b0, c20);
                c21 = VectorMath.Fma(x, b1, c21);
                c22 = VectorMath.Fma(x, b2, c22);
                x = Vector256.Create(Unsafe.Add(ref a3, at));
                c30 = VectorMath.Fma(x, b0, c30);
                c31 = VectorMath.Fma(x, b1, c31);
                c32 = VectorMath.Fma(x, b2, c32);
                x = Vector256.Create(Unsafe.Add(ref a4, at));
                c40 = VectorMath.Fma(x, b0, c40);
                c41 = VectorMath.Fma(x, b1, c41);
                c42 = VectorMath.Fma(x, b2, c42);
                x = Vector256.Create(Unsafe.Add(ref a5, at));
                c50 = VectorMath.Fma(x, b0, c50);
                c51 = VectorMath.Fma(x, b1, c51);
                c52 = VectorMath.Fma(x, b2, c52);
                x = Vector256.Create(Unsafe.Add(ref a6, at));
                c60 = VectorMath.Fma(x, b0, c60);
                c61 = VectorMath.Fma(x, b1, c61);
                c62 = VectorMath.Fma(x, b2, c62);
            }

            int valid = rows - m;
            output.Store<TMode>(rc, j, c00);
            output.Store<TMode>(rc, j1, c01);
            output.Store<TMode>(rc, j2, c02);
            if (valid > 1)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 1), j, c10);
                output.Store<TMode>(Unsafe.Add(ref rc, 1), j1, c11);
                output.Store<TMode>(Unsafe.Add(ref rc, 1), j2, c12);
            }

            if (valid > 2)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 2), j, c20);
                output.Store<TMode>(Unsafe.Add(ref rc, 2), j1, c21);
                output.Store<TMode>(Unsafe.Add(ref rc, 2), j2, c22);
            }

            if (valid > 3)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 3), j, c30);
                output.Store<TMode>(Unsafe.Add(ref rc, 3), j1, c31);
                output.Store<TMode>(Unsafe.Add(ref rc, 3), j2, c32);
            }

            if (valid > 4)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 4), j, c40);
                output.Store<TMode>(Unsafe.Add(ref rc, 4), j1, c41);
                output.Store<TMode>(Unsafe.Add(ref rc, 4), j2, c42);
            }

            if (valid > 5)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 5), j, c50);
                output.Store<TMode>(Unsafe.Add(ref rc, 5), j1, c51);
                output.Store<TMode>(Unsafe.Add(ref rc, 5), j2, c52);
            }

            if (valid > 6)
            {
                output.Store<TMode>(Unsafe.Add(ref rc, 6), j, c60);
                output.Store<TMode>(Unsafe.Add(ref rc, 6), j1, c61);
                output.Store<TMode>(Unsafe.Add(ref rc, 6), j2, c62);
            }
        }
    }

    /// <summary>How a product's results are written, known when its register blocks are compiled.</summary>
    private interface IStoreMode
    {
        /// <summary>Added onto C rather than written over it.</summary>
        static abstract bool Accumulate { get; }

        /// <summary>Plus a bias per column.</summary>
        static abstract bool Biased { get; }

        /// <summary>Times alpha (not one).</summary>
        static abstract bool Scaled { get; }
    }

    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct Yes : IFlag
    {
        public static bool Value => true;
    }

    private readonly struct No : IFlag
    {
        public static bool Value => false;
    }

    private readonly struct StoreMode<TAccumulate, TBiased, TScaled> : IStoreMode
        where TAccumulate : struct, IFlag
        where TBiased : struct, IFlag
        where TScaled : struct, IFlag
    {
        public static bool Accumulate => TAccumulate.Value;

        public static bool Biased => TBiased.Value;

        public static bool Scaled => TScaled.Value;
    }

    /// <summary>Where and how a block of results is written: scaled, plus bias, over or onto C, clipped to n columns.</summary>
    private readonly ref struct Output<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ref T _c;
        private readonly int _n;
        private readonly Vector256<T> _alpha;
        private readonly ReadOnlySpan<T> _bias;

        // The last, partial vector of a row (when n is not a multiple of the vector): its lanes, and its bias.
        private readonly Vector256<T> _tailMask;
        private readonly Vector256<T> _tailBias;

        public Output(ref T c, int n, T alpha, ReadOnlySpan<T> bias)
        {
            _c = ref c;
            _n = n;
            _alpha = Vector256.Create(alpha);
            _bias = bias;
            int tail = n % Vector256<T>.Count;
            if (tail > 0)
            {
                _tailMask = VectorMath.LaneMask<T>(tail);
                _tailBias = bias.IsEmpty ? Vector256<T>.Zero : VectorMath.LoadMasked(ref Unsafe.AsRef(in bias[n - tail]), _tailMask);
            }
        }

        /// <summary>
        /// One vector of results at a row's offset and a column: scaled, plus bias, over or onto C as TMode says (the
        /// bias of the partial last vector is added either way, zero when there is none, as it always was).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store<TMode>(nint row, int column, Vector256<T> value)
            where TMode : struct, IStoreMode
        {
            int vc = Vector256<T>.Count;
            if (column >= _n)
            {
                return;
            }

            if (TMode.Scaled)
            {
                value *= _alpha;
            }

            ref T at = ref Unsafe.Add(ref _c, row + column);
            if (column + vc <= _n)
            {
                if (TMode.Biased)
                {
                    value += Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(_bias), (nuint)column);
                }

                if (TMode.Accumulate)
                {
                    value += Vector256.LoadUnsafe(ref at);
                }

                value.StoreUnsafe(ref at);
                return;
            }

            value += _tailBias;
            if (TMode.Accumulate)
            {
                value += VectorMath.LoadMasked(ref at, _tailMask);
            }

            VectorMath.StoreMasked(value, ref at, _tailMask);
        }
    }
}
