using System.Globalization;

namespace BertGen.Explore;

/// <summary>
/// How a view's numbers are written: a shared power of ten that keeps their significant digits (gradients of 0.003
/// show as 3.00 under "x 1e-3", not as 0.00), then a fixed number of decimals. Ids and flags are whole numbers.
/// </summary>
/// <param name="Exponent">The shared power of ten the values are divided by (a multiple of 3; 0 for none).</param>
/// <param name="Decimals">Decimals after scaling.</param>
/// <param name="Integers">Whether the values are ids or flags, written without decimals or scale.</param>
public readonly record struct NumberFormat(int Exponent, int Decimals, bool Integers)
{
    /// <summary>Scores of [PAD] keys are set to -1e9 before the softmax; at or below this a value is written as that constant.</summary>
    public const float MaskedScore = -1e8f;

    /// <summary>
    /// The format of <paramref name="values"/>: unscaled when the largest magnitude is from 0.1 to 10000 (or every value
    /// is 0), else scaled by a power of ten that puts it from 1 to 1000.
    /// </summary>
    public static NumberFormat For(IEnumerable<float> values, int decimals, bool integers)
    {
        if (integers)
        {
            return new NumberFormat(0, 0, true);
        }

        double largest = 0;
        foreach (float v in values)
        {
            if (v > MaskedScore && float.IsFinite(v))
            {
                largest = Math.Max(largest, Math.Abs(v));
            }
        }

        int exponent = largest == 0 || (largest >= 0.1 && largest < 10000) ? 0 : 3 * (int)Math.Floor(Math.Log10(largest) / 3);
        return new NumberFormat(exponent, decimals, false);
    }

    /// <summary>The scale as a view's header writes it, e.g. "x 1e-3", or null when there is none.</summary>
    public string? ScaleText => Exponent == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"x 1e{Exponent}");

    /// <summary>One value as written: scaled, rounded, never "-0", a masked score as "-1e9".</summary>
    public string Format(float value)
    {
        if (value <= MaskedScore)
        {
            return "-1e9";
        }

        if (!float.IsFinite(value))
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        if (Integers)
        {
            return ((long)Math.Round(value)).ToString(CultureInfo.InvariantCulture);
        }

        double rounded = Math.Round(value / Math.Pow(10, Exponent), Decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            rounded = 0; // no "-0.00"
        }

        return rounded.ToString("F" + Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
