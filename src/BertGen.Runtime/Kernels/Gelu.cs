using System.Numerics;
using System.Runtime.CompilerServices;

namespace BertGen.Kernels;

/// <summary>
/// The exact GELU, gelu(z) = z/2 (1 + erf(z/sqrt 2)), and its derivative, in float or double.
/// </summary>
/// <remarks>
/// .NET has no erf. Floats use a rational approximation good to a few float ulps (max abs error 4.2e-7 on the
/// whole line); doubles use a series and a continued fraction good to 1e-15, so that gradient checks in double see
/// the true derivative.
/// </remarks>
public static class Gelu
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    /// <summary>gelu(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Forward<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> => FromErf(x, ErfOf(x));

    /// <summary>d gelu(x) / dx = Phi(x) + x phi(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Derivative<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> => DerivativeFromErf(x, ErfOf(x));

    /// <summary>erf(x / sqrt 2), the part of gelu(x) and of its derivative a forward pass can keep for the backward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ErfOf<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float e = Erf.Float(Unsafe.As<T, float>(ref x) * (float)InvSqrt2);
            return Unsafe.As<float, T>(ref e);
        }

        return T.CreateTruncating(Erf.Double(double.CreateTruncating(x) * InvSqrt2));
    }

    /// <summary>gelu(x) from x and <paramref name="erf"/>, <see cref="ErfOf{T}"/> of x: x/2 (1 + erf).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromErf<T>(T x, T erf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float y = 0.5f * Unsafe.As<T, float>(ref x) * (1f + Unsafe.As<T, float>(ref erf));
            return Unsafe.As<float, T>(ref y);
        }

        return T.CreateTruncating(0.5 * double.CreateTruncating(x) * (1.0 + double.CreateTruncating(erf)));
    }

    /// <summary>gelu'(x) from x and <paramref name="erf"/>, <see cref="ErfOf{T}"/> of x: (1 + erf)/2 + x phi(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T DerivativeFromErf<T>(T x, T erf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float f = Unsafe.As<T, float>(ref x);
            float y = (0.5f * (1f + Unsafe.As<T, float>(ref erf))) + (f * (float)InvSqrt2Pi * MathF.Exp(-0.5f * f * f));
            return Unsafe.As<float, T>(ref y);
        }

        double d = double.CreateTruncating(x);
        return T.CreateTruncating((0.5 * (1.0 + double.CreateTruncating(erf))) + (d * InvSqrt2Pi * Math.Exp(-0.5 * d * d)));
    }
}
