using System.Numerics;
using BertGen.Data;
using BertGen.Kernels;
using BertGen.Tests.Support;

namespace BertGen.Tests.Kernels;

/// <summary>
/// Elementwise.AddColumnSums (a bias's gradient: the column sums of dy over a batch's rows) against each column summed
/// on its own, row after row, bit for bit, in float and double: widths below, at and past a vector, rows packed tight
/// and with a stride, m ending at the last row's last value, and nothing written past the sums.
/// </summary>
public sealed class ColumnSumsTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int n in new[] { 1, 2, 3, 7, 8, 12, 14, 20, 28, 32, 33, 40, 60, 64 })
        {
            foreach (int rows in new[] { 1, 3, 14, 84 })
            {
                data.Add(n, rows, n);
                data.Add(n, rows, n + 5);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_column_sums_as_it_would_alone(int n, int rows, int stride)
    {
        SumsAsAlone<float>(n, rows, stride);
        SumsAsAlone<double>(n, rows, stride);
    }

    private static void SumsAsAlone<T>(int n, int rows, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom((ulong)((n * 1000) + (rows * 10) + stride));
        var m = Enumerable.Range(0, ((rows - 1) * stride) + n).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        var start = Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextGaussian())).ToArray();
        var guard = T.CreateTruncating(12345.5);

        var expected = start.Append(guard).ToArray();
        for (int j = 0; j < n; j++)
        {
            for (int r = 0; r < rows; r++)
            {
                expected[j] += m[(r * stride) + j];
            }
        }

        var actual = start.Append(guard).ToArray();
        Elementwise.AddColumnSums<T>(m, stride, rows, actual.AsSpan(0, n));
        Assert.Equal(expected.Select(Bits.Of), actual.Select(Bits.Of));
    }
}
