using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>Packing B into panels: rows of a matrix, rows of every sample, or the transpose of a matrix.</summary>
public static partial class Gemm
{
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
                        // A plain load, masked, where the whole vector lies inside src (every row but the last few).
                        bool inside = (g * groups.StrideA) + (r * ld) + c + vc <= src.Length;
                        VectorMath.LoadMasked(ref Unsafe.Add(ref row, c), mask, inside).StoreUnsafe(ref to, (nuint)c);
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

    /// <summary>Transposes the 8x8 block whose rows are r0 to r7, in place (also the wide attention kernel's AVX2 tiles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(
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
}
