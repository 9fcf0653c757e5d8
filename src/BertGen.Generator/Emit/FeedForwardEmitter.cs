using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// Linear layers, y = x W^T + b with W stored [outputs, inputs] as in PyTorch: one kernel pair per shape the model
/// uses, each one matrix product over the rows of every sample of a range (<see cref="Gemm"/> row groups), with the
/// weights packed once for all of them.
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

            EmitLinear(w, shapes[i], GatherForWeights(s));
        }
    }

    /// <summary>
    /// Whether a weight gradient sums over the rows of all the samples at once, from copies gathered side by side: for
    /// short samples this saves a product per sample; for long ones a product per sample already keeps its panel of x
    /// in cache, and gathering only copies (measured: the gathered form is faster at 84 rows a batch, slower at 1024).
    /// </summary>
    public static bool GatherForWeights(ModelSpec s) => s.MaxLen * s.BatchSize <= 256;

    private static void EmitLinear(CodeWriter w, (int In, int Out) shape, bool gather)
    {
        int i = shape.In, o = shape.Out;
        w.Lines($$"""
            /// <summary>
            /// y = x W^T + b for each sample of a range.   x: [rows, {{i}}] at xAt, y: [rows, {{o}}] at yAt of each block of
            /// <paramref name="stride"/> values in a; w: [{{o}}, {{i}}]; b: [{{o}}]. One product covers every sample.
            /// </summary>
            """);
        w.OpenKernel($"private static void {Forward(shape)}<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> a, int xAt, int yAt, int stride, int count, int rows)");
        w.Lines($$"""
            var wt = Workspace<T>.Get(0, {{i}} * Gemm.PaddedWidth({{o}}));
            Gemm.PackColumns(w, {{i}}, {{i}}, {{o}}, wt);
            Gemm.Multiply<T>(a.Slice(xAt), {{i}}, 1, wt, {{i}}, {{o}}, a.Slice(yAt), {{o}}, new RowGroups(rows, count, stride, stride), T.One, false, b);
            """);
        w.Close();
        w.Line();
        w.Lines($$"""
            /// <summary>
            /// Backward of <see cref="{{Forward(shape)}}"/>: dx = dy W (or dx += dy W), dW += dy^T x, db += column sums of dy,
            /// over every sample of a range. dy at dyAt and dx at dxAt of the scratch blocks d; x at xAt of the activation
            /// blocks a. {{(gather ? "For dW the rows of dy and x of all the samples are first gathered, and one product sums over them all." : "dW is summed one sample at a time.")}}
            /// </summary>
            """);
        w.OpenKernel($"private static void {Backward(shape)}<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> a, int xAt, Span<T> d, int dyAt, int dxAt, bool accumulateDx, Span<T> dw, Span<T> db, int stride, int count, int rows)");
        w.Lines($$"""
            var wRows = Workspace<T>.Get(0, {{o}} * Gemm.PaddedWidth({{i}}));
            Gemm.PackRows(w, {{i}}, {{o}}, {{i}}, wRows);
            Gemm.Multiply<T>(d.Slice(dyAt), {{o}}, 1, wRows, {{o}}, {{i}}, d.Slice(dxAt), {{i}}, new RowGroups(rows, count, stride, stride), T.One, accumulateDx);
            """);
        if (gather)
        {
            w.Lines($$"""
                int all = count * rows;
                var xRows = Workspace<T>.Get(1, all * Gemm.PaddedWidth({{i}}));
                Gemm.PackRows(a.Slice(xAt), {{i}}, new RowGroups(rows, count, stride, 0), {{i}}, xRows);
                var dy = Workspace<T>.Get(2, all * {{o}});
                for (int s = 0; s < count; s++)
                {
                    d.Slice((s * stride) + dyAt, rows * {{o}}).CopyTo(dy.Slice(s * rows * {{o}}));
                }

                Gemm.Multiply<T>(dy, 1, {{o}}, xRows, all, {{i}}, dw, {{i}}, {{o}}, T.One, true);
                Elementwise.AddColumnSums(dy, {{o}}, all, db);
                """);
        }
        else
        {
            w.Lines($$"""
                var xRows = Workspace<T>.Get(1, rows * Gemm.PaddedWidth({{i}}));
                for (int s = 0; s < count; s++)
                {
                    int at = s * stride;
                    ReadOnlySpan<T> dy = d.Slice(at + dyAt, rows * {{o}});
                    Gemm.PackRows(a.Slice(at + xAt), {{i}}, rows, {{i}}, xRows);
                    Gemm.Multiply<T>(dy, 1, {{o}}, xRows, rows, {{i}}, dw, {{i}}, {{o}}, T.One, true);
                    Elementwise.AddColumnSums(dy, {{o}}, rows, db);
                }
                """);
        }

        w.Close();
    }
}
