using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertGen.Kernels;

/// <summary>The register blocks: every block of C a product computes, panel by panel of B.</summary>
public static partial class Gemm
{
    /// <summary>
    /// Whether the JIT has 32 vector registers (AVX-512's; its Vector256 code uses them too) rather than AVX2's 16: the
    /// blocks of more than 15 accumulators are only for the former. A constant to the JIT.
    /// </summary>
    private static bool ThirtyTwoVectorRegisters => System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported;

    /// <summary>Every register block of C, panel by panel of B.</summary>
    private static void Blocks<T, TMode>(ref T ar, int lda, int ak, ref T br, int k, int np, int ldc, RowGroups groups, in Output<T> output)
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
            if (width == 4 * vc && ThirtyTwoVectorRegisters)
            {
                for (; m + 6 <= rows; m += 6)
                {
                    Block6x4<T, TMode>(ref ar, ak, ref panel, width, k, output, ref Unsafe.Add(ref ra, m), ref Unsafe.Add(ref rc, m), j0);
                }

                LeftoverRows<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, m, rows, j0);
            }
            else if (width == 4 * vc)
            {
                // Sixteen registers: 24 accumulators would spill, so the panel's two halves take six rows by two vectors
                // each (12 accumulators). Each value of C is the same sum over k in the same order, so the bits are too.
                ref T right = ref Unsafe.Add(ref panel, 2 * vc);
                for (; m + 6 <= rows; m += 6)
                {
                    Block6x2<T, TMode>(ref ar, ak, ref panel, width, k, output, ref Unsafe.Add(ref ra, m), ref Unsafe.Add(ref rc, m), j0);
                    Block6x2<T, TMode>(ref ar, ak, ref right, width, k, output, ref Unsafe.Add(ref ra, m), ref Unsafe.Add(ref rc, m), j0 + (2 * vc));
                }

                LeftoverRows<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, m, rows, j0);
            }
            else if (width == 3 * vc && ThirtyTwoVectorRegisters)
            {
                Rows7x3<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, j0, rows);
            }
            else if (width == 3 * vc)
            {
                Rows4x3<T, TMode>(ref ar, ak, ref panel, width, k, output, ref ra, ref rc, j0, rows);
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

    // The blocks repeat one pattern on purpose: each names its accumulators (c00, c01, ...) as locals, which the JIT keeps
    // in registers, and a block shape is its own set of them. Each block is its own compiled method, not inlined into
    // Multiply, so that its FMAs and stores are inlined. Offsets
    // into A and B advance by addition; the JIT then addresses every operand as base + offset. The output comes by
    // reference: the JIT then reads its fields again after every store to C (which, for all it knew, could have changed
    // them), a load each from the first-level cache, where a copy of its 128 bytes (vectors and references) was a
    // microcoded block move at every call of a block, most of Blocks' and Multiply's own time.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block6x2<T, TMode>(ref T ar, int ak, ref T b, int ldb, int k, in Output<T> output, ref nint ra, ref nint rc, int j)
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
    private static void LeftoverRows<T, TMode>(ref T ar, int ak, ref T panel, int width, int k, in Output<T> output, ref nint ra, ref nint rc, int m, int rows, int j0)
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
    private static void Block6x4<T, TMode>(ref T ar, int ak, ref T b, int ldb, int k, in Output<T> output, ref nint ra, ref nint rc, int j)
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
    private static void Block4x2<T, TMode>(ref T ar, int ak, ref T b, int ldb, int k, in Output<T> output, ref nint ra, ref nint rc, int j, int valid)
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
    private static void Rows7x1<T, TMode>(ref T ar, int ak, ref T panel, int ldb, int k, in Output<T> output, ref nint ra, ref nint rc, int j, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        Debug.Assert(ldb == Vector256<T>.Count && j == 0, "A panel one vector wide is that vector, row after row, and the only panel.");
        var single = output.SinglePanel(0);
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
            // A panel one vector wide is that vector row after row (ldb is the vector's count), so b moves by a
            // constant. Where the block's rows of A are evenly spaced (every block but a last partial one, unless the
            // rows come in groups with gaps), they are addressed from one to three moving references rather than
            // seven, which leaves the loop registers for all its values; the same sums in the same order either way.
            nint s = Unsafe.Add(ref ra, 1) - ra;
            ref T bEnd = ref Unsafe.Add(ref panel, (nint)k * Vector256<T>.Count);
            if (s == 1 && valid >= 7 && EvenlySpaced7(ref ra, 1))
            {
                // A's rows are adjacent (A is transposed: a weight gradient's dy): the block's values at one k are one run.
                ref T p = ref Unsafe.Add(ref ar, ra);
                nint step = ak;
                for (; Unsafe.IsAddressLessThan(ref b, ref bEnd); p = ref Unsafe.Add(ref p, step), b = ref Unsafe.Add(ref b, Vector256<T>.Count))
                {
                    var bk = Vector256.LoadUnsafe(ref b);
                    c0 = VectorMath.Fma(Vector256.Create(p), bk, c0);
                    c1 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, 1)), bk, c1);
                    c2 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, 2)), bk, c2);
                    c3 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, 3)), bk, c3);
                    c4 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, 4)), bk, c4);
                    c5 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, 5)), bk, c5);
                    c6 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, 6)), bk, c6);
                }
            }
            else if (ak == 1 && valid >= 7 && EvenlySpaced7(ref ra, s))
            {
                // A's rows are s apart and each row's k values adjacent: three references, a row and its next two.
                ref T p = ref Unsafe.Add(ref ar, ra);
                ref T q = ref Unsafe.Add(ref p, 3 * s);
                ref T r = ref Unsafe.Add(ref q, 3 * s);
                for (; Unsafe.IsAddressLessThan(ref b, ref bEnd); p = ref Unsafe.Add(ref p, 1), q = ref Unsafe.Add(ref q, 1), r = ref Unsafe.Add(ref r, 1), b = ref Unsafe.Add(ref b, Vector256<T>.Count))
                {
                    var bk = Vector256.LoadUnsafe(ref b);
                    c0 = VectorMath.Fma(Vector256.Create(p), bk, c0);
                    c1 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, s)), bk, c1);
                    c2 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref p, s * 2)), bk, c2);
                    c3 = VectorMath.Fma(Vector256.Create(q), bk, c3);
                    c4 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref q, s)), bk, c4);
                    c5 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref q, s * 2)), bk, c5);
                    c6 = VectorMath.Fma(Vector256.Create(r), bk, c6);
                }
            }
            else
            {
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
            }

            single.StoreLast<TMode>(rc, c0);
            if (valid > 1)
            {
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 1), c1);
            }

            if (valid > 2)
            {
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 2), c2);
            }

            if (valid > 3)
            {
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 3), c3);
            }

            if (valid > 4)
            {
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 4), c4);
            }

            if (valid > 5)
            {
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 5), c5);
            }

            if (valid > 6)
            {
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 6), c6);
            }
        }
    }

    // Whether the seven row offsets from ra on are each the one before plus s.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EvenlySpaced7(ref nint ra, nint s) =>
        Unsafe.Add(ref ra, 1) - ra == s && Unsafe.Add(ref ra, 2) - Unsafe.Add(ref ra, 1) == s && Unsafe.Add(ref ra, 3) - Unsafe.Add(ref ra, 2) == s
        && Unsafe.Add(ref ra, 4) - Unsafe.Add(ref ra, 3) == s && Unsafe.Add(ref ra, 5) - Unsafe.Add(ref ra, 4) == s
        && Unsafe.Add(ref ra, 6) - Unsafe.Add(ref ra, 5) == s;

    // Rows7x3 for sixteen vector registers: four rows at a time, 12 accumulators, three vectors of B and a broadcast.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Rows4x3<T, TMode>(ref T ar, int ak, ref T panel, int ldb, int k, in Output<T> output, ref nint ra, ref nint rc, int j, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IStoreMode
    {
        Debug.Assert(j == 0, "A panel three vectors wide is the only panel (n from 17 to 24).");
        var single = output.SinglePanel(2 * Vector256<T>.Count);
        nuint vc = (nuint)Vector256<T>.Count;
        for (int m = 0; m < rows; m += 4, ra = ref Unsafe.Add(ref ra, 4), rc = ref Unsafe.Add(ref rc, 4))
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
            ref T a = ref Unsafe.Add(ref ar, ra);
            ref T a1 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 1));
            ref T a2 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 2));
            ref T a3 = ref Unsafe.Add(ref ar, Unsafe.Add(ref ra, 3));
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
            }

            int valid = rows - m;
            single.StoreWhole<TMode>(rc, 0, c00);
            single.StoreWhole<TMode>(rc, Vector256<T>.Count, c01);
            single.StoreLast<TMode>(rc, c02);
            if (valid > 1)
            {
                single.StoreWhole<TMode>(Unsafe.Add(ref rc, 1), 0, c10);
                single.StoreWhole<TMode>(Unsafe.Add(ref rc, 1), Vector256<T>.Count, c11);
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 1), c12);
            }

            if (valid > 2)
            {
                single.StoreWhole<TMode>(Unsafe.Add(ref rc, 2), 0, c20);
                single.StoreWhole<TMode>(Unsafe.Add(ref rc, 2), Vector256<T>.Count, c21);
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 2), c22);
            }

            if (valid > 3)
            {
                single.StoreWhole<TMode>(Unsafe.Add(ref rc, 3), 0, c30);
                single.StoreWhole<TMode>(Unsafe.Add(ref rc, 3), Vector256<T>.Count, c31);
                single.StoreLast<TMode>(Unsafe.Add(ref rc, 3), c32);
            }
        }
    }

    // Every row of a panel three vectors wide (17 to 24 columns, such as q, k and v of five heads of 4), seven at a time in
    // one call: 21 accumulators, three vectors of B and a broadcast fit the 32 vector registers the JIT has with AVX-512,
    // and the rows of a sample (14) or of six (84) are whole blocks. Rows past the valid ones of the last block read an
    // existing row again and are not stored.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Rows7x3<T, TMode>(ref T ar, int ak, ref T panel, int ldb, int k, in Output<T> output, ref nint ra, ref nint rc, int j, int rows)
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
}
