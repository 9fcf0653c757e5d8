using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

public static partial class FusedAttention
{
    /// <summary>
    /// The wide kernel's moves where AVX2 is native but AVX-512 is not: a row of 16 lanes is two 256-bit halves, a 16x16
    /// tile four 8x8 blocks transposed in registers, and a masked load or store two halves (a store as plain stores, see
    /// <see cref="VectorMath.StoreMasked{T}"/>). The arithmetic of the kernel stays in <see cref="Vector512{T}"/>, which
    /// such a machine runs as two 256-bit halves, lane by lane, with the same fused multiply-adds: the bits are the row
    /// kernel's (FusedAttentionTests), and the moves are the portable ones' (FusedAttentionMovesTests).
    /// </summary>
    internal static class Avx2Moves
    {
        /// <summary>Whether the processor has the instructions these moves and the kernel's arithmetic need.</summary>
        public static bool IsSupported
        {
            // Inlined, so that a native build's kernels test constants rather than call a getter (it was one, 0.25% of a step).
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Avx2.IsSupported && Fma.IsSupported;
        }

        /// <summary>The first lanes of 16 that <paramref name="rowMask"/> marks, from <paramref name="from"/>; zero in the others.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<float> Load(ref float from, Vector512<float> rowMask)
        {
            fixed (float* p = &from)
            {
                return Load(p, rowMask);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector512<float> Load(float* from, Vector512<float> rowMask) =>
            Vector512.Create(Avx.MaskLoad(from, rowMask.GetLower()), Avx.MaskLoad(from + 8, rowMask.GetUpper()));

        /// <summary>The lanes of 16 that <paramref name="rowMask"/> marks, to <paramref name="to"/>; the others untouched.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Store(float* to, Vector512<float> rowMask, Vector512<float> row)
        {
            VectorMath.StoreMasked(row.GetLower(), ref *to, rowMask.GetLower());
            VectorMath.StoreMasked(row.GetUpper(), ref *(to + 8), rowMask.GetUpper());
        }

        /// <summary>As the AVX-512 TransposeAll: the columns of a [maxLen, width] matrix as rows of 16 lanes, zero from maxLen.</summary>
        public static unsafe void TransposeAll(ReadOnlySpan<float> m, int width, int maxLen, ref float tile, ref float to)
        {
            fixed (float* p = m)
            {
                for (int c0 = 0; c0 < width; c0 += 16)
                {
                    var mask = RowMask(Math.Min(16, width - c0));
                    int i = 0;
                    for (; i < maxLen; i++)
                    {
                        Load(p + (i * width) + c0, mask).StoreUnsafe(ref tile, (nuint)(i * 16));
                    }

                    for (; i < 16; i++)
                    {
                        Vector512<float>.Zero.StoreUnsafe(ref tile, (nuint)(i * 16));
                    }

                    Transpose16(ref tile, ref Unsafe.Add(ref to, c0 * 16));
                }
            }
        }

        /// <summary>
        /// As the AVX-512 WriteRows: the first maxLen values of the first maxLen rows of a tile to maxLen-wide rows. The
        /// rows lie one after another, so a whole 16-lane store of row i runs into the start of row i + 1, which that
        /// row's store then overwrites: only the last row is stored under a mask. (A masked store is slow on some
        /// processors: storing every row under a mask made it the wide forward pass's hottest loop on an AMD EPYC.)
        /// </summary>
        public static unsafe void WriteRows(ref float tile, int maxLen, Vector512<float> rowMask, ref float output)
        {
            int last = maxLen - 1;
            for (int i = 0; i < last; i++)
            {
                Row(ref tile, i).StoreUnsafe(ref output, (nuint)(i * maxLen));
            }

            fixed (float* o = &output)
            {
                Store(o + (last * maxLen), rowMask, Row(ref tile, last));
            }
        }

        /// <summary>
        /// As the AVX-512 WriteColumns: rows d below dk of <paramref name="columns"/> (a lane per query or key) as column
        /// d of maxLen output rows at i * stride, four rows at a time. Interleaving four rows transposes each 128-bit
        /// block: of each half of 8 lanes, the mth result holds row m's four values in its low block and row 4 + m's in
        /// its high one, each written straight to its output row.
        /// </summary>
        /// <remarks>
        /// Inlined into the wide kernel, where dk and maxLen are the shape's constants, so that the loops unroll and the
        /// tests of which rows exist and how many of four values each holds fold away: called, its branches took 4% of a
        /// native training step. Through references rather than a pinned pointer, which the JIT would keep in a stack slot.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void WriteColumns(ref float columns, int dk, int maxLen, ref float output, int stride)
        {
            for (int g = 0; g < dk; g += 4)
            {
                int count = Math.Min(4, dk - g);
                for (int half = 0; half < 16; half += 8)
                {
                    var r0 = Vector256.LoadUnsafe(ref columns, (nuint)((g * 16) + half));
                    var r1 = Vector256.LoadUnsafe(ref columns, (nuint)(((g + 1) * 16) + half));
                    var r2 = Vector256.LoadUnsafe(ref columns, (nuint)(((g + 2) * 16) + half));
                    var r3 = Vector256.LoadUnsafe(ref columns, (nuint)(((g + 3) * 16) + half));
                    var t0 = Avx.UnpackLow(r0, r1);
                    var t1 = Avx.UnpackHigh(r0, r1);
                    var t2 = Avx.UnpackLow(r2, r3);
                    var t3 = Avx.UnpackHigh(r2, r3);
                    ref float at = ref Unsafe.Add(ref output, (half * stride) + g);
                    StoreRowPair(Avx.Shuffle(t0, t2, 0x44), ref at, half, maxLen, stride, count);
                    StoreRowPair(Avx.Shuffle(t0, t2, 0xEE), ref Unsafe.Add(ref at, stride), half + 1, maxLen, stride, count);
                    StoreRowPair(Avx.Shuffle(t1, t3, 0x44), ref Unsafe.Add(ref at, 2 * stride), half + 2, maxLen, stride, count);
                    StoreRowPair(Avx.Shuffle(t1, t3, 0xEE), ref Unsafe.Add(ref at, 3 * stride), half + 3, maxLen, stride, count);
                }
            }
        }

        /// <summary>The low block of <paramref name="four"/> to output row <paramref name="row"/> at <paramref name="to"/>, the high block to row + 4, each if the row exists.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRowPair(Vector256<float> four, ref float to, int row, int maxLen, int stride, int count)
        {
            if (row < maxLen)
            {
                StoreFour(four.GetLower(), ref to, count);
            }

            if (row + 4 < maxLen)
            {
                StoreFour(four.GetUpper(), ref Unsafe.Add(ref to, 4 * stride), count);
            }
        }

        /// <summary>The first <paramref name="count"/> of four values, value by value when fewer than four (not under a mask: see VectorMath.StoreMasked).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreFour(Vector128<float> four, ref float to, int count)
        {
            if (count == 4)
            {
                four.StoreUnsafe(ref to);
                return;
            }

            for (int m = 0; m < count; m++)
            {
                Unsafe.Add(ref to, m) = four.GetElement(m);
            }
        }

        /// <summary>A 16x16 tile (rows of 16) transposed: each 8x8 block transposed in registers into the mirrored block.</summary>
        public static void Transpose16(ref float from, ref float to)
        {
            Transpose8(ref from, ref to);
            Transpose8(ref Unsafe.Add(ref from, 8), ref Unsafe.Add(ref to, 128));
            Transpose8(ref Unsafe.Add(ref from, 128), ref Unsafe.Add(ref to, 8));
            Transpose8(ref Unsafe.Add(ref from, 136), ref Unsafe.Add(ref to, 136));
        }

        /// <summary>An 8x8 block of a tile with rows of 16, transposed in registers (<see cref="Gemm.Transpose8"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8(ref float from, ref float to)
        {
            var r0 = Vector256.LoadUnsafe(ref from);
            var r1 = Vector256.LoadUnsafe(ref from, 16);
            var r2 = Vector256.LoadUnsafe(ref from, 32);
            var r3 = Vector256.LoadUnsafe(ref from, 48);
            var r4 = Vector256.LoadUnsafe(ref from, 64);
            var r5 = Vector256.LoadUnsafe(ref from, 80);
            var r6 = Vector256.LoadUnsafe(ref from, 96);
            var r7 = Vector256.LoadUnsafe(ref from, 112);
            Gemm.Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            r0.StoreUnsafe(ref to);
            r1.StoreUnsafe(ref to, 16);
            r2.StoreUnsafe(ref to, 32);
            r3.StoreUnsafe(ref to, 48);
            r4.StoreUnsafe(ref to, 64);
            r5.StoreUnsafe(ref to, 80);
            r6.StoreUnsafe(ref to, 96);
            r7.StoreUnsafe(ref to, 112);
        }
    }
}
