using System.Runtime.Intrinsics.X86;
using BertGen.Data;
using BertGen.Kernels;
using BertGen.Tests.Support;

namespace BertGen.Tests.Kernels;

/// <summary>
/// LayerNorm's eight-row forward kernel for float rows of up to eight values against the row-at-a-time kernel, bit for
/// bit (y, mean and rstd), alone and after a residual add, for full and partial blocks of rows, with no value written
/// past the rows.
/// </summary>
public sealed class LayerNormNarrowTests
{
    private const double Eps = 1e-12;
    private const float Guard = 12345.5f;
    private const string NoAvx = "this processor has no AVX, so LayerNorm never takes its eight-row kernel here";

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int width in new[] { 1, 3, 7, 8 })
        {
            foreach (int rows in new[] { 1, 6, 8, 14, 17, 84 })
            {
                data.Add(width, rows);
            }
        }

        return data;
    }

    [AvxTheory]
    [MemberData(nameof(Shapes))]
    public void The_forward_pass_gives_the_row_kernels_bits(int width, int rows)
    {
        switch (width)
        {
            case 1: Forward<W1>(rows); break;
            case 3: Forward<W3>(rows); break;
            case 7: Forward<W7>(rows); break;
            default: Forward<W8>(rows); break;
        }
    }

    [Fact]
    public void The_seed_width_takes_the_eight_row_kernel_where_AVX_is_native()
    {
        Assert.Equal(Avx.IsSupported, LayerNorm.NarrowFits<float, W7>());
        Assert.False(LayerNorm.NarrowFits<double, W7>());
        Assert.False(LayerNorm.NarrowFits<float, W9>());
    }

    private static void Forward<TWidth>(int rows)
        where TWidth : struct, IRowWidth
    {
        Forward<TWidth, LayerNorm.Alone>(rows, 1);
        Forward<TWidth, LayerNorm.Added>(rows, 2);
    }

    private static void Forward<TWidth, TInput>(int rows, ulong seed)
        where TWidth : struct, IRowWidth
        where TInput : struct, LayerNorm.IInput
    {
        int n = rows * TWidth.Width;
        var random = new SeededRandom(seed);
        float[] x = Values(random, n), residual = Values(random, n), gamma = Values(random, TWidth.Width), beta = Values(random, TWidth.Width);
        var (rowY, rowMean, rowRstd) = (Guarded(n), Guarded(rows), Guarded(rows));
        var (narrowY, narrowMean, narrowRstd) = (Guarded(n), Guarded(rows), Guarded(rows));
        LayerNorm.ForwardEachRow<float, TWidth, TInput>(x, residual, gamma, beta, rowY, rowMean, rowRstd, rows, Eps);
        LayerNorm.ForwardNarrow<TWidth, TInput>(x, residual, gamma, beta, narrowY, narrowMean, narrowRstd, rows, (float)Eps);
        AssertSameBits(rowY, narrowY);
        AssertSameBits(rowMean, narrowMean);
        AssertSameBits(rowRstd, narrowRstd);
        Assert.NotEqual(Guard, narrowY[n - 1]);
    }

    /// <summary>Gaussian values with a few exact zeros and negative zeros, whose signs the sums must keep as the row kernel does.</summary>
    private static float[] Values(SeededRandom random, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (i % 11) switch
            {
                5 => 0f,
                9 => -0f,
                _ => (float)random.NextGaussian(),
            };
        }

        return values;
    }

    /// <summary>n values of a guard, and eight more after them that a store past the end would overwrite.</summary>
    private static float[] Guarded(int n) => Enumerable.Repeat(Guard, n + 8).ToArray();

    private static void AssertSameBits(float[] expected, float[] actual) =>
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

    /// <summary>A theory that needs AVX: skipped elsewhere, saying why.</summary>
    private sealed class AvxTheoryAttribute : TheoryAttribute
    {
        public AvxTheoryAttribute()
        {
            if (!Avx.IsSupported)
            {
                Skip = NoAvx;
            }
        }
    }
}
