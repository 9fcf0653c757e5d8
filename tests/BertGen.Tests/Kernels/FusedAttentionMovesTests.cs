using System.Runtime.Intrinsics;
using BertGen.Data;
using BertGen.Kernels;

namespace BertGen.Tests.Kernels;

/// <summary>
/// The wide attention kernel's AVX2 moves (loads and stores of 16 lanes as two masked halves, 16x16 transposes as four
/// 8x8 blocks, a head's columns written into rows) against the portable element-by-element moves, value for value,
/// with every other value of the output left as it was; and its sums written out in 256-bit halves against the same
/// sums one fused multiply-add at a time. Run wherever AVX2 is, so a machine with AVX-512 checks them too.
/// </summary>
public sealed class FusedAttentionMovesTests
{
    private const string NoAvx2 = "this processor has no AVX2 and FMA, so the wide kernel never takes these moves here";

    [Avx2Fact]
    public void A_tile_transposes_as_the_portable_moves_do()
    {
        var from = Values(256, 1);
        float[] avx2 = new float[256], portable = new float[256];
        FusedAttention.Avx2Moves.Transpose16(ref from[0], ref avx2[0]);
        FusedAttention.Portable.Transpose16(ref from[0], ref portable[0]);
        Assert.Equal(portable, avx2);
        Assert.Equal(from[(3 * 16) + 12], avx2[(12 * 16) + 3]);
    }

    [Avx2Theory]
    [InlineData(14, 20)]
    [InlineData(9, 6)]
    [InlineData(16, 32)]
    [InlineData(13, 16)]
    public void A_matrix_transposes_to_rows_of_16_as_the_portable_moves_do(int maxLen, int width)
    {
        var m = Values(maxLen * width, 2);
        int rows = (width + 15) & ~15;
        float[] tile = new float[256], avx2 = Values(rows * 16, 3), portable = Values(rows * 16, 3);
        FusedAttention.Avx2Moves.TransposeAll(m, width, maxLen, ref tile[0], ref avx2[0]);
        FusedAttention.Portable.TransposeAll(m, width, maxLen, ref portable[0]);
        Assert.Equal(portable, avx2);
    }

    [Avx2Theory]
    [InlineData(14)]
    [InlineData(9)]
    [InlineData(16)]
    public void Rows_of_a_tile_load_and_store_as_the_portable_moves_do(int maxLen)
    {
        var tile = Values(256, 4);
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(maxLen)).AsSingle();

        // maxLen rows of maxLen, and a guard after them that a store past the last row would overwrite.
        float[] avx2 = Values((maxLen * maxLen) + 16, 5), portable = Values((maxLen * maxLen) + 16, 5);
        FusedAttention.Avx2Moves.WriteRows(ref tile[0], maxLen, mask, ref avx2[0]);
        FusedAttention.Portable.WriteRows(ref tile[0], maxLen, ref portable[0]);
        Assert.Equal(portable, avx2);

        // A row of maxLen followed by values that must not be read into the lanes from maxLen.
        var row = Values(32, 6);
        Assert.Equal(FusedAttention.Portable.Load(ref row[0], mask), FusedAttention.Avx2Moves.Load(ref row[0], mask));
    }

    [Avx2Theory]
    [InlineData(4, 14, 20)]
    [InlineData(2, 9, 6)]
    [InlineData(9, 16, 18)]
    [InlineData(16, 13, 16)]
    [InlineData(3, 11, 7)]
    public void A_heads_columns_write_into_rows_as_the_portable_moves_do(int dk, int maxLen, int stride)
    {
        var columns = Values(256, 7);
        float[] avx2 = Values(maxLen * stride, 8), portable = Values(maxLen * stride, 8);
        FusedAttention.Avx2Moves.WriteColumns(ref columns[0], dk, maxLen, ref avx2[0], stride);
        FusedAttention.Portable.WriteColumns(ref columns[0], dk, maxLen, ref portable[0], stride);
        Assert.Equal(portable, avx2);
    }

    [Avx2Theory]
    [InlineData(0, 14, 4, 20)]
    [InlineData(12, 14, 4, 20)]
    [InlineData(8, 9, 3, 6)]
    [InlineData(12, 16, 16, 16)]
    public void Four_keys_rows_sum_as_one_fused_multiply_add_after_another(int j0, int maxLen, int dk, int width)
    {
        // HeadRows4 in halves against the sums it stands for, each lane's in order over d, then scaled: the same bits.
        float[] m = Values(maxLen * width, 9), panel = Values(16 * 16, 10);
        float[] avx2 = Values(16 * 16, 11), expected = (float[])avx2.Clone();
        const float scale = 0.375f;
        FusedAttention.Avx2Moves.HeadRows4(ref m[0], width, j0, maxLen, dk, ref panel[0], Vector256.Create(scale), ref avx2[0]);
        for (int j = j0; j < Math.Min(j0 + 4, maxLen); j++)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                float acc = 0;
                for (int d = 0; d < dk; d++)
                {
                    acc = MathF.FusedMultiplyAdd(m[(j * width) + d], panel[(d * 16) + lane], acc);
                }

                expected[(j * 16) + lane] = acc * scale;
            }
        }

        Assert.Equal(expected, avx2);
    }

    [Avx2Theory]
    [InlineData(14, 20)]
    [InlineData(9, 4)]
    [InlineData(16, 16)]
    public void Four_columns_of_dk_and_dv_sum_over_the_queries_in_order(int maxLen, int width)
    {
        // DkDv4 in halves against the sums it stands for: dk's lane j is the scaled sum over queries i of q[i, c] ds[i, j],
        // dv's of dContext[i, c] p[i, j], each one fused multiply-add after another.
        float[] ds = Values(16 * 16, 12), p = Values(16 * 16, 13), q = Values(maxLen * width, 14), dc = Values(maxLen * width, 15);
        float[] dk = Values(4 * 16, 16), dv = Values(4 * 16, 17);
        const float scale = 0.5f;
        FusedAttention.Avx2Moves.DkDv4(ref ds[0], ref p[0], ref q[0], ref dc[0], width, maxLen, Vector256.Create(scale), ref dk[0], ref dv[0]);
        for (int c = 0; c < 4; c++)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                float sumK = 0, sumV = 0;
                for (int i = 0; i < maxLen; i++)
                {
                    sumK = MathF.FusedMultiplyAdd(q[(i * width) + c], ds[(i * 16) + lane], sumK);
                    sumV = MathF.FusedMultiplyAdd(dc[(i * width) + c], p[(i * 16) + lane], sumV);
                }

                Assert.Equal(sumK * scale, dk[(c * 16) + lane]);
                Assert.Equal(sumV, dv[(c * 16) + lane]);
            }
        }
    }

    private static float[] Values(int n, ulong seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, n).Select(_ => (float)random.NextGaussian()).ToArray();
    }

    /// <summary>A fact that needs AVX2 and FMA: skipped elsewhere, saying why.</summary>
    private sealed class Avx2FactAttribute : FactAttribute
    {
        public Avx2FactAttribute()
        {
            if (!FusedAttention.Avx2Moves.IsSupported)
            {
                Skip = NoAvx2;
            }
        }
    }

    /// <summary>A theory that needs AVX2 and FMA: skipped elsewhere, saying why.</summary>
    private sealed class Avx2TheoryAttribute : TheoryAttribute
    {
        public Avx2TheoryAttribute()
        {
            if (!FusedAttention.Avx2Moves.IsSupported)
            {
                Skip = NoAvx2;
            }
        }
    }
}
