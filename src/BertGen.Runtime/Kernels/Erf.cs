using System.Runtime.CompilerServices;

namespace BertGen.Kernels;

/// <summary>The error function, which .NET does not provide.</summary>
public static class Erf
{
    /// <summary>
    /// erf in single precision: an odd/even rational approximation on [-4, 4], erf being within a float rounding of
    /// +-1 outside. Evaluated in float, its largest error is 4.2e-7 (7 ulp of 1, near +-3.7; 6.5e-8 in exact arithmetic).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Float(float x)
    {
        x = Math.Clamp(x, -4f, 4f);
        float x2 = x * x;
        float p = -2.72614225801306e-10f;
        p = (p * x2) + 2.77068142495902e-08f;
        p = (p * x2) - 2.10102402082508e-06f;
        p = (p * x2) - 5.69250639462346e-05f;
        p = (p * x2) - 7.34990630326855e-04f;
        p = (p * x2) - 2.95459980854025e-03f;
        p = (p * x2) - 1.60960333262415e-02f;
        float q = -1.45660718464996e-05f;
        q = (q * x2) - 2.13374055278905e-04f;
        q = (q * x2) - 1.68282697438203e-03f;
        q = (q * x2) - 7.37332916720468e-03f;
        q = (q * x2) - 1.42647390514189e-02f;
        return x * p / q;
    }

    /// <summary>
    /// erf in double precision, to about 1e-15: below 2.5 the everywhere-positive series
    /// erf x = 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x / (1*3*...*(2n+1)); above it, erfc's continued fraction.
    /// </summary>
    public static double Double(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            double term = ax, sum = ax, twoX2 = 2 * ax * ax;
            for (int n = 1; term > 1e-17 * sum; n++)
            {
                term *= twoX2 / ((2 * n) + 1);
                sum += term;
            }

            r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum;
        }
        else if (ax > 6)
        {
            r = 1;
        }
        else
        {
            // erfc x = e^(-x^2) / (sqrt(pi) f), f = x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), by modified Lentz.
            double f = ax, c = ax, d = 0;
            for (int n = 1; n < 500; n++)
            {
                double a = n / 2.0;
                d = 1 / (ax + (a * d));
                c = ax + (a / c);
                double delta = c * d;
                f *= delta;
                if (Math.Abs(delta - 1) < 1e-16)
                {
                    break;
                }
            }

            r = 1 - (Math.Exp(-ax * ax) / (Math.Sqrt(Math.PI) * f));
        }

        return x < 0 ? -r : r;
    }
}
