using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Emit;

/// <summary>
/// The inner loops every kernel is built from, one method per width the model needs: a dot product and
/// y += s * x. Widths up to <see cref="UnrollLimit"/> are unrolled; wider ones are constant-bound
/// Vector256 loops with a scalar tail.
/// </summary>
internal static class PrimitiveEmitter
{
    public const int UnrollLimit = 16;

    public static void Emit(CodeWriter w, IEnumerable<int> widths)
    {
        foreach (int n in widths.Distinct().OrderBy(n => n))
        {
            EmitDot(w, n);
            w.Line();
            EmitAddScaled(w, n);
            w.Line();
        }
    }

    public static string Dot(int n) => "Dot" + n;

    public static string AddScaled(int n) => "AddScaled" + n;

    private static void EmitDot(CodeWriter w, int n)
    {
        w.Line($"/// <summary>Sum of a[i] * b[i] over {n} values.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.OpenKernel($"private static T {Dot(n)}<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)");
        if (n <= UnrollLimit)
        {
            w.Line($"a = a.Slice(0, {n});");
            w.Line($"b = b.Slice(0, {n});");
            var terms = Enumerable.Range(0, n).Select(i => $"(a[{i}] * b[{i}])").ToList();
            var rows = Enumerable.Range(0, (terms.Count + 3) / 4).Select(r => string.Join(" + ", terms.Skip(r * 4).Take(4))).ToList();
            w.Line("return " + rows[0] + (rows.Count == 1 ? ";" : string.Empty));
            for (int r = 1; r < rows.Count; r++)
            {
                w.Line("    + " + rows[r] + (r == rows.Count - 1 ? ";" : string.Empty));
            }
        }
        else
        {
            w.Line($"a = a.Slice(0, {n});");
            w.Line($"b = b.Slice(0, {n});");
            w.Line("var acc = Vector256<T>.Zero;");
            w.Line("int i = 0;");
            w.Open($"for (; i <= {n} - Vector256<T>.Count; i += Vector256<T>.Count)");
            w.Line("acc += Vector256.Create(a.Slice(i, Vector256<T>.Count)) * Vector256.Create(b.Slice(i, Vector256<T>.Count));");
            w.Close();
            w.Line();
            w.Line("T sum = Vector256.Sum(acc);");
            w.Open($"for (; i < {n}; i++)");
            w.Line("sum += a[i] * b[i];");
            w.Close();
            w.Line();
            w.Line("return sum;");
        }

        w.Close();
    }

    private static void EmitAddScaled(CodeWriter w, int n)
    {
        w.Line($"/// <summary>y[i] += s * x[i] over {n} values.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.OpenKernel($"private static void {AddScaled(n)}<T>(Span<T> y, T s, ReadOnlySpan<T> x)");
        w.Line($"y = y.Slice(0, {n});");
        w.Line($"x = x.Slice(0, {n});");
        if (n <= UnrollLimit)
        {
            for (int i = 0; i < n; i++)
            {
                w.Line($"y[{i}] += s * x[{i}];");
            }
        }
        else
        {
            w.Line("var vs = Vector256.Create(s);");
            w.Line("int i = 0;");
            w.Open($"for (; i <= {n} - Vector256<T>.Count; i += Vector256<T>.Count)");
            w.Line("var yi = y.Slice(i, Vector256<T>.Count);");
            w.Line("(Vector256.Create((ReadOnlySpan<T>)yi) + (vs * Vector256.Create(x.Slice(i, Vector256<T>.Count)))).CopyTo(yi);");
            w.Close();
            w.Line();
            w.Open($"for (; i < {n}; i++)");
            w.Line("y[i] += s * x[i];");
            w.Close();
        }

        w.Close();
    }
}
