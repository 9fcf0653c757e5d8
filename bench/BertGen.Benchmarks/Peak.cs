using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertGen.Benchmarks;

/// <summary>
/// What the matrix products could reach here: a register-only loop of 256-bit fused multiply-adds (twelve independent
/// accumulators, more than the FMA units' latency times their count, so that none waits), on one thread and on two at
/// once, in GFLOP/s; and the floating-point work of one training step, so that a step's time reads as a share of it.
/// </summary>
public static class Peak
{
    /// <summary>GFLOP/s of <paramref name="threads"/> threads running the loop at once: the best of five rounds.</summary>
    public static double Measure(int threads)
    {
        if (!Fma.IsSupported)
        {
            throw new PlatformNotSupportedException("the peak is measured with FMA, which this processor lacks.");
        }

        const long iterations = 20_000_000; // 12 vectors of 8 lanes, 2 flops each: 3.84 GFLOP a thread a round
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            using var start = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                Sink = Loop(iterations);
            })).ToList();
            workers.ForEach(w => w.Start());
            start.SignalAndWait();
            var clock = Stopwatch.StartNew();
            workers.ForEach(w => w.Join());
            best = Math.Max(best, threads * iterations * 12.0 * 8 * 2 / clock.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary>
    /// Floating-point operations of one training step of <paramref name="c"/> over a full batch, in GFLOP: every matrix
    /// product (linear layers, the attention's q k^T and attn v, the decoder) at 2 flops a multiply-add, forward and
    /// backward (a product's backward is two products of its size: the input's gradient and the weight's).
    /// Row operations (LayerNorm, GELU, softmax) are left out: they are a few percent at every size.
    /// </summary>
    public static double StepGflop(ModelConfig c)
    {
        double rows = (double)c.BatchSize * c.MaxLen, attention = c.Heads * c.DK, masked = (double)c.BatchSize * c.MaxPred;
        static double Product(double m, double k, double n) => 2 * m * k * n;
        double layer = (3 * Product(rows, c.DModel, attention)) + Product(rows, attention, c.DModel)
            + Product(rows, c.DModel, c.DFF) + Product(rows, c.DFF, c.DModel)
            + (c.BatchSize * c.Heads * 2 * Product(c.MaxLen, c.DK, c.MaxLen));
        double heads = Product(c.BatchSize, c.DModel, c.DModel) + Product(c.BatchSize, c.DModel, 2)
            + Product(masked, c.DModel, c.DModel) + Product(masked, c.DModel, c.VocabSize);
        return 3 * ((c.Layers * layer) + heads) / 1e9;
    }

    /// <summary>Keeps the loop's result alive, so that the JIT cannot drop the loop.</summary>
    public static float Sink { get; private set; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, m, a);
            c1 = Fma.MultiplyAdd(c1, m, a);
            c2 = Fma.MultiplyAdd(c2, m, a);
            c3 = Fma.MultiplyAdd(c3, m, a);
            c4 = Fma.MultiplyAdd(c4, m, a);
            c5 = Fma.MultiplyAdd(c5, m, a);
            c6 = Fma.MultiplyAdd(c6, m, a);
            c7 = Fma.MultiplyAdd(c7, m, a);
            c8 = Fma.MultiplyAdd(c8, m, a);
            c9 = Fma.MultiplyAdd(c9, m, a);
            c10 = Fma.MultiplyAdd(c10, m, a);
            c11 = Fma.MultiplyAdd(c11, m, a);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
