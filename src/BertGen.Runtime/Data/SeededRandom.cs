namespace BertGen.Data;

/// <summary>
/// xoshiro256** seeded through SplitMix64: the same seed gives the same stream on every machine and .NET
/// version, which System.Random does not promise.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator whose stream <paramref name="seed"/> fixes.</summary>
    public SeededRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    private SeededRandom(ulong s0, ulong s1, ulong s2, ulong s3) => (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);

    /// <summary>The generator's whole state, to continue the same stream later (<see cref="FromState"/>).</summary>
    public string State => string.Join(',', new[] { _s0, _s1, _s2, _s3 }.Select(x => x.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A generator that continues where the one whose <see cref="State"/> this is stopped.</summary>
    /// <exception cref="FormatException">The text is not a state.</exception>
    public static SeededRandom FromState(string state)
    {
        var parts = state.Split(',');
        if (parts.Length != 4)
        {
            throw new FormatException($"'{state}' is not a random generator's state.");
        }

        var x = parts.Select(p => ulong.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (x.All(v => v == 0))
        {
            throw new FormatException("an all-zero state is not a state of this generator.");
        }

        return new SeededRandom(x[0], x[1], x[2], x[3]);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="count"/>), without modulo bias.</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ulong bound = (ulong)count;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong x;
        do
        {
            x = NextUInt64();
        }
        while (x >= limit);
        return (int)(x % bound);
    }

    /// <summary>Standard normal, by Box-Muller (one value per call, so the stream does not depend on pairing).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: log stays finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
