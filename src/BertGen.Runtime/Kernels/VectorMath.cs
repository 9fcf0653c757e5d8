using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Kernels;

/// <summary>
/// Vector256 arithmetic the kernels share, generic over float and double: fused multiply-add, exp, and the exact GELU
/// with its derivative. Float uses the vectorised erf of <see cref="Erf.Float"/>; double computes erf lane by lane
/// with <see cref="Erf.Double"/>, exact to 1e-15, for gradient checks.
/// </summary>
public static class VectorMath
{
    private const float InvSqrt2 = 0.70710678118654752440f;
    private const float InvSqrt2Pi = 0.39894228040143267794f;

    /// <summary>a * b + c with one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    /// <summary>e^x per lane: <see cref="ExpFloat(Vector256{float})"/> or <see cref="ExpDouble(Vector256{double})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return ExpFloat(x.AsSingle()).As<float, T>();
        }

        return ExpDouble(x.AsDouble()).As<double, T>();
    }

    /// <summary>
    /// e^x in double precision: x = n ln 2 + r with |r| at most ln(2)/2 (ln 2 in two parts, Cephes'), e^r as Cephes'
    /// rational approximation 1 + 2r P(r^2) / (Q(r^2) - r P(r^2)), and n added to the exponent bits. Within 2 ulp; 0 below
    /// -708.39 (so that a masked score's weight is exactly 0). The runtime's Vector256.Exp gives other bits before and
    /// after the JIT recompiles it (tiered compilation); this, made of fused multiply-adds, divisions and exact steps
    /// only, gives the same bits at every tier and on every machine with FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpDouble(Vector256<double> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(-708.39));
        x = Vector256.MinNative(Vector256.Create(709.78), x); // the IEEE Min's result for any x (see ExpFloat)
        var n = Vector256.Round(x * Vector256.Create(1.4426950408889634073599));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-6.93145751953125E-1), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-1.42860682030941723212E-6), r);
        var rr = r * r;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(1.26177193074810590878E-4), rr, Vector256.Create(3.02994407707441961300E-2));
        p = Vector256.FusedMultiplyAdd(p, rr, Vector256.Create(9.99999999999999999910E-1)) * r;
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(3.00198505138664455042E-6), rr, Vector256.Create(2.52448340349684104192E-3));
        q = Vector256.FusedMultiplyAdd(q, rr, Vector256.Create(2.27265548208155028766E-1));
        q = Vector256.FusedMultiplyAdd(q, rr, Vector256.Create(2.00000000000000000009E0));
        var y = Vector256.FusedMultiplyAdd(p / (q - p), Vector256.Create(2.0), Vector256<double>.One);

        // n lies in [-1022, 1023] where the result is kept, so 2^n is a normal number.
        var scale = (Vector256.ConvertToInt64(n) + Vector256.Create(1023L)) << 52;
        return Vector256.AndNot(y * scale.AsDouble(), underflow);
    }

    /// <summary>
    /// e^x in single precision without leaving it (the runtime's float exp computes in double): x = n ln 2 + r with
    /// |r| at most ln(2)/2, a degree-6 polynomial for e^r (Cephes' coefficients), and n added to the exponent bits.
    /// Within 2 ulp; 0 below -87.3 (so that a masked score's weight is exactly 0); fused multiply-adds only, so the
    /// result is the same on every machine with FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpFloat(Vector256<float> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(-87.33f));
        // Min(x, 88.37) as one vminps: with the constant first, a NaN x comes out as itself, as the IEEE Min would give it
        // (whose NaN and signed-zero handling takes eight instructions a vector without AVX-512).
        x = Vector256.MinNative(Vector256.Create(88.37f), x);
        var n = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500E-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507E-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073E-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894E-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459E-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201E-1f));
        var y = Vector256.FusedMultiplyAdd(p * r, r, r) + Vector256<float>.One;
        // n lies in [-inf, 128]: the conversion need not saturate (its lanes below -87.33 are replaced by 0 anyway).
        var scale = (Vector256.ConvertToInt32Native(n) + Vector256.Create(127)) << 23;
        // Zero where x underflows: the comparison's lanes are all ones or all zeros, so one and-not does what a select
        // with zero does (which the JIT built from a not, an and and an or where 512-bit vectors are two halves).
        return Vector256.AndNot(y * scale.AsSingle(), underflow);
    }

    /// <summary>
    /// <see cref="ExpFloat(Vector256{float})"/> on sixteen lanes: the same operations, so the same results. For loops over
    /// many independent values where 512-bit vectors are native (measured twice the throughput of the eight-lane form on a
    /// processor that runs a 512-bit operation as two halves: one scheduler entry carries twice the lanes through the
    /// polynomial's chain of dependent steps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpFloat(Vector512<float> x)
    {
        var underflow = Vector512.LessThan(x, Vector512.Create(-87.33f));
        x = Vector512.MinNative(Vector512.Create(88.37f), x);
        var n = Vector512.Round(x * Vector512.Create(1.44269504088896341f));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500E-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201E-1f));
        var y = Vector512.FusedMultiplyAdd(p * r, r, r) + Vector512<float>.One;
        var scale = (Vector512.ConvertToInt32Native(n) + Vector512.Create(127)) << 23;
        return Vector512.AndNot(y * scale.AsSingle(), underflow);
    }

    /// <summary>gelu(x) = x/2 (1 + erf(x/sqrt 2)) per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Gelu<T>(Vector256<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Gelu(x, GeluErf(x));

    /// <summary>gelu'(x) = Phi(x) + x phi(x) per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GeluDerivative<T>(Vector256<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => GeluDerivative(x, GeluErf(x));

    /// <summary>erf(x / sqrt 2) per lane (<see cref="Kernels.Gelu.ErfOf{T}"/>): what gelu and its derivative share.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GeluErf<T>(Vector256<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return ErfFloat(x.AsSingle() * InvSqrt2).As<float, T>();
        }

        var d = x.AsDouble();
        return Vector256.Create(Kernels.Gelu.ErfOf(d[0]), Kernels.Gelu.ErfOf(d[1]), Kernels.Gelu.ErfOf(d[2]), Kernels.Gelu.ErfOf(d[3])).As<double, T>();
    }

    /// <summary>gelu(x) per lane from x and <paramref name="erf"/>, <see cref="GeluErf{T}"/> of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Gelu<T>(Vector256<T> x, Vector256<T> erf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return (Vector256.Create(0.5f) * x.AsSingle() * (Vector256<float>.One + erf.AsSingle())).As<float, T>();
        }

        var d = x.AsDouble();
        var e = erf.AsDouble();
        return Vector256.Create(
            Kernels.Gelu.FromErf(d[0], e[0]), Kernels.Gelu.FromErf(d[1], e[1]), Kernels.Gelu.FromErf(d[2], e[2]), Kernels.Gelu.FromErf(d[3], e[3])).As<double, T>();
    }

    /// <summary>gelu'(x) per lane from x and <paramref name="erf"/>, <see cref="GeluErf{T}"/> of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GeluDerivative<T>(Vector256<T> x, Vector256<T> erf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var f = x.AsSingle();
            var cdf = Vector256.Create(0.5f) * (Vector256<float>.One + erf.AsSingle());
            return (cdf + (f * InvSqrt2Pi * ExpFloat(Vector256.Create(-0.5f) * f * f))).As<float, T>();
        }

        var d = x.AsDouble();
        var e = erf.AsDouble();
        return Vector256.Create(
            Kernels.Gelu.DerivativeFromErf(d[0], e[0]), Kernels.Gelu.DerivativeFromErf(d[1], e[1]),
            Kernels.Gelu.DerivativeFromErf(d[2], e[2]), Kernels.Gelu.DerivativeFromErf(d[3], e[3])).As<double, T>();
    }

    /// <summary>The rational erf approximation of <see cref="Erf.Float"/>, eight lanes at a time (same operations, same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ErfFloat(Vector256<float> x)
    {
        x = Vector256.MinNative(Vector256.Create(4f), Vector256.MaxNative(Vector256.Create(-4f), x)); // as in ExpFloat
        var x2 = x * x;
        var p = Vector256.Create(-2.72614225801306e-10f);
        p = (p * x2) + Vector256.Create(2.77068142495902e-08f);
        p = (p * x2) - Vector256.Create(2.10102402082508e-06f);
        p = (p * x2) - Vector256.Create(5.69250639462346e-05f);
        p = (p * x2) - Vector256.Create(7.34990630326855e-04f);
        p = (p * x2) - Vector256.Create(2.95459980854025e-03f);
        p = (p * x2) - Vector256.Create(1.60960333262415e-02f);
        var q = Vector256.Create(-1.45660718464996e-05f);
        q = (q * x2) - Vector256.Create(2.13374055278905e-04f);
        q = (q * x2) - Vector256.Create(1.68282697438203e-03f);
        q = (q * x2) - Vector256.Create(7.37332916720468e-03f);
        q = (q * x2) - Vector256.Create(1.42647390514189e-02f);
        return x * p / q;
    }

    /// <summary><see cref="Gelu{T}(Vector256{T})"/> in float on sixteen lanes (the same operations, the same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x) => Gelu(x, GeluErf(x));

    /// <summary><see cref="GeluDerivative{T}(Vector256{T})"/> in float on sixteen lanes (the same operations, the same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluDerivative(Vector512<float> x) => GeluDerivative(x, GeluErf(x));

    /// <summary><see cref="Gelu{T}(Vector256{T}, Vector256{T})"/> in float on sixteen lanes (the same operations, the same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x, Vector512<float> erf) => Vector512.Create(0.5f) * x * (Vector512<float>.One + erf);

    /// <summary><see cref="GeluErf{T}"/> in float on sixteen lanes (the same operations, the same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluErf(Vector512<float> x) => ErfFloat(x * InvSqrt2);

    /// <summary><see cref="GeluDerivative{T}(Vector256{T}, Vector256{T})"/> in float on sixteen lanes (the same operations, the same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluDerivative(Vector512<float> x, Vector512<float> erf)
    {
        var cdf = Vector512.Create(0.5f) * (Vector512<float>.One + erf);
        return cdf + (x * InvSqrt2Pi * ExpFloat(Vector512.Create(-0.5f) * x * x));
    }

    /// <summary><see cref="ErfFloat(Vector256{float})"/> on sixteen lanes (the same operations, the same results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ErfFloat(Vector512<float> x)
    {
        x = Vector512.MinNative(Vector512.Create(4f), Vector512.MaxNative(Vector512.Create(-4f), x));
        var x2 = x * x;
        var p = Vector512.Create(-2.72614225801306e-10f);
        p = (p * x2) + Vector512.Create(2.77068142495902e-08f);
        p = (p * x2) - Vector512.Create(2.10102402082508e-06f);
        p = (p * x2) - Vector512.Create(5.69250639462346e-05f);
        p = (p * x2) - Vector512.Create(7.34990630326855e-04f);
        p = (p * x2) - Vector512.Create(2.95459980854025e-03f);
        p = (p * x2) - Vector512.Create(1.60960333262415e-02f);
        var q = Vector512.Create(-1.45660718464996e-05f);
        q = (q * x2) - Vector512.Create(2.13374055278905e-04f);
        q = (q * x2) - Vector512.Create(1.68282697438203e-03f);
        q = (q * x2) - Vector512.Create(7.37332916720468e-03f);
        q = (q * x2) - Vector512.Create(1.42647390514189e-02f);
        return x * p / q;
    }

    /// <summary>The largest lane, by halving: 8 lanes to 4 to 2 to 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross<T>(Vector256<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var half = Vector128.MaxNative(v.GetLower(), v.GetUpper());
        if (typeof(T) == typeof(float))
        {
            var f = half.AsSingle();
            f = Vector128.MaxNative(f, Vector128.Shuffle(f, Vector128.Create(2, 3, 0, 1)));
            f = Vector128.MaxNative(f, Vector128.Shuffle(f, Vector128.Create(1, 0, 3, 2)));
            return f.As<float, T>().ToScalar();
        }

        var d = half.AsDouble();
        return Vector128.MaxNative(d, Vector128.Shuffle(d, Vector128.Create(1L, 0L))).As<double, T>().ToScalar();
    }

    /// <summary>
    /// How many of <paramref name="rows"/> rows, row r's vector starting at start + r * stride, lie whole inside
    /// <paramref name="length"/> values: those rows' vectors can be read with plain loads, and only the rest need a
    /// masked one.
    /// </summary>
    internal static int RowsWithWholeVector<T>(int length, int start, int stride, int rows)
        where T : unmanaged
    {
        int room = length - start - Vector256<T>.Count;
        return room < 0 ? 0 : Math.Min(rows, (room / stride) + 1);
    }

    /// <summary>
    /// Loads the first <paramref name="count"/> (fewer than a vector's) values, the other lanes set to <paramref name="fill"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadPartial<T>(ReadOnlySpan<T> values, int count, T fill)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        _ = values[count - 1];
        var mask = LaneMask<T>(count);
        return Vector256.ConditionalSelect(mask, LoadMasked(ref MemoryMarshal.GetReference(values), mask), Vector256.Create(fill));
    }

    /// <summary>Stores the first <paramref name="count"/> (fewer than a vector's) lanes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial<T>(Vector256<T> v, Span<T> destination, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        _ = destination[count - 1];
        StoreMasked(v, ref MemoryMarshal.GetReference(destination), LaneMask<T>(count));
    }

    /// <summary>All bits set in the first <paramref name="count"/> lanes (0 to a vector's count), clear in the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LaneMask<T>(int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref long lanes = ref MemoryMarshal.GetReference(LaneMaskBits);
        if (typeof(T) == typeof(float))
        {
            return Vector256.LoadUnsafe(ref Unsafe.As<long, int>(ref lanes), (nuint)(8 - count)).As<int, T>();
        }

        return Vector256.LoadUnsafe(ref lanes, (nuint)(4 - count)).As<long, T>();
    }

    /// <summary>
    /// <see cref="LoadMasked{T}(ref T, Vector256{T})"/>, or, where the caller knows that the whole vector from
    /// <paramref name="source"/> lies inside its memory (<paramref name="whole"/>; see <see cref="RowsWithWholeVector{T}"/>),
    /// a plain load, masked: the same lanes, without the masked load's pointer, which the JIT pins through a stack slot
    /// around every load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadMasked<T>(ref T source, Vector256<T> mask, bool whole)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        whole ? Vector256.LoadUnsafe(ref source) & mask : LoadMasked(ref source, mask);

    /// <summary>
    /// Reads the lanes that <paramref name="mask"/> selects from <paramref name="source"/> onwards, 0 in the others,
    /// without touching the memory of the others.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<T> LoadMasked<T>(ref T source, Vector256<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Avx.IsSupported)
        {
            fixed (T* p = &source)
            {
                return typeof(T) == typeof(float)
                    ? Avx.MaskLoad((float*)p, mask.AsSingle()).As<float, T>()
                    : Avx.MaskLoad((double*)p, mask.AsDouble()).As<double, T>();
            }
        }

        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = mask[i] != T.Zero ? Unsafe.Add(ref source, i) : T.Zero;
        }

        return Vector256.Create((ReadOnlySpan<T>)lanes);
    }

    /// <summary>
    /// Writes the lanes of <paramref name="v"/> that <paramref name="mask"/> selects, and no other memory. The mask is
    /// a prefix of lanes, as <see cref="LaneMask{T}"/> makes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreMasked<T>(Vector256<T> v, ref T destination, Vector256<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Avx512F.VL.IsSupported)
        {
            fixed (T* p = &destination)
            {
                if (typeof(T) == typeof(float))
                {
                    Avx512F.VL.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
                }
                else
                {
                    Avx512F.VL.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
                }
            }
        }
        else if (Avx.IsSupported)
        {
            // AVX's masked store is microcoded on AMD (on an AMD EPYC without AVX-512 it made the stores of a row of
            // 7 or 14 values the hottest code of the seed step), so the prefix goes out as plain stores of 16, 8 and 4
            // bytes instead, through the reference itself: a pointer would need the destination pinned, and the JIT
            // keeps a pinned reference in a stack slot, storing, reloading and clearing it around every store. (The
            // two overlapping stores of the overload below, here too, made the JIT keep a 6x2 product block's twelve
            // accumulators on the stack through its loop under tiered compilation: a large product three times slower.)
            StorePrefix(ref Unsafe.As<T, byte>(ref destination), v.AsByte(), BitOperations.PopCount(mask.ExtractMostSignificantBits()) * sizeof(T));
        }
        else
        {
            for (int i = 0; i < Vector256<T>.Count; i++)
            {
                if (mask[i] != T.Zero)
                {
                    Unsafe.Add(ref destination, i) = v[i];
                }
            }
        }
    }

    /// <summary>
    /// <see cref="StoreMasked{T}(Vector256{T}, ref T, Vector256{T})"/> for a store that repeats (the last vector of every
    /// row of a product), its mask's <paramref name="count"/> of lanes and <see cref="LastFour"/> of it worked out once:
    /// four to eight floats go out as lanes 0-3, then lanes count - 4 to count - 1 in their place, two 16-byte stores that
    /// overlap where count is under eight and write the same values there (a fifth of the instructions of the stores of
    /// 16, 8 and 4 bytes, with their tests). With AVX-512 too, whose masked store is no slower in itself: its 32 bytes
    /// reach past the row's end, so a product that adds onto C, reading the next row's first vector just after, waited
    /// at each row for the store to leave the store buffer (a native profile of the seed step on an AMD EPYC with
    /// AVX-512: 6-7% of the weight gradients' 7-wide block at each of its seven reads of C; bench/RESULTS.md, the
    /// thirteenth round).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked<T>(Vector256<T> v, ref T destination, Vector256<T> mask, int count, Vector256<int> lastFour)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx2.IsSupported && count >= 4)
        {
            ref float to = ref Unsafe.As<T, float>(ref destination);
            v.AsSingle().GetLower().StoreUnsafe(ref to);
            Avx2.PermuteVar8x32(v.AsSingle(), lastFour).GetLower().StoreUnsafe(ref to, (nuint)(count - 4));
            return;
        }

        StoreMasked(v, ref destination, mask);
    }

    /// <summary>The permutation that brings lanes count - 4 to count - 1 of eight floats to the first four.</summary>
    public static Vector256<int> LastFour(int count) => Vector256.Create(count - 4) + Vector256.Create(0, 1, 2, 3, 0, 0, 0, 0);

    /// <summary>The first <paramref name="bytes"/> (a multiple of 4, at most 32) bytes of <paramref name="v"/>, as plain stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePrefix(ref byte p, Vector256<byte> v, int bytes)
    {
        var part = v.GetLower();
        if (bytes >= 16)
        {
            part.StoreUnsafe(ref p);
            if (bytes == 32)
            {
                v.GetUpper().StoreUnsafe(ref p, 16);
                return;
            }

            p = ref Unsafe.Add(ref p, 16);
            bytes -= 16;
            part = v.GetUpper();
        }

        if (bytes >= 8)
        {
            Unsafe.WriteUnaligned(ref p, part.AsUInt64().ToScalar());
            p = ref Unsafe.Add(ref p, 8);
            bytes -= 8;
            part = Vector128.CreateScalar(part.AsUInt64().GetElement(1)).AsByte();
        }

        if (bytes >= 4)
        {
            Unsafe.WriteUnaligned(ref p, part.AsUInt32().ToScalar());
        }
    }

    /// <summary>
    /// y += x over one row of a width known when the kernel is compiled: whole vectors, then scalars (a masked vector for
    /// the rest measured slower for short rows on AMD, where masked stores are microcoded).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T, TWidth>(Span<T> y, ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IRowWidth
    {
        int width = TWidth.Width, vc = Vector256<T>.Count, full = width / vc * vc;
        _ = y[width - 1];
        _ = x[width - 1];
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T xr = ref MemoryMarshal.GetReference(x);
        for (nuint at = 0; (int)at < full; at += (nuint)vc)
        {
            (Vector256.LoadUnsafe(ref yr, at) + Vector256.LoadUnsafe(ref xr, at)).StoreUnsafe(ref yr, at);
        }

        for (int i = full; i < width; i++)
        {
            Unsafe.Add(ref yr, i) += Unsafe.Add(ref xr, i);
        }
    }

    // Four set 64-bit lanes then four clear: the lane masks are windows of it (8 ints or 4 longs wide).
    private static ReadOnlySpan<long> LaneMaskBits => [-1, -1, -1, -1, 0, 0, 0, 0];
}
