using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace BertGen.Cli;

/// <summary>
/// Numbers on the command line, read the same whatever the machine's culture: digits, a dot for decimals, no thousands
/// separators. A comma or anything else is a mistake that says what to write instead; a range check says the range.
/// </summary>
internal static class OptionParsers
{
    /// <summary>An option of whole numbers from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Int(string name, string description, int fallback, int min, int max) => new(name)
    {
        Description = $"{description} ({Range(min, max)})",
        DefaultValueFactory = _ => fallback,
        CustomParser = result => ParseInt(result, name, min, max, "such as " + fallback.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>An optional option of whole numbers from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min, int max, string example) => new(name)
    {
        Description = min == int.MinValue ? description + "." : $"{description} ({Range(min, max)})",
        CustomParser = result => Optional(result, () => ParseInt(result, name, min, max, "such as " + example)),
    };

    /// <summary>An option of 64-bit seeds.</summary>
    public static Option<ulong> Seed(string name, string description, ulong fallback) => new(name)
    {
        Description = $"{description} (0 to {ulong.MaxValue})",
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            string token = Token(result);
            if (ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
            {
                return value;
            }

            result.AddError($"{name}: '{token}' is not a seed; write a whole number from 0 to {ulong.MaxValue}, such as {fallback}.");
            return 0;
        },
    };

    /// <summary>An option of positive, finite numbers, written with a dot.</summary>
    public static Option<double> Positive(string name, string description, double fallback) => new(name)
    {
        Description = $"{description} (a positive number such as {fallback.ToString(CultureInfo.InvariantCulture)})",
        DefaultValueFactory = _ => fallback,
        CustomParser = result =>
        {
            string token = Token(result);
            string example = fallback.ToString(CultureInfo.InvariantCulture);
            if (token.Contains(','))
            {
                result.AddError($"{name}: '{token}' has a comma; write numbers with a dot and no thousands separators, such as {example}.");
                return fallback;
            }

            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                result.AddError($"{name}: '{token}' is not a number; write one such as {example} or 1e-4.");
                return fallback;
            }

            if (!(value > 0) || !double.IsFinite(value))
            {
                result.AddError($"{name} is {token}; give a positive number such as {example}.");
            }

            return value;
        },
    };

    private static int ParseInt(ArgumentResult result, string name, int min, int max, string example)
    {
        string token = Token(result);
        if (!int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            string what = token.Contains(',') || token.Contains('.') ? "is not a whole number (write digits only, no commas or dots)" : "is not a whole number";
            result.AddError(long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? $"{name} is {token}; give {Range(min, max)}."
                : $"{name}: '{token}' {what}; write one {example}.");
            return min;
        }

        if (value < min || value > max)
        {
            result.AddError($"{name} is {token}; give {Range(min, max)}.");
        }

        return value;
    }

    private static string Range(int min, int max) =>
        min == int.MinValue ? "a whole number" : max == int.MaxValue ? $"{min} or more" : string.Create(CultureInfo.InvariantCulture, $"{min} to {max}");

    private static string Token(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;

    /// <summary>Reads an optional option that may stand alone (as --figure): no token means the option without a value.</summary>
    private static int? Optional(ArgumentResult result, Func<int> parse) => result.Tokens.Count == 0 ? null : parse();
}
