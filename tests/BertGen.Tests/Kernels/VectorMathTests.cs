using System.Numerics;
using System.Runtime.Intrinsics;
using BertGen.Kernels;

namespace BertGen.Tests.Kernels;

public sealed class VectorMathTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Float_exp_is_within_2_ulp_of_the_double_one_and_underflows_to_exactly_zero()
    {
        // Normal results: relative error at most 2 ulp of a float (2^-22).
        for (double x = -87; x <= 88; x += 0.0137)
        {
            float got = VectorMath.ExpFloat(Vector256.Create((float)x))[3];
            double exact = Math.Exp((float)x);
            Assert.True(Math.Abs(got - exact) <= exact * Math.Pow(2, -22), $"exp({(float)x}) = {got}, exactly {exact}");
        }

        Assert.Equal(0f, VectorMath.ExpFloat(Vector256.Create(-1e9f))[0]);
        Assert.Equal(0f, VectorMath.ExpFloat(Vector256.Create(float.NegativeInfinity))[0]);
        Assert.Equal(1f, VectorMath.ExpFloat(Vector256.Create(0f))[0]);
    }

    [Fact]
    public void Double_exp_is_within_2_ulp_of_the_runtimes_and_underflows_to_exactly_zero()
    {
        double worst = 0;
        for (double x = -708; x <= 709; x += 0.00731)
        {
            double got = VectorMath.ExpDouble(Vector256.Create(x))[2];
            double exact = Math.Exp(x);
            worst = Math.Max(worst, Math.Abs(got - exact) / exact);
            Assert.True(Math.Abs(got - exact) <= exact * Math.Pow(2, -51), $"exp({x}) = {got:R}, Math.Exp gives {exact:R}");
        }

        output.WriteLine($"largest relative difference from Math.Exp: {worst:E2}");
        Assert.Equal(0d, VectorMath.ExpDouble(Vector256.Create(-1e9))[0]);
        Assert.Equal(0d, VectorMath.ExpDouble(Vector256.Create(double.NegativeInfinity))[0]);
        Assert.Equal(1d, VectorMath.ExpDouble(Vector256.Create(0d))[0]);
    }

    [Fact]
    public void Float_erf_is_within_a_few_float_ulps_of_the_double_erf()
    {
        double worst = 0;
        for (double x = -6; x <= 6; x += 0.00001)
        {
            worst = Math.Max(worst, Math.Abs(Erf.Float((float)x) - Erf.Double((float)x)));
            Assert.Equal(Erf.Float((float)x), VectorMath.ErfFloat(Vector256.Create((float)x))[5]);
        }

        Assert.True(worst < 5e-7, $"largest error {worst}"); // measured on this grid: 4.2e-7 near +-3.7, 7 ulp of 1
        output.WriteLine($"largest error {worst:E2}");
    }

    [Fact]
    public void Sixteen_lane_exp_erf_and_gelu_equal_the_eight_lane_forms_lane_for_lane()
    {
        var random = new Random(7);
        for (int round = 0; round < 2000; round++)
        {
            var lanes = Enumerable.Range(0, 16).Select(_ => (float)((random.NextDouble() * 24) - 16)).ToArray();
            lanes[round % 16] = round % 3 == 0 ? -1e9f : lanes[round % 16];
            var wide = Vector512.Create(lanes);
            var low = Vector256.Create(lanes.AsSpan(0, 8));
            var high = Vector256.Create(lanes.AsSpan(8, 8));
            Assert.Equal(Vector512.Create(VectorMath.ExpFloat(low), VectorMath.ExpFloat(high)), VectorMath.ExpFloat(wide));
            Assert.Equal(Vector512.Create(VectorMath.ErfFloat(low), VectorMath.ErfFloat(high)), VectorMath.ErfFloat(wide));
            Assert.Equal(Vector512.Create(VectorMath.Gelu(low), VectorMath.Gelu(high)), VectorMath.Gelu(wide));
            Assert.Equal(Vector512.Create(VectorMath.GeluDerivative(low), VectorMath.GeluDerivative(high)), VectorMath.GeluDerivative(wide));
        }
    }

    [Fact]
    public void Gelu_over_a_span_equals_the_vector_form_at_every_length()
    {
        // Lengths that end inside a 16-lane step, an 8-lane step and a partial one.
        var random = new Random(11);
        for (int n = 1; n <= 41; n++)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 10) - 5)).ToArray();
            var dy = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
            var y = new float[n];
            var dx = new float[n];
            Elementwise.GeluForward<float>(x, y);
            Elementwise.GeluBackward<float>(dy, x, dx);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(VectorMath.Gelu(Vector256.Create(x[i]))[0], y[i]);
                Assert.Equal(dy[i] * VectorMath.GeluDerivative(Vector256.Create(x[i]))[0], dx[i]);
            }
        }
    }

    [Fact]
    public void Gelu_keeping_erf_for_the_backward_pass_gives_the_same_bits_as_working_it_out_again()
    {
        KeptErf<float>();
        KeptErf<double>();
    }

    private static void KeptErf<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Lengths that end inside a 16-lane step, an 8-lane step and a partial one; values where erf saturates too.
        var random = new Random(13);
        for (int n = 1; n <= 41; n++)
        {
            var x = Enumerable.Range(0, n).Select(_ => T.CreateTruncating((random.NextDouble() * 14) - 7)).ToArray();
            var dy = Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray();
            var y = new T[n];
            var yKept = new T[n];
            var erf = new T[n];
            var dx = new T[n];
            var dxKept = new T[n];
            Elementwise.GeluForward<T>(x, y);
            Elementwise.GeluForward<T>(x, yKept, erf);
            Elementwise.GeluBackward<T>(dy, x, dx);
            Elementwise.GeluBackward<T>(dy, x, erf, dxKept);
            Assert.Equal(y, yKept);
            Assert.Equal(dx, dxKept);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Gelu.ErfOf(x[i]), erf[i]);
                if (typeof(T) == typeof(double))
                {
                    // Doubles go lane by lane through the scalar forms (floats' derivative has its own exponential).
                    Assert.Equal(Gelu.Forward(x[i]), y[i]);
                    Assert.Equal(dy[i] * Gelu.Derivative(x[i]), dx[i]);
                }
            }
        }
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.520499877813046537682746653892)]
    [InlineData(1.0, 0.842700792949714869341220635083)]
    [InlineData(-2.0, -0.995322265018952734162069256367)]
    [InlineData(3.0, 0.999977909503001414558627223870)]
    [InlineData(4.5, 0.999999999803383955845711)]
    public void Double_erf_agrees_with_reference_values_to_1e_15(double x, double erf) =>
        Assert.Equal(erf, Erf.Double(x), 1e-15);

    [Theory]
    [InlineData(7, 0, 7, 1, 0)] // one row of 7: its vector of 8 runs past the end
    [InlineData(14, 0, 7, 2, 1)]
    [InlineData(98, 0, 7, 14, 13)] // a seed sample's rows: all but the last
    [InlineData(100, 0, 7, 14, 14)] // room after the last row
    [InlineData(7, 4, 7, 1, 0)]
    [InlineData(56, 0, 8, 7, 7)] // rows of exactly one vector
    [InlineData(8, 1, 8, 1, 0)]
    [InlineData(5, 0, 5, 1, 0)]
    public void Rows_whose_vector_fits_are_counted_from_the_first(int length, int start, int stride, int rows, int expected)
    {
        Assert.Equal(expected, VectorMath.RowsWithWholeVector<float>(length, start, stride, rows));
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(r < expected, start + (r * stride) + 8 <= length);
        }
    }

    [Fact]
    public void A_masked_store_writes_its_lanes_and_no_other_memory()
    {
        StoresPrefixes<float>();
        StoresPrefixes<double>();
    }

    private static void StoresPrefixes<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        var v = Vector256.Create(Enumerable.Range(1, vc).Select(i => T.CreateTruncating(i)).ToArray());
        for (int count = 0; count <= vc; count++)
        {
            // The store that works its count out from the mask, and the one that is given it (a product's row ends).
            foreach (bool counted in new[] { false, true })
            {
                for (int at = 0; at < 3; at++)
                {
                    // A guard of -1 on both sides, the stores starting at each of three offsets.
                    var memory = Enumerable.Repeat(-T.One, (2 * vc) + 3).ToArray();
                    var mask = VectorMath.LaneMask<T>(count);
                    if (counted)
                    {
                        VectorMath.StoreMasked(v, ref memory[at + 1], mask, count, VectorMath.LastFour(count));
                    }
                    else
                    {
                        VectorMath.StoreMasked(v, ref memory[at + 1], mask);
                    }

                    var expected = Enumerable.Repeat(-T.One, memory.Length).ToArray();
                    for (int i = 0; i < count; i++)
                    {
                        expected[at + 1 + i] = T.CreateTruncating(i + 1);
                    }

                    Assert.True(expected.SequenceEqual(memory), $"{typeof(T).Name}, {count} lanes at {at + 1}, counted {counted}: [{string.Join(", ", memory)}]");
                }
            }
        }
    }

    [Fact]
    public void Exp_and_erf_keep_a_nan_and_clamp_the_infinities_in_optimised_code()
    {
        // Their clamps are one vminps or vmaxps with the constant first, which returns a NaN operand as the IEEE Min and
        // Max do; compiled fully optimised here, as the kernels run.
        var (exp8, exp16, erf8, erf16, expD) = Clamped(float.NaN, double.NaN);
        Assert.True(float.IsNaN(exp8) && float.IsNaN(exp16) && float.IsNaN(erf8) && float.IsNaN(erf16) && double.IsNaN(expD));
        (exp8, exp16, erf8, erf16, expD) = Clamped(float.NegativeInfinity, double.NegativeInfinity);
        Assert.Equal((0f, 0f, -1f, -1f, 0d), (exp8, exp16, MathF.Round(erf8, 5), MathF.Round(erf16, 5), expD));
        (exp8, exp16, erf8, erf16, expD) = Clamped(float.PositiveInfinity, double.PositiveInfinity);
        Assert.True(exp8 > 1e38f && exp16 == exp8 && MathF.Round(erf8, 5) == 1f && erf16 == erf8 && expD > 1e307);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (float Exp8, float Exp16, float Erf8, float Erf16, double ExpD) Clamped(float x, double d) => (
        VectorMath.ExpFloat(Vector256.Create(x)).ToScalar(),
        VectorMath.ExpFloat(Vector512.Create(x)).ToScalar(),
        VectorMath.ErfFloat(Vector256.Create(x)).ToScalar(),
        VectorMath.ErfFloat(Vector512.Create(x)).ToScalar(),
        VectorMath.ExpDouble(Vector256.Create(d)).ToScalar());
}
