namespace BertGen.Generator.Emit;

/// <summary>
/// y += s * x over one row of a fixed width: unrolled up to <see cref="UnrollLimit"/> values, a constant-bound
/// Vector256 loop with a scalar tail above. Matrix products go through the runtime's Gemm instead.
/// </summary>
internal static class PrimitiveEmitter
{
    public const int UnrollLimit = 16;

    public static string AddScaled(int n) => "AddScaled" + n;

    public static void Emit(CodeWriter w, int n)
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
