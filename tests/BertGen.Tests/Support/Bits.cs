using System.Numerics;

namespace BertGen.Tests.Support;

/// <summary>The bits of a float or double, for asserting that two computations agree to the bit.</summary>
internal static class Bits
{
    /// <summary>The value's IEEE bits, widened to 64.</summary>
    public static long Of<T>(T value)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? BitConverter.SingleToInt32Bits(float.CreateTruncating(value)) : BitConverter.DoubleToInt64Bits(double.CreateTruncating(value));
}
