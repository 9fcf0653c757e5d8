using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// Linear layers, y = x W^T + b with W stored [outputs, inputs] as in PyTorch, one kernel pair per shape the
/// model uses; and the exact (erf) GELU.
/// </summary>
internal static class FeedForwardEmitter
{
    /// <summary>Every (inputs, outputs) shape of a linear layer in the model.</summary>
    public static IReadOnlyList<(int In, int Out)> Shapes(ModelSpec s) => new[]
    {
        (s.DModel, s.DAttn), // q, k, v
        (s.DAttn, s.DModel), // attention output
        (s.DModel, s.DFF), // intermediate
        (s.DFF, s.DModel), // output
        (s.DModel, s.DModel), // pooler, MLM transform
        (s.DModel, 2), // IsNext classifier
    }.Distinct().ToList();

    public static string Forward((int In, int Out) shape) => $"Linear{shape.In}To{shape.Out}Forward";

    public static string Backward((int In, int Out) shape) => $"Linear{shape.In}To{shape.Out}Backward";

    public static void Emit(CodeWriter w, ModelSpec s)
    {
        foreach (var shape in Shapes(s))
        {
            EmitLinear(w, shape);
        }

        w.Lines("""
            /// <summary>y[i] = gelu(x[i]) = x[i]/2 (1 + erf(x[i]/sqrt 2)).</summary>
            """);
        w.OpenKernel("private static void GeluForward<T>(ReadOnlySpan<T> x, Span<T> y)");
        w.Lines("""
            y = y.Slice(0, x.Length);
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = global::BertGen.Kernels.Gelu.Forward(x[i]);
            }
            """);
        w.Close();
        w.Line();
        w.Line("/// <summary>dx[i] += dy[i] * gelu'(x[i]).</summary>");
        w.OpenKernel("private static void GeluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, Span<T> dx)");
        w.Lines("""
            dy = dy.Slice(0, x.Length);
            dx = dx.Slice(0, x.Length);
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] += dy[i] * global::BertGen.Kernels.Gelu.Derivative(x[i]);
            }
            """);
        w.Close();
    }

    private static void EmitLinear(CodeWriter w, (int In, int Out) shape)
    {
        int i = shape.In, o = shape.Out;
        w.Line($"/// <summary>y = x W^T + b.   x: [rows, {i}]; w: [{o}, {i}]; b: [{o}]; y: [rows, {o}].</summary>");
        w.OpenKernel($"private static void {Forward(shape)}<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int rows)");
        w.Lines($$"""
            for (int row = 0; row < rows; row++)
            {
                var xr = x.Slice(row * {{i}}, {{i}});
                var yr = y.Slice(row * {{o}}, {{o}});
                for (int j = 0; j < {{o}}; j++)
                {
                    yr[j] = b[j] + {{PrimitiveEmitter.Dot(i)}}(xr, w.Slice(j * {{i}}, {{i}}));
                }
            }
            """);
        w.Close();
        w.Line();
        w.Line($"/// <summary>Backward of <see cref=\"{Forward(shape)}\"/>: dx += dy W; dW += dy^T x; db += sum over rows of dy.</summary>");
        w.OpenKernel($"private static void {Backward(shape)}<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> dx, Span<T> dw, Span<T> db, int rows)");
        w.Lines($$"""
            for (int row = 0; row < rows; row++)
            {
                var xr = x.Slice(row * {{i}}, {{i}});
                var dxr = dx.Slice(row * {{i}}, {{i}});
                var dyr = dy.Slice(row * {{o}}, {{o}});
                for (int j = 0; j < {{o}}; j++)
                {
                    T g = dyr[j];
                    {{PrimitiveEmitter.AddScaled(i)}}(dxr, g, w.Slice(j * {{i}}, {{i}}));
                    {{PrimitiveEmitter.AddScaled(i)}}(dw.Slice(j * {{i}}, {{i}}), g, xr);
                    db[j] += g;
                }
            }
            """);
        w.Close();
        w.Line();
    }
}
