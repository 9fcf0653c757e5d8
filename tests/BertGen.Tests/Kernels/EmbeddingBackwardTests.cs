using System.Numerics;
using BertGen.Data;
using BertGen.Kernels;
using BertGen.Tests.Support;

namespace BertGen.Tests.Kernels;

/// <summary>
/// Embedding.Backward against the plain loops, bit for bit, in float and double: each row of dEmbedding added to the
/// rows of the three tables its token read, sample after sample and token after token. Widths of one vector or less
/// take the kernel that keeps the rows in registers, wider ones the row-by-row loop; the ids repeat both in runs (as
/// [PAD] does at the end of a sample) and apart, and nothing past the tables is written.
/// </summary>
public sealed class EmbeddingBackwardTests
{
    [Theory]
    [InlineData(1, 14)]
    [InlineData(6, 14)]
    [InlineData(3, 5)]
    public void Every_table_row_sums_as_the_plain_loops_do(int samples, int maxLen)
    {
        Check<float, W3>(samples, maxLen);
        Check<float, W7>(samples, maxLen);
        Check<float, W8>(samples, maxLen);
        Check<float, W12>(samples, maxLen);
        Check<double, W3>(samples, maxLen);
        Check<double, W7>(samples, maxLen);
    }

    private static void Check<T, TWidth>(int samples, int maxLen)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        const int vocabulary = 9, segments = 2;
        int width = TWidth.Width;
        var random = new SeededRandom((ulong)((samples * 100) + (maxLen * 10) + width));
        T Next() => T.CreateTruncating(random.NextGaussian());
        var ids = new int[samples * maxLen];
        var segs = new int[samples * maxLen];
        for (int s = 0; s < samples; s++)
        {
            int length = Math.Max(2, maxLen - 1 - s);
            for (int t = 0; t < maxLen; t++)
            {
                // A run of [PAD] (id 0) after the sample's tokens, which repeat ids of their own.
                ids[(s * maxLen) + t] = t < length ? 1 + random.NextInt(vocabulary - 1) : 0;
                segs[(s * maxLen) + t] = t < length / 2 ? 0 : 1;
            }
        }

        var de = Enumerable.Range(0, samples * maxLen * width).Select(_ => Next()).ToArray();
        T[] Table(int rows) => Enumerable.Range(0, (rows * width) + 1).Select(i => i < rows * width ? Next() : T.CreateTruncating(12345.5)).ToArray();
        T[] tok = Table(vocabulary), pos = Table(maxLen), seg = Table(segments);
        T[] expectedTok = (T[])tok.Clone(), expectedPos = (T[])pos.Clone(), expectedSeg = (T[])seg.Clone();
        for (int s = 0; s < samples; s++)
        {
            for (int t = 0; t < maxLen; t++)
            {
                int r = (s * maxLen) + t;
                for (int i = 0; i < width; i++)
                {
                    T value = de[(r * width) + i];
                    expectedTok[(ids[r] * width) + i] += value;
                    expectedPos[(t * width) + i] += value;
                    expectedSeg[(segs[r] * width) + i] += value;
                }
            }
        }

        var rows = new ReadOnlyRows<T>(de, 0, maxLen * width, samples, maxLen, width);
        Embedding.Backward<T, TWidth>(rows, ids, segs, tok.AsSpan(0, vocabulary * width), pos.AsSpan(0, maxLen * width), seg.AsSpan(0, segments * width));
        Assert.Equal(expectedTok.Select(Bits.Of), tok.Select(Bits.Of));
        Assert.Equal(expectedPos.Select(Bits.Of), pos.Select(Bits.Of));
        Assert.Equal(expectedSeg.Select(Bits.Of), seg.Select(Bits.Of));
    }
}
