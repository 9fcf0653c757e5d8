using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// Linear layers, y = x W^T + b with W stored [outputs, inputs] as in PyTorch: one kernel pair per shape the model
/// uses, each running over every sample of a range with the weights packed once for all of them.
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
        var shapes = Shapes(s);
        for (int i = 0; i < shapes.Count; i++)
        {
            if (i > 0)
            {
                w.Line();
            }

            EmitLinear(w, shapes[i]);
        }
    }

    private static void EmitLinear(CodeWriter w, (int In, int Out) shape)
    {
        int i = shape.In, o = shape.Out;
        w.Lines($$"""
            /// <summary>
            /// y = x W^T + b for each sample of a range.   x: [rows, {{i}}] at xAt, y: [rows, {{o}}] at yAt of each block of
            /// <paramref name="stride"/> values in a; w: [{{o}}, {{i}}]; b: [{{o}}]. W^T is packed once for every sample.
            /// </summary>
            """);
        w.OpenKernel($"private static void {Forward(shape)}<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> a, int xAt, int yAt, int stride, int count, int rows)");
        w.Lines($$"""
            var wt = Workspace<T>.Get(0, {{i}} * Gemm.PaddedWidth({{o}}));
            Gemm.PackColumns(w, {{i}}, {{i}}, {{o}}, wt);
            for (int s = 0; s < count; s++)
            {
                int at = s * stride;
                Gemm.Multiply<T>(a.Slice(at + xAt), {{i}}, 1, wt, {{i}}, {{o}}, a.Slice(at + yAt), {{o}}, rows, T.One, false, b);
            }
            """);
        w.Close();
        w.Line();
        w.Lines($$"""
            /// <summary>
            /// Backward of <see cref="{{Forward(shape)}}"/>: dx = dy W (or dx += dy W), dW += dy^T x, db += column sums of dy,
            /// for each sample of a range. dy at dyAt and dx at dxAt of the scratch blocks d; x at xAt of the activation blocks a.
            /// </summary>
            """);
        w.OpenKernel($"private static void {Backward(shape)}<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> a, int xAt, Span<T> d, int dyAt, int dxAt, bool accumulateDx, Span<T> dw, Span<T> db, int stride, int count, int rows)");
        w.Lines($$"""
            var wRows = Workspace<T>.Get(0, {{o}} * Gemm.PaddedWidth({{i}}));
            Gemm.PackRows(w, {{i}}, {{o}}, {{i}}, wRows);
            var xRows = Workspace<T>.Get(1, rows * Gemm.PaddedWidth({{i}}));
            for (int s = 0; s < count; s++)
            {
                int at = s * stride;
                ReadOnlySpan<T> dy = d.Slice(at + dyAt, rows * {{o}});
                Gemm.Multiply<T>(dy, {{o}}, 1, wRows, {{o}}, {{i}}, d.Slice(at + dxAt), {{i}}, rows, T.One, accumulateDx);
                Gemm.PackRows(a.Slice(at + xAt), {{i}}, rows, {{i}}, xRows);
                Gemm.Multiply<T>(dy, 1, {{o}}, xRows, rows, {{i}}, dw, {{i}}, {{o}}, T.One, true);
                Elementwise.AddColumnSums(dy, {{o}}, rows, db);
            }
            """);
        w.Close();
    }
}
