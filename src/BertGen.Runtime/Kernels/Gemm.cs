using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BertGen.Kernels;

/// <summary>
/// The matrix product every linear layer, attention and decoder kernel goes through:
/// C[m, j] = (C[m, j] when accumulating) + alpha * sum over k of A[m, k] B[k, j] (+ bias[j]).
/// B comes packed in panels one to four vectors wide (<see cref="PackRows{T}(ReadOnlySpan{T}, int, int, int, Span{T})"/>), zero beyond n, so every load is a whole
/// vector and a panel is one contiguous stream. The inner loop keeps a block of 6 rows by 4 vectors of C in registers
/// (7 by 3, 6 by 2 or 7 by 1 for narrower panels) and streams one panel of B across all rows. The parts are in four
/// files: the shapes and the dispatch (this one), packing (Gemm.Packing.cs), the register blocks (Gemm.Blocks.cs) and
/// the store modes (Gemm.StoreModes.cs).
/// </summary>
public static partial class Gemm
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
        var output = new Output<T>(ref MemoryMarshal.GetReference(c), c.Length, n, alpha, bias);
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
}
