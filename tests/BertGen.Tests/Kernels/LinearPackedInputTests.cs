using System.Numerics;
using BertGen.Kernels;

namespace BertGen.Tests.Kernels;

/// <summary>A linear layer's backward pass given x's rows packed once (q, k and v read the same x) against packing them itself.</summary>
public sealed class LinearPackedInputTests
{
    [Theory]
    [InlineData(WeightGradientSum.GatheredRows, 6, 14)]
    [InlineData(WeightGradientSum.GatheredRows, 3, 5)]
    [InlineData(WeightGradientSum.PerSample, 4, 9)]
    public void Backward_with_rows_packed_once_gives_the_bits_it_gives_packing_them_itself(WeightGradientSum sum, int samples, int rows)
    {
        Same<float>(sum, samples, rows);
        Same<double>(sum, samples, rows);
    }

    [Fact]
    public void Packed_rows_of_another_length_are_refused()
    {
        var x = new float[2 * 5 * Shape.In];
        var dy = new float[2 * 5 * Shape.Out];
        var packed = Linear.PackInput<float, Shape>(Rows(x, 2, 5, Shape.In), WeightGradientSum.GatheredRows).ToArray();
        var error = Assert.Throws<ArgumentException>(() => Linear.Backward<float, Shape>(
            new float[Shape.Out * Shape.In], Rows(x, 2, 5, Shape.In), Rows(dy, 2, 5, Shape.Out), new Rows<float>(new float[x.Length], 0, 5 * Shape.In, 2, 5, Shape.In),
            new float[Shape.Out * Shape.In], new float[Shape.Out], accumulateDx: false, WeightGradientSum.GatheredRows, packed.AsSpan(1)));
        Assert.Contains("packed rows", error.Message);
    }

    private static void Same<T>(WeightGradientSum sum, int samples, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(3);
        T[] Values(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray();
        var w = Values(Shape.Out * Shape.In);
        var x = Values(samples * rows * Shape.In);
        var dys = new[] { Values(samples * rows * Shape.Out), Values(samples * rows * Shape.Out) };
        var start = Values(x.Length);

        // Two layers reading the same x, as k and v follow q: each adds onto dx and into its own gradients.
        (T[] Dx, T[] Dw, T[] Db) Run(bool packOnce)
        {
            var dx = (T[])start.Clone();
            var dw = new T[w.Length];
            var db = new T[Shape.Out];
            var packed = packOnce ? Linear.PackInput<T, Shape>(Rows(x, samples, rows, Shape.In), sum) : default;
            foreach (var dy in dys)
            {
                var dxRows = new Rows<T>(dx, 0, rows * Shape.In, samples, rows, Shape.In);
                if (packOnce)
                {
                    Linear.Backward<T, Shape>(w, Rows(x, samples, rows, Shape.In), Rows(dy, samples, rows, Shape.Out), dxRows, dw, db, true, sum, packed);
                }
                else
                {
                    Linear.Backward<T, Shape>(w, Rows(x, samples, rows, Shape.In), Rows(dy, samples, rows, Shape.Out), dxRows, dw, db, true, sum);
                }
            }

            return (dx, dw, db);
        }

        var itself = Run(packOnce: false);
        var once = Run(packOnce: true);
        Assert.Equal(itself.Dx, once.Dx);
        Assert.Equal(itself.Dw, once.Dw);
        Assert.Equal(itself.Db, once.Db);
        Assert.Contains(itself.Dw, v => v != T.Zero);
    }

    private static ReadOnlyRows<T> Rows<T>(T[] values, int samples, int rows, int width)
        where T : unmanaged => new(values, 0, rows * width, samples, rows, width);

    private readonly struct Shape : ILinearShape
    {
        public const int In = 7;
        public const int Out = 20;

        public static int Inputs => In;

        public static int Outputs => Out;
    }
}
