using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BertGen.Kernels;

/// <summary>
/// The matrix product every linear layer, attention and decoder kernel goes through:
/// C[m, j] = (C[m, j] when accumulating) + alpha * sum over k of A[m, k] B[k, j] (+ bias[j]).
/// B comes packed: K rows of <see cref="PaddedWidth"/> values, zero beyond n, so every load is a whole vector. The
/// inner loop keeps a block of 6 rows by 4 vectors of C in registers (6 by 2 for narrower panels) and streams one
/// packed B panel across all rows.
/// </summary>
public static class Gemm
{
    /// <summary>Row length of a packed B: n rounded up to 8, or to a multiple of 16 above 8.</summary>
    public static int PaddedWidth(int n) => n <= 8 ? 8 : (n + 15) & ~15;

    /// <summary>Packs B[k, j] = src[kk * ld + j] (rows of a row-major matrix) into <paramref name="packed"/>.</summary>
    public static void PackRows<T>(ReadOnlySpan<T> src, int ld, int k, int n, Span<T> packed)
        where T : unmanaged
    {
        int np = PaddedWidth(n);
        packed = packed[..(k * np)];
        for (int kk = 0; kk < k; kk++)
        {
            src.Slice(kk * ld, n).CopyTo(packed.Slice(kk * np, n));
            packed.Slice((kk * np) + n, np - n).Clear();
        }
    }

    /// <summary>Packs B[k, j] = src[j * ld + kk] (the transpose of a row-major matrix) into <paramref name="packed"/>.</summary>
    public static void PackColumns<T>(ReadOnlySpan<T> src, int ld, int k, int n, Span<T> packed)
        where T : unmanaged
    {
        int np = PaddedWidth(n);
        packed = packed[..(k * np)];
        _ = src[((n - 1) * ld) + k - 1];
        for (int kk = 0; kk < k; kk++)
        {
            var row = packed.Slice(kk * np, np);
            for (int j = 0; j < n; j++)
            {
                row[j] = src[(j * ld) + kk];
            }

            row[n..].Clear();
        }
    }

    /// <summary>
    /// C (+)= alpha * A B (+ bias). A[m, kk] is a[m * lda + kk * ak]; B is packed (<see cref="PackRows{T}"/>,
    /// <see cref="PackColumns{T}"/>); C[m, j] is c[m * ldc + j]; bias, when not empty, has n values.
    /// </summary>
    public static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, int ak, ReadOnlySpan<T> packedB, int k, int n, Span<T> c, int ldc, int rows, T alpha, bool accumulate, ReadOnlySpan<T> bias = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0)
        {
            return;
        }

        int np = PaddedWidth(n);
        if (k > 0)
        {
            _ = a[((rows - 1) * lda) + ((k - 1) * ak)];
        }

        _ = packedB[(k * np) - 1];
        _ = c[((rows - 1) * ldc) + n - 1];
        if (!bias.IsEmpty)
        {
            _ = bias[n - 1];
        }

        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(packedB);
        ref T cr = ref MemoryMarshal.GetReference(c);
        var output = new Output<T>(ref cr, ldc, n, alpha, accumulate, bias);
        int vc = Vector256<T>.Count;
        if (np % (4 * vc) == 0 && rows >= 6)
        {
            for (int j = 0; j < np; j += 4 * vc)
            {
                int m = 0;
                for (; m + 6 <= rows; m += 6)
                {
                    Block6x4(ref Unsafe.Add(ref ar, m * lda), lda, ak, ref Unsafe.Add(ref br, j), np, k, ref output, m, j);
                }

                LeftoverRows(ref ar, lda, ak, ref br, np, k, ref output, m, rows, j);
                LeftoverRows(ref ar, lda, ak, ref br, np, k, ref output, m, rows, j + (2 * vc));
            }
        }
        else if (np % (2 * vc) == 0)
        {
            for (int j = 0; j < np; j += 2 * vc)
            {
                int m = 0;
                for (; m + 6 <= rows; m += 6)
                {
                    Block6x2(ref Unsafe.Add(ref ar, m * lda), lda, ak, ref Unsafe.Add(ref br, j), np, k, ref output, m, j);
                }

                LeftoverRows(ref ar, lda, ak, ref br, np, k, ref output, m, rows, j);
            }
        }
        else
        {
            for (int j = 0; j < np; j += vc)
            {
                int m = 0;
                for (; m < rows; m += 6)
                {
                    Block6x1(ref Unsafe.Add(ref ar, m * lda), lda, ak, ref Unsafe.Add(ref br, j), np, k, ref output, m, j, Math.Min(6, rows - m));
                }
            }
        }
    }

    // Each block is its own compiled method, not inlined into Multiply, so that its FMAs and stores are inlined. Offsets
    // into A and B advance by addition; the JIT then addresses every operand as base + offset.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block6x2<T>(ref T a, int lda, int ak, ref T b, int np, int k, ref Output<T> output, int m, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
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
        ref T a1 = ref Unsafe.Add(ref a, lda);
        ref T a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref T a3 = ref Unsafe.Add(ref a, 3 * lda);
        ref T a4 = ref Unsafe.Add(ref a, 4 * lda);
        ref T a5 = ref Unsafe.Add(ref a, 5 * lda);
        nuint vc = (nuint)Vector256<T>.Count;
        nint at = 0, bt = 0;
        for (int kk = 0; kk < k; kk++, at += ak, bt += np)
        {
            ref T bk = ref Unsafe.Add(ref b, bt);
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
        output.Store(m, j, c00);
        output.Store(m, j1, c01);
        output.Store(m + 1, j, c10);
        output.Store(m + 1, j1, c11);
        output.Store(m + 2, j, c20);
        output.Store(m + 2, j1, c21);
        output.Store(m + 3, j, c30);
        output.Store(m + 3, j1, c31);
        output.Store(m + 4, j, c40);
        output.Store(m + 4, j1, c41);
        output.Store(m + 5, j, c50);
        output.Store(m + 5, j1, c51);
    }

    /// <summary>Rows m to rows - 1 (fewer than six) of a panel two vectors wide, four rows at a time.</summary>
    private static void LeftoverRows<T>(ref T ar, int lda, int ak, ref T br, int np, int k, ref Output<T> output, int m, int rows, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (; m < rows; m += 4)
        {
            Block4x2(ref Unsafe.Add(ref ar, m * lda), lda, ak, ref Unsafe.Add(ref br, j), np, k, ref output, m, j, Math.Min(4, rows - m));
        }
    }

    // Six rows by four vectors: 24 accumulators, for the 32 vector registers the JIT has with AVX-512.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block6x4<T>(ref T a, int lda, int ak, ref T b, int np, int k, ref Output<T> output, int m, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
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
        ref T a1 = ref Unsafe.Add(ref a, 1 * lda);
        ref T a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref T a3 = ref Unsafe.Add(ref a, 3 * lda);
        ref T a4 = ref Unsafe.Add(ref a, 4 * lda);
        ref T a5 = ref Unsafe.Add(ref a, 5 * lda);
        nuint vc = (nuint)Vector256<T>.Count;
        nint at = 0, bt = 0;
        for (int kk = 0; kk < k; kk++, at += ak, bt += np)
        {
            ref T bk = ref Unsafe.Add(ref b, bt);
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

        output.Store(m + 0, j + (0 * Vector256<T>.Count), c00);
        output.Store(m + 0, j + (1 * Vector256<T>.Count), c01);
        output.Store(m + 0, j + (2 * Vector256<T>.Count), c02);
        output.Store(m + 0, j + (3 * Vector256<T>.Count), c03);
        output.Store(m + 1, j + (0 * Vector256<T>.Count), c10);
        output.Store(m + 1, j + (1 * Vector256<T>.Count), c11);
        output.Store(m + 1, j + (2 * Vector256<T>.Count), c12);
        output.Store(m + 1, j + (3 * Vector256<T>.Count), c13);
        output.Store(m + 2, j + (0 * Vector256<T>.Count), c20);
        output.Store(m + 2, j + (1 * Vector256<T>.Count), c21);
        output.Store(m + 2, j + (2 * Vector256<T>.Count), c22);
        output.Store(m + 2, j + (3 * Vector256<T>.Count), c23);
        output.Store(m + 3, j + (0 * Vector256<T>.Count), c30);
        output.Store(m + 3, j + (1 * Vector256<T>.Count), c31);
        output.Store(m + 3, j + (2 * Vector256<T>.Count), c32);
        output.Store(m + 3, j + (3 * Vector256<T>.Count), c33);
        output.Store(m + 4, j + (0 * Vector256<T>.Count), c40);
        output.Store(m + 4, j + (1 * Vector256<T>.Count), c41);
        output.Store(m + 4, j + (2 * Vector256<T>.Count), c42);
        output.Store(m + 4, j + (3 * Vector256<T>.Count), c43);
        output.Store(m + 5, j + (0 * Vector256<T>.Count), c50);
        output.Store(m + 5, j + (1 * Vector256<T>.Count), c51);
        output.Store(m + 5, j + (2 * Vector256<T>.Count), c52);
        output.Store(m + 5, j + (3 * Vector256<T>.Count), c53);
    }

    // Up to four rows: rows past the valid ones read row 0 again and are not stored.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block4x2<T>(ref T a, int lda, int ak, ref T b, int np, int k, ref Output<T> output, int m, int j, int valid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c00 = Vector256<T>.Zero;
        var c01 = Vector256<T>.Zero;
        var c10 = Vector256<T>.Zero;
        var c11 = Vector256<T>.Zero;
        var c20 = Vector256<T>.Zero;
        var c21 = Vector256<T>.Zero;
        var c30 = Vector256<T>.Zero;
        var c31 = Vector256<T>.Zero;
        ref T a1 = ref valid > 1 ? ref Unsafe.Add(ref a, lda) : ref a;
        ref T a2 = ref valid > 2 ? ref Unsafe.Add(ref a, 2 * lda) : ref a;
        ref T a3 = ref valid > 3 ? ref Unsafe.Add(ref a, 3 * lda) : ref a;
        nuint vc = (nuint)Vector256<T>.Count;
        nint at = 0, bt = 0;
        for (int kk = 0; kk < k; kk++, at += ak, bt += np)
        {
            ref T bk = ref Unsafe.Add(ref b, bt);
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
        output.Store(m, j, c00);
        output.Store(m, j1, c01);
        if (valid > 1)
        {
            output.Store(m + 1, j, c10);
            output.Store(m + 1, j1, c11);
        }

        if (valid > 2)
        {
            output.Store(m + 2, j, c20);
            output.Store(m + 2, j1, c21);
        }

        if (valid > 3)
        {
            output.Store(m + 3, j, c30);
            output.Store(m + 3, j1, c31);
        }
    }

    // Up to six rows of a panel one vector wide: rows past the valid ones read row 0 again and are not stored.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block6x1<T>(ref T a, int lda, int ak, ref T b, int np, int k, ref Output<T> output, int m, int j, int valid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c0 = Vector256<T>.Zero;
        var c1 = Vector256<T>.Zero;
        var c2 = Vector256<T>.Zero;
        var c3 = Vector256<T>.Zero;
        var c4 = Vector256<T>.Zero;
        var c5 = Vector256<T>.Zero;
        ref T a1 = ref valid > 1 ? ref Unsafe.Add(ref a, lda) : ref a;
        ref T a2 = ref valid > 2 ? ref Unsafe.Add(ref a, 2 * lda) : ref a;
        ref T a3 = ref valid > 3 ? ref Unsafe.Add(ref a, 3 * lda) : ref a;
        ref T a4 = ref valid > 4 ? ref Unsafe.Add(ref a, 4 * lda) : ref a;
        ref T a5 = ref valid > 5 ? ref Unsafe.Add(ref a, 5 * lda) : ref a;
        nint at = 0, bt = 0;
        for (int kk = 0; kk < k; kk++, at += ak, bt += np)
        {
            var bk = Vector256.LoadUnsafe(ref Unsafe.Add(ref b, bt));
            c0 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a, at)), bk, c0);
            c1 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a1, at)), bk, c1);
            c2 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a2, at)), bk, c2);
            c3 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a3, at)), bk, c3);
            c4 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a4, at)), bk, c4);
            c5 = VectorMath.Fma(Vector256.Create(Unsafe.Add(ref a5, at)), bk, c5);
        }

        output.Store(m, j, c0);
        Span<Vector256<T>> rest = [c1, c2, c3, c4, c5];
        for (int r = 1; r < valid; r++)
        {
            output.Store(m + r, j, rest[r - 1]);
        }
    }

    /// <summary>Where and how a block of results is written: scaled, plus bias, over or onto C, clipped to n columns.</summary>
    private readonly ref struct Output<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ref T _c;
        private readonly int _ldc;
        private readonly int _n;
        private readonly Vector256<T> _alpha;
        private readonly bool _scaled;
        private readonly bool _accumulate;
        private readonly ReadOnlySpan<T> _bias;

        public Output(ref T c, int ldc, int n, T alpha, bool accumulate, ReadOnlySpan<T> bias)
        {
            _c = ref c;
            _ldc = ldc;
            _n = n;
            _alpha = Vector256.Create(alpha);
            _scaled = alpha != T.One;
            _accumulate = accumulate;
            _bias = bias;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(int row, int column, Vector256<T> value)
        {
            int vc = Vector256<T>.Count;
            if (column >= _n)
            {
                return;
            }

            if (_scaled)
            {
                value *= _alpha;
            }

            ref T at = ref Unsafe.Add(ref _c, (row * _ldc) + column);
            if (column + vc <= _n)
            {
                if (!_bias.IsEmpty)
                {
                    value += Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(_bias), (nuint)column);
                }

                if (_accumulate)
                {
                    value += Vector256.LoadUnsafe(ref at);
                }

                value.StoreUnsafe(ref at);
                return;
            }

            for (int lane = 0; lane < _n - column; lane++)
            {
                T v = value[lane];
                if (!_bias.IsEmpty)
                {
                    v += _bias[column + lane];
                }

                Unsafe.Add(ref at, lane) = _accumulate ? Unsafe.Add(ref at, lane) + v : v;
            }
        }
    }
}
