using System.Numerics;
using BertGen.Data;
using BertGen.Kernels;

namespace BertGen.Tests.Kernels;

/// <summary>
/// The fused attention kernel against the textbook formulas written as plain loops, forward and backward, for rows
/// and heads shorter than a vector, exactly a vector, and longer than one, with and without [PAD] keys.
/// </summary>
public sealed class FusedAttentionTests
{
    [Theory]
    [InlineData("14x5x4", 3)]
    [InlineData("9x3x2", 0)]
    [InlineData("16x2x9", 4)]
    [InlineData("13x1x16", 1)]
    [InlineData("1x2x3", 0)]
    [InlineData("8x2x8", 2)]
    public void Forward_and_backward_equal_the_plain_loops(string shape, int pads)
    {
        // shape: maxLen x heads x dk, a type argument so that the kernel sees it as constants, as generated models do.
        switch (shape)
        {
            case "14x5x4": Check<Shape14x5x4>(pads); break;
            case "9x3x2": Check<Shape9x3x2>(pads); break;
            case "16x2x9": Check<Shape16x2x9>(pads); break;
            case "13x1x16": Check<Shape13x1x16>(pads); break;
            case "1x2x3": Check<Shape1x2x3>(pads); break;
            case "8x2x8": Check<Shape8x2x8>(pads); break;
            default: throw new ArgumentException($"no shape type for {shape}", nameof(shape));
        }
    }

    [Theory]
    [InlineData("14x5x4", 3)]
    [InlineData("9x3x2", 0)]
    [InlineData("16x2x9", 4)]
    [InlineData("13x1x16", 1)]
    [InlineData("14x5x4", 5, "4,5,6,7,13")] // a whole group of four [PAD] keys inside the row, and one alone
    [InlineData("16x2x9", 3, "0,9,15")]
    public void The_wide_float_kernel_gives_the_row_kernels_bits(string shape, int pads, string? padAt = null)
    {
        // Where AVX-512 or AVX2 is native, float attention of 9 to 16 rows runs queries along 512-bit vectors; it sums in
        // the row kernel's order, so that every machine trains to the same numbers. With neither the wide kernel moves its
        // values element by element, so this test runs on every machine.
        switch (shape)
        {
            case "14x5x4": SameBits<Shape14x5x4>(pads, padAt); break;
            case "9x3x2": SameBits<Shape9x3x2>(pads, padAt); break;
            case "16x2x9": SameBits<Shape16x2x9>(pads, padAt); break;
            case "13x1x16": SameBits<Shape13x1x16>(pads, padAt); break;
            default: throw new ArgumentException($"no shape type for {shape}", nameof(shape));
        }
    }

    /// <summary>The two kernels on the same inputs, <paramref name="pads"/> [PAD] keys at the end or at <paramref name="padAt"/>.</summary>
    private static void SameBits<TShape>(int pads, string? padAt)
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, width = TShape.Heads * TShape.HeadWidth, square = TShape.Heads * maxLen * maxLen;
        var random = new SeededRandom((ulong)(maxLen + width));
        float[] Gaussian(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextGaussian()).ToArray();
        float[] q = Gaussian(maxLen * width), k = Gaussian(maxLen * width), v = Gaussian(maxLen * width), dContext = Gaussian(maxLen * width);
        int[] padKeys = padAt is null ? Enumerable.Range(maxLen - pads, pads).ToArray() : padAt.Split(',').Select(int.Parse).ToArray();
        Assert.Equal(pads, padKeys.Length);
        float scale = 1 / MathF.Sqrt(TShape.HeadWidth);

        float[][] Run(bool wide)
        {
            float[] scores = new float[square], attn = new float[square], context = new float[maxLen * width];
            float[] dAttn = new float[square], dScores = new float[square], dq = new float[maxLen * width], dk = new float[maxLen * width], dv = new float[maxLen * width];
            if (wide)
            {
                FusedAttention.WideForward<TShape>(q, k, v, padKeys, scores, attn, context, scale, -1e9f);
                FusedAttention.WideBackward<TShape>(dContext, q, k, v, attn, dAttn, dScores, dq, dk, dv, scale);
            }
            else
            {
                FusedAttention.RowForward<float, TShape>(q, k, v, padKeys, scores, attn, context, scale, -1e9f);
                FusedAttention.RowBackward<float, TShape>(dContext, q, k, v, attn, dAttn, dScores, dq, dk, dv, scale);
            }

            return [scores, attn, context, dAttn, dScores, dq, dk, dv];
        }

        var rows = Run(wide: false);
        var wideResults = Run(wide: true);
        string[] names = ["scores", "attn", "context", "dAttn", "dScores", "dq", "dk", "dv"];
        for (int t = 0; t < names.Length; t++)
        {
            for (int i = 0; i < rows[t].Length; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(rows[t][i]) == BitConverter.SingleToInt32Bits(wideResults[t][i]),
                    $"{typeof(TShape).Name} {names[t]}[{i}]: row kernel {rows[t][i]:R}, wide kernel {wideResults[t][i]:R}");
            }
        }
    }

    private static void Check<TShape>(int pads)
        where TShape : struct, IAttentionShape
    {
        Check<double, TShape>(pads, 1e-12);
        Check<float, TShape>(pads, 1e-5);
    }

    private static void Check<T, TShape>(int pads, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TShape : struct, IAttentionShape
    {
        int maxLen = TShape.MaxLen, heads = TShape.Heads, dk = TShape.HeadWidth;
        var random = new SeededRandom((ulong)((maxLen * 100) + (heads * 10) + dk));
        int width = heads * dk, square = heads * maxLen * maxLen;
        T[] Gaussian(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        T[] q = Gaussian(maxLen * width), k = Gaussian(maxLen * width), v = Gaussian(maxLen * width), dContext = Gaussian(maxLen * width);
        int[] padKeys = Enumerable.Range(maxLen - pads, pads).ToArray();
        double scale = 1 / Math.Sqrt(dk), masked = -1e9;

        var scores = new T[square];
        var attn = new T[square];
        var context = new T[maxLen * width];
        FusedAttention.Forward<T, TShape>(q, k, v, padKeys, scores, attn, context, T.CreateTruncating(scale), T.CreateTruncating(masked));

        var dAttn = new T[square];
        var dScores = new T[square];
        var dq = new T[maxLen * width];
        var dk_ = new T[maxLen * width];
        var dv = new T[maxLen * width];
        FusedAttention.Backward<T, TShape>(dContext, q, k, v, attn, dAttn, dScores, dq, dk_, dv, T.CreateTruncating(scale));

        // Without dAttn and dScores to write, the input gradients are the same to the bit.
        var dqAlone = new T[maxLen * width];
        var dkAlone = new T[maxLen * width];
        var dvAlone = new T[maxLen * width];
        FusedAttention.Backward<T, TShape>(dContext, q, k, v, attn, default, default, dqAlone, dkAlone, dvAlone, T.CreateTruncating(scale));
        Assert.Equal(dq, dqAlone);
        Assert.Equal(dk_, dkAlone);
        Assert.Equal(dv, dvAlone);

        double D(T x) => double.CreateTruncating(x);
        void Near(double expected, T actual, string what)
        {
            Assert.True(Math.Abs(expected - D(actual)) <= tolerance * Math.Max(1, Math.Abs(expected)),
                $"{typeof(T).Name} {maxLen}x{heads}x{dk}: {what} = {D(actual)}, expected {expected}");
        }

        for (int h = 0; h < heads; h++)
        {
            var p = new double[maxLen, maxLen];
            var dp = new double[maxLen, maxLen];
            var ds = new double[maxLen, maxLen];
            for (int i = 0; i < maxLen; i++)
            {
                var s = new double[maxLen];
                for (int j = 0; j < maxLen; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < dk; d++)
                    {
                        dot += D(q[(i * width) + (h * dk) + d]) * D(k[(j * width) + (h * dk) + d]);
                    }

                    s[j] = padKeys.Contains(j) ? masked : dot * scale;
                    Near(s[j], scores[(h * maxLen * maxLen) + (i * maxLen) + j], $"scores[{h},{i},{j}]");
                }

                double max = s.Max(), sum = s.Sum(x => Math.Exp(x - max));
                for (int j = 0; j < maxLen; j++)
                {
                    p[i, j] = Math.Exp(s[j] - max) / sum;
                    Near(p[i, j], attn[(h * maxLen * maxLen) + (i * maxLen) + j], $"attn[{h},{i},{j}]");
                }

                for (int d = 0; d < dk; d++)
                {
                    double c = 0;
                    for (int j = 0; j < maxLen; j++)
                    {
                        c += p[i, j] * D(v[(j * width) + (h * dk) + d]);
                    }

                    Near(c, context[(i * width) + (h * dk) + d], $"context[{i},{(h * dk) + d}]");
                }

                double weighted = 0;
                for (int j = 0; j < maxLen; j++)
                {
                    for (int d = 0; d < dk; d++)
                    {
                        dp[i, j] += D(dContext[(i * width) + (h * dk) + d]) * D(v[(j * width) + (h * dk) + d]);
                    }

                    weighted += p[i, j] * dp[i, j];
                    Near(dp[i, j], dAttn[(h * maxLen * maxLen) + (i * maxLen) + j], $"dAttn[{h},{i},{j}]");
                }

                for (int j = 0; j < maxLen; j++)
                {
                    ds[i, j] = p[i, j] * (dp[i, j] - weighted);
                    Near(ds[i, j], dScores[(h * maxLen * maxLen) + (i * maxLen) + j], $"dScores[{h},{i},{j}]");
                }
            }

            for (int r = 0; r < maxLen; r++)
            {
                for (int d = 0; d < dk; d++)
                {
                    double gq = 0, gk = 0, gv = 0;
                    for (int o = 0; o < maxLen; o++)
                    {
                        gq += ds[r, o] * D(k[(o * width) + (h * dk) + d]) * scale;
                        gk += ds[o, r] * D(q[(o * width) + (h * dk) + d]) * scale;
                        gv += p[o, r] * D(dContext[(o * width) + (h * dk) + d]);
                    }

                    int at = (r * width) + (h * dk) + d;
                    Near(gq, dq[at], $"dq[{r},{(h * dk) + d}]");
                    Near(gk, dk_[at], $"dk[{r},{(h * dk) + d}]");
                    Near(gv, dv[at], $"dv[{r},{(h * dk) + d}]");
                }
            }
        }
    }

    private readonly struct Shape14x5x4 : IAttentionShape
    {
        public static int MaxLen => 14;

        public static int Heads => 5;

        public static int HeadWidth => 4;
    }

    private readonly struct Shape9x3x2 : IAttentionShape
    {
        public static int MaxLen => 9;

        public static int Heads => 3;

        public static int HeadWidth => 2;
    }

    private readonly struct Shape16x2x9 : IAttentionShape
    {
        public static int MaxLen => 16;

        public static int Heads => 2;

        public static int HeadWidth => 9;
    }

    private readonly struct Shape13x1x16 : IAttentionShape
    {
        public static int MaxLen => 13;

        public static int Heads => 1;

        public static int HeadWidth => 16;
    }

    private readonly struct Shape1x2x3 : IAttentionShape
    {
        public static int MaxLen => 1;

        public static int Heads => 2;

        public static int HeadWidth => 3;
    }

    private readonly struct Shape8x2x8 : IAttentionShape
    {
        public static int MaxLen => 8;

        public static int Heads => 2;

        public static int HeadWidth => 8;
    }
}
