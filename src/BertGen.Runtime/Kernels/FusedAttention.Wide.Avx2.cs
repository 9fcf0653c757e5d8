using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

public static partial class FusedAttention
{
    /// <summary>
    /// The wide kernel's moves where AVX2 is native but AVX-512 is not: a row of 16 lanes is two 256-bit halves, a 16x16
    /// tile four 8x8 blocks transposed in registers, and a masked load or store two halves (a store as plain stores, see
    /// <see cref="VectorMath.StoreMasked{T}(Vector256{T}, ref T, Vector256{T})"/>). The arithmetic of the kernel stays in
    /// <see cref="Vector512{T}"/>, which such a machine runs as two 256-bit halves, lane by lane, with the same fused
    /// multiply-adds, except its hottest sums (HeadRows4, DkDv4), written out here half by half with the same operations
    /// in the same order: the bits are the row kernel's (FusedAttentionTests), and the moves are the portable ones'
    /// (FusedAttentionMovesTests).
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

        /// <summary>
        /// The wide kernel's HeadRows4 in 256-bit halves, the same multiply-adds lane by lane in the same order: written
        /// out, where the JIT's two halves of each 512-bit operation copied every second accumulator between
        /// registers and worked each row's offset out again at every step.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void HeadRows4(ref float m, int width, int j0, int maxLen, int dk, ref float panel, Vector256<float> scale, ref float to)
        {
            int j1 = Math.Min(j0 + 1, maxLen - 1), j2 = Math.Min(j0 + 2, maxLen - 1), j3 = Math.Min(j0 + 3, maxLen - 1);
            ref float m0 = ref Unsafe.Add(ref m, j0 * width);
            ref float m1 = ref Unsafe.Add(ref m, j1 * width);
            ref float m2 = ref Unsafe.Add(ref m, j2 * width);
            ref float m3 = ref Unsafe.Add(ref m, j3 * width);
            Half(ref m0, ref m1, ref m2, ref m3, dk, ref panel, scale, ref to, j0 * 16, j1 * 16, j2 * 16, j3 * 16);
            Half(ref m0, ref m1, ref m2, ref m3, dk, ref Unsafe.Add(ref panel, 8), scale, ref Unsafe.Add(ref to, 8), j0 * 16, j1 * 16, j2 * 16, j3 * 16);

            // One half of the keys' lanes, written out twice rather than looped over: in a loop the JIT kept each
            // accumulator in two registers and copied it at every step.
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            static void Half(
                ref float m0, ref float m1, ref float m2, ref float m3, int dk, ref float row, Vector256<float> scale, ref float to,
                int at0, int at1, int at2, int at3)
            {
                var acc0 = Vector256<float>.Zero;
                var acc1 = Vector256<float>.Zero;
                var acc2 = Vector256<float>.Zero;
                var acc3 = Vector256<float>.Zero;
                for (nint d = 0; d < dk; d++, row = ref Unsafe.Add(ref row, 16))
                {
                    var r = Vector256.LoadUnsafe(ref row);
                    acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref m0, d)), r, acc0);
                    acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref m1, d)), r, acc1);
                    acc2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref m2, d)), r, acc2);
                    acc3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref m3, d)), r, acc3);
                }

                (acc0 * scale).StoreUnsafe(ref to, (nuint)at0);
                (acc1 * scale).StoreUnsafe(ref to, (nuint)at1);
                (acc2 * scale).StoreUnsafe(ref to, (nuint)at2);
                (acc3 * scale).StoreUnsafe(ref to, (nuint)at3);
            }
        }

        /// <summary>
        /// Four whole columns of dk (times <paramref name="scale"/>) and dv, one lane per key, summed over the queries in
        /// order as the wide backward pass's two-column loop sums them, one 256-bit half of the keys after the other:
        /// eight chains of multiply-adds, each broadcast used once (so the JIT accumulates in place), the rows reached by
        /// moving references rather than by offsets worked out at every step. <paramref name="q"/> and
        /// <paramref name="dContext"/> are the first of the four columns in the first row, <paramref name="dkColumns"/>
        /// and <paramref name="dvColumns"/> its row of 16.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void DkDv4(
            ref float dsRows, ref float pRows, ref float q, ref float dContext, int width, int maxLen, Vector256<float> scale,
            ref float dkColumns, ref float dvColumns)
        {
            for (int half = 0; half < 16; half += 8)
            {
                Vector256<float> dk0 = default, dk1 = default, dk2 = default, dk3 = default;
                Vector256<float> dv0 = default, dv1 = default, dv2 = default, dv3 = default;
                ref float ds = ref Unsafe.Add(ref dsRows, half);
                ref float p = ref Unsafe.Add(ref pRows, half);
                ref float qi = ref q;
                ref float ci = ref dContext;
                for (int i = 0; i < maxLen; i++)
                {
                    var dsv = Vector256.LoadUnsafe(ref ds);
                    var pv = Vector256.LoadUnsafe(ref p);
                    dk0 = Vector256.FusedMultiplyAdd(Vector256.Create(qi), dsv, dk0);
                    dk1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref qi, 1)), dsv, dk1);
                    dk2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref qi, 2)), dsv, dk2);
                    dk3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref qi, 3)), dsv, dk3);
                    dv0 = Vector256.FusedMultiplyAdd(Vector256.Create(ci), pv, dv0);
                    dv1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ci, 1)), pv, dv1);
                    dv2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ci, 2)), pv, dv2);
                    dv3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ci, 3)), pv, dv3);
                    ds = ref Unsafe.Add(ref ds, 16);
                    p = ref Unsafe.Add(ref p, 16);
                    qi = ref Unsafe.Add(ref qi, width);
                    ci = ref Unsafe.Add(ref ci, width);
                }

                (dk0 * scale).StoreUnsafe(ref dkColumns, (nuint)half);
                (dk1 * scale).StoreUnsafe(ref dkColumns, (nuint)(16 + half));
                (dk2 * scale).StoreUnsafe(ref dkColumns, (nuint)(32 + half));
                (dk3 * scale).StoreUnsafe(ref dkColumns, (nuint)(48 + half));
                dv0.StoreUnsafe(ref dvColumns, (nuint)half);
                dv1.StoreUnsafe(ref dvColumns, (nuint)(16 + half));
                dv2.StoreUnsafe(ref dvColumns, (nuint)(32 + half));
                dv3.StoreUnsafe(ref dvColumns, (nuint)(48 + half));
            }
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
        /// Inlined into the wide kernel, where dk and maxLen are the shape's constants, so that the tests of which rows
        /// exist and how many of four values each holds fold away: called, its branches took 4% of a native training step.
        /// Through references rather than a pinned pointer, which the JIT would keep in a stack slot.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void WriteColumns(ref float columns, int dk, int maxLen, ref float output, int stride)
        {
            for (int g = 0; g < dk; g += 4)
            {
                // Four values a row wherever dk is a multiple of four, a constant then; the halves written out twice, so
                // that which rows exist is a constant in each (the JIT unrolls neither loop).
                int count = dk % 4 == 0 ? 4 : Math.Min(4, dk - g);
                Half(ref Unsafe.Add(ref columns, g * 16), 0, maxLen, ref Unsafe.Add(ref output, g), stride, count);
                Half(ref Unsafe.Add(ref columns, (g * 16) + 8), 8, maxLen, ref Unsafe.Add(ref output, (8 * stride) + g), stride, count);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            static void Half(ref float columns, int half, int maxLen, ref float at, int stride, int count)
            {
                var r0 = Vector256.LoadUnsafe(ref columns);
                var r1 = Vector256.LoadUnsafe(ref columns, 16);
                var r2 = Vector256.LoadUnsafe(ref columns, 32);
                var r3 = Vector256.LoadUnsafe(ref columns, 48);
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                StoreRowPair(Avx.Shuffle(t0, t2, 0x44), ref at, half, maxLen, stride, count);
                StoreRowPair(Avx.Shuffle(t0, t2, 0xEE), ref Unsafe.Add(ref at, stride), half + 1, maxLen, stride, count);
                StoreRowPair(Avx.Shuffle(t1, t3, 0x44), ref Unsafe.Add(ref at, 2 * stride), half + 2, maxLen, stride, count);
                StoreRowPair(Avx.Shuffle(t1, t3, 0xEE), ref Unsafe.Add(ref at, 3 * stride), half + 3, maxLen, stride, count);
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
