using System.Runtime.Intrinsics;
using BertGen.Data;
using BertGen.Kernels;

namespace BertGen.Tests.Kernels;

/// <summary>
/// The wide attention kernel's AVX2 moves (loads and stores of 16 lanes as two masked halves, 16x16 transposes as four
/// 8x8 blocks, a head's columns written into rows) against the portable element-by-element moves, value for value,
/// with every other value of the output left as it was.
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
