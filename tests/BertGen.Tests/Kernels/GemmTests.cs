using System.Numerics;
using BertGen.Data;
using BertGen.Kernels;
using BertGen.Tests.Support;

namespace BertGen.Tests.Kernels;

/// <summary>The shared matrix product against a plain triple loop, for every shape class its blocking distinguishes.</summary>
public sealed class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 14, 20, 7 }, { 14, 7, 28 }, { 3, 2, 7 }, { 1, 1, 1 }, { 5, 8, 3 }, { 4, 16, 4 }, { 9, 33, 17 }, { 128, 64, 256 }, { 2, 42, 7 }, { 7, 4, 14 },
        { 85, 17, 20 }, { 13, 24, 9 }, { 1, 23, 3 }, { 8, 21, 1 }, { 13, 7, 5 }, { 86, 6, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_equals_the_triple_loop_in_float_and_double(int rows, int n, int k)
    {
        Check<double>(rows, n, k, 1e-12);
        Check<float>(rows, n, k, 2e-5);
    }

    [Theory]
    [InlineData(14, 6, 7, 20)]
    [InlineData(5, 3, 28, 7)]
    [InlineData(1, 7, 7, 2)]
    [InlineData(4, 2, 3, 40)]
    public void Grouped_rows_equal_one_product_per_group_exactly(int rowsPerGroup, int groups, int k, int n)
    {
        // Every value is one sum over k in the same order whichever block computes it, so the two agree to the bit.
        var random = new SeededRandom((ulong)((rowsPerGroup * 1000) + (groups * 100) + k + n));
        int lda = k + 1, ldc = n + 2, strideA = (rowsPerGroup * lda) + 5, strideC = (rowsPerGroup * ldc) + 3;
        var a = Enumerable.Range(0, groups * strideA).Select(_ => (float)random.NextGaussian()).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextGaussian()).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => (float)random.NextGaussian()).ToArray();
        var packed = new float[k * Gemm.PaddedWidth(n)];
        Gemm.PackRows<float>(b, n, k, n, packed);
        var start = Enumerable.Range(0, groups * strideC).Select(_ => (float)random.NextGaussian()).ToArray();

        var grouped = (float[])start.Clone();
        Gemm.Multiply<float>(a, lda, 1, packed, k, n, grouped, ldc, new RowGroups(rowsPerGroup, groups, strideA, strideC), 0.5f, true, bias);
        var separate = (float[])start.Clone();
        for (int g = 0; g < groups; g++)
        {
            Gemm.Multiply<float>(a.AsSpan(g * strideA), lda, 1, packed, k, n, separate.AsSpan(g * strideC), ldc, rowsPerGroup, 0.5f, true, bias);
        }

        Assert.Equal(separate, grouped);
        Assert.NotEqual(start, grouped);
    }

    [Theory]
    [InlineData(7, 1, 7)]
    [InlineData(14, 28, 7)]
    [InlineData(13, 5, 7)]
    [InlineData(84, 60, 7)]
    [InlineData(20, 84, 3)]
    [InlineData(28, 84, 8)]
    [InlineData(21, 20, 1)]
    public void A_row_major_transposed_or_one_row_a_call_gives_the_same_bits(int rows, int k, int n)
    {
        // A panel one vector wide addresses the rows of A by how they lie: one stride apart (A row-major), adjacent
        // (A transposed), or each on its own (here a call per row). Each way is the same sums in the same order.
        CompareRowLayouts<float>(rows, k, n);
        CompareRowLayouts<double>(rows, k, n);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(42)]
    [InlineData(64)]
    public void Packing_grouped_rows_equals_packing_them_stacked(int n)
    {
        // Three groups of five rows, 4 values apart, against the same rows copied one under another first.
        const int rowsPerGroup = 5, groups = 3, gap = 4;
        int ld = n + 2, stride = (rowsPerGroup * ld) + gap;
        var random = new SeededRandom((ulong)n);
        var src = Enumerable.Range(0, groups * stride).Select(_ => (float)random.NextGaussian()).ToArray();
        var stacked = new float[groups * rowsPerGroup * n];
        for (int g = 0; g < groups; g++)
        {
            for (int r = 0; r < rowsPerGroup; r++)
            {
                src.AsSpan((g * stride) + (r * ld), n).CopyTo(stacked.AsSpan(((g * rowsPerGroup) + r) * n));
            }
        }

        var expected = new float[groups * rowsPerGroup * Gemm.PaddedWidth(n)];
        Gemm.PackRows<float>(stacked, n, groups * rowsPerGroup, n, expected);
        var packed = new float[expected.Length];
        Gemm.PackRows<float>(src, ld, new RowGroups(rowsPerGroup, groups, stride, 0), n, packed);
        Assert.Equal(expected, packed);
    }

    [Fact]
    public void Packing_columns_equals_packing_the_transposed_rows_at_every_small_shape()
    {
        // PackColumns reads B as the transpose of src; PackRows of that transpose, written out, must give the same
        // panels, padding included. Float takes the 8x8 register tiles where AVX is present, double the plain loop.
        for (int n = 1; n <= 40; n++)
        {
            for (int k = 1; k <= 20; k++)
            {
                ComparePacking<float>(n, k);
                ComparePacking<double>(n, k);
            }
        }
    }

    [OptimizedBuildTheory]
    [InlineData(84)]
    [InlineData(1024)]
    public void A_warm_product_allocates_nothing_short_or_tall(int rows)
    {
        // The row offsets live in the thread's workspace, made (or grown) by the first call.
        const int n = 20, k = 7;
        var a = new float[rows * k];
        var packed = new float[k * Gemm.PaddedWidth(n)];
        Gemm.PackRows<float>(new float[k * n], n, k, n, packed);
        var c = new float[rows * n];
        Gemm.Multiply<float>(a, k, 1, packed, k, n, c, n, rows, 1f, false);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Gemm.Multiply<float>(a, k, 1, packed, k, n, c, n, rows, 1f, false);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void CompareRowLayouts<T>(int rows, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom((ulong)((rows * 10000) + (k * 10) + n));
        var b = Enumerable.Range(0, k * n).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        var packed = new T[k * Gemm.PaddedWidth(n)];
        Gemm.PackRows<T>(b, n, k, n, packed);
        int lda = k + 3, ak = rows + 2, ldc = n + 1;
        var rowMajor = new T[rows * lda];
        var transposed = new T[k * ak];
        for (int m = 0; m < rows; m++)
        {
            for (int kk = 0; kk < k; kk++)
            {
                rowMajor[(m * lda) + kk] = transposed[(kk * ak) + m] = T.CreateTruncating(random.NextGaussian());
            }
        }

        var start = Enumerable.Range(0, rows * ldc).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        T alpha = T.CreateTruncating(0.5);
        var byRows = (T[])start.Clone();
        Gemm.Multiply<T>(rowMajor, lda, 1, packed, k, n, byRows, ldc, rows, alpha, true, bias);
        var byColumns = (T[])start.Clone();
        Gemm.Multiply<T>(transposed, 1, ak, packed, k, n, byColumns, ldc, rows, alpha, true, bias);
        var oneByOne = (T[])start.Clone();
        for (int m = 0; m < rows; m++)
        {
            Gemm.Multiply<T>(rowMajor.AsSpan(m * lda), lda, 1, packed, k, n, oneByOne.AsSpan(m * ldc), ldc, 1, alpha, true, bias);
        }

        Assert.Equal(oneByOne, byRows);
        Assert.Equal(oneByOne, byColumns);
        Assert.NotEqual(start, byRows);
    }

    private static void ComparePacking<T>(int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom((ulong)((n * 100) + k));
        int ld = k + (n % 3);
        var src = Enumerable.Range(0, ((n - 1) * ld) + k).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        var transposed = new T[k * n];
        for (int j = 0; j < n; j++)
        {
            for (int kk = 0; kk < k; kk++)
            {
                transposed[(kk * n) + j] = src[(j * ld) + kk];
            }
        }

        var expected = new T[k * Gemm.PaddedWidth(n)];
        Gemm.PackRows<T>(transposed, n, k, n, expected);
        var packed = Enumerable.Repeat(T.NaN, expected.Length).ToArray();
        Gemm.PackColumns<T>(src, ld, k, n, packed);
        Assert.True(expected.AsSpan().SequenceEqual(packed), $"{typeof(T).Name} n={n} k={k}");
    }

    private static void Check<T>(int rows, int n, int k, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom((ulong)((rows * 1000) + (n * 10) + k));
        T Next() => T.CreateTruncating(random.NextGaussian());
        foreach (bool transposedA in new[] { false, true })
        {
            foreach (bool packColumns in new[] { false, true })
            {
                // Every way of writing the results (each is its own compiled store): over or onto C, with or without a
                // bias, scaled or not.
                foreach (var (accumulate, withBias, alpha) in new[]
                {
                    (false, false, 1.0), (false, false, 0.5), (false, true, 1.0), (false, true, 0.5),
                    (true, false, 1.0), (true, false, 0.5), (true, true, 1.0), (true, true, 0.5),
                })
                {
                    // A is rows x k, stored either row-major (lda = k + 3, ak = 1) or column-major (lda = 1, ak = rows + 2).
                    int lda = transposedA ? 1 : k + 3, ak = transposedA ? rows + 2 : 1;
                    var a = new T[(rows * lda) + (k * ak) + 4];
                    for (int i = 0; i < a.Length; i++)
                    {
                        a[i] = Next();
                    }

                    // B is k x n, given as rows (ld n + 1) or as the transpose of an n x k matrix (ld k + 2).
                    int ldb = packColumns ? k + 2 : n + 1;
                    var src = new T[(packColumns ? n : k) * ldb];
                    for (int i = 0; i < src.Length; i++)
                    {
                        src[i] = Next();
                    }

                    T B(int kk, int j) => packColumns ? src[(j * ldb) + kk] : src[(kk * ldb) + j];
                    var packed = new T[k * Gemm.PaddedWidth(n)];
                    if (packColumns)
                    {
                        Gemm.PackColumns<T>(src, ldb, k, n, packed);
                    }
                    else
                    {
                        Gemm.PackRows<T>(src, ldb, k, n, packed);
                    }

                    int ldc = n + 5;
                    var c = new T[rows * ldc];
                    for (int i = 0; i < c.Length; i++)
                    {
                        c[i] = Next();
                    }

                    var bias = withBias ? Enumerable.Range(0, n).Select(_ => Next()).ToArray() : [];
                    var expected = (T[])c.Clone();
                    for (int m = 0; m < rows; m++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            T sum = T.Zero;
                            for (int kk = 0; kk < k; kk++)
                            {
                                sum += a[(m * lda) + (kk * ak)] * B(kk, j);
                            }

                            T value = (T.CreateTruncating(alpha) * sum) + (withBias ? bias[j] : T.Zero);
                            expected[(m * ldc) + j] = accumulate ? expected[(m * ldc) + j] + value : value;
                        }
                    }

                    Gemm.Multiply<T>(a, lda, ak, packed, k, n, c, ldc, rows, T.CreateTruncating(alpha), accumulate, bias);

                    for (int i = 0; i < c.Length; i++)
                    {
                        double e = double.CreateTruncating(expected[i]), g = double.CreateTruncating(c[i]);
                        Assert.True(Math.Abs(e - g) <= tolerance * Math.Max(1, Math.Abs(e)) * Math.Sqrt(k + 1),
                            $"{typeof(T).Name} rows {rows} n {n} k {k} transposedA {transposedA} columns {packColumns} accumulate {accumulate} bias {withBias}: C[{i}] = {g}, expected {e}");
                    }
                }
            }
        }
    }
}
