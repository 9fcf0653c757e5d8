using System.Diagnostics;
using BenchmarkDotNet.Running;
using BertGen.Benchmarks;

// "profile SIZE SECONDS [THREADS]" trains in a loop for a profiler to watch; "forward SIZE" prints the fastest time
// of the forward pass of one sample ("infer SIZE [packed [THREADS]]": of the inference pass, the weights packed at every
// product or once, one sample's products split over THREADS); "time SIZE [THREADS]" prints the fastest
// time per training step over many short windows (for comparing two builds on a noisy machine); "steps SECONDS" prints
// the median milliseconds per training step of every size (or of the sizes named after SECONDS) on one and two
// threads as JSON (for compare-pytorch.sh);
// "gemm M N K [t]" times the matrix product alone; "attn" times the fused attention kernel alone at the seed shape;
// "alloc SIZE [THREADS]" counts the bytes 20 warm steps allocate; "phases SIZE" times the forward pass, the loss, the
// backward pass and the Adam update of one step each alone; "weights SIZE FILE" writes the size's initial weights as a
// checkpoint (for bench/export-onnx.sh); "peak" prints the GFLOP/s of a register-only FMA loop on one and two threads
// as JSON (for compare-pytorch.sh); anything else goes to BenchmarkDotNet.
if (args is ["profile", var size, var seconds, ..])
{
    var work = new Workload(Enum.Parse<Size>(size, ignoreCase: true), args.Length > 3 ? int.Parse(args[3]) : 1);
    var clock = Stopwatch.StartNew();
    long steps = 0;
    while (clock.Elapsed.TotalSeconds < double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture))
    {
        work.Trainer.TrainEpoch();
        steps++;
    }

    Console.WriteLine($"{steps} steps, {clock.Elapsed.TotalMicroseconds / steps:F1} us per step");
    return;
}

if (args is ["peak"])
{
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, double> { ["1"] = Peak.Measure(1), ["2"] = Peak.Measure(2) }));
    return;
}

if (args is ["weights", var weightsSize, var weightsFile])
{
    var work = new Workload(Enum.Parse<Size>(weightsSize, ignoreCase: true));
    BertGen.Checkpoints.Checkpoint.Save(weightsFile, work.Model, work.Trainer.Parameters, 0);
    Console.WriteLine($"{weightsFile}: {work.Model.Config.Name}, {work.Model.Parameters.Length} weights");
    return;
}

if (args is ["infer", var inferSize, ..])
{
    // The inference pass of one sample, the weights packed once ("packed") or at every product.
    var work = new Workload(Enum.Parse<Size>(inferSize, ignoreCase: true));
    var outputs = new float[work.Model.Outputs.Length];
    bool once = args.Length > 2 && args[2] == "packed";
    var packed = new BertGen.Kernels.PackedWeights<float>(work.Trainer.Parameters) { Threads = args.Length > 3 ? int.Parse(args[3]) : 1 };
    var (best, perWindow) = FastestWindow(
        () =>
        {
            using var scope = once ? packed.Use() : default;
            work.Model.InferSamples<float>(work.Trainer.Parameters, work.Trainer.Batches[0], 0, 1, outputs);
        }, 10);
    Console.WriteLine($"{inferSize}: {best:F2} us per inference pass of one sample, weights packed {(once ? "once" : "at every product")}, {packed.Threads} thread(s) (fastest window of {perWindow})");
    return;
}

if (args is ["forward", var forwardSize])
{
    // The forward pass of one sample (BenchmarkDotNet's "forward, one sample"); also a loop for a profiler to watch.
    var work = new Workload(Enum.Parse<Size>(forwardSize, ignoreCase: true));
    var activations = new float[work.Model.Activations.Length];
    var (best, perWindow) = FastestWindow(
        () => work.Model.ForwardSamples<float>(work.Trainer.Parameters, work.Trainer.Batches[0], 0, 1, activations), 10);
    Console.WriteLine($"{forwardSize}: {best:F2} us per forward pass of one sample (fastest window of {perWindow})");
    return;
}

if (args is ["time", var timedSize, ..])
{
    var work = new Workload(Enum.Parse<Size>(timedSize, ignoreCase: true), args.Length > 2 ? int.Parse(args[2]) : 1);
    var (best, perWindow) = FastestWindow(() => work.Trainer.TrainEpoch(), 30);
    Console.WriteLine($"{timedSize}: {best:F1} us per step (fastest window of {perWindow} steps)");
    return;
}

// Microseconds per call of the fastest window of calls over 4 s, after 1 s of warm-up; a window is as many calls as
// fill windowMilliseconds. On a shared machine interference only ever adds time, so the fastest window is the steadiest
// figure for comparing two builds.
static (double Microseconds, int PerWindow) FastestWindow(Action call, double windowMilliseconds)
{
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < 1)
    {
        call();
    }

    int perWindow = 0;
    clock.Restart();
    while (clock.Elapsed.TotalMilliseconds < windowMilliseconds)
    {
        call();
        perWindow++;
    }

    double best = double.MaxValue;
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < 4)
    {
        clock.Restart();
        for (int i = 0; i < perWindow; i++)
        {
            call();
        }

        best = Math.Min(best, clock.Elapsed.TotalMicroseconds / perWindow);
    }

    return (best, perWindow);
}

if (args is ["phases", var phasedSize])
{
    // The parts of one training step, each timed alone over the same batch: the forward pass, the loss, the backward
    // pass, and the Adam update (with the clearing of the gradients before it). The forward pass is a training step's,
    // which leaves out the scores only an explorer reads; "forward, every tensor" is the pass captures run.
    var work = new Workload(Enum.Parse<Size>(phasedSize, ignoreCase: true));
    var model = work.Model;
    var trainer = work.Trainer;
    var batch = trainer.Batches[0];
    var arena = new float[batch.Count * model.Activations.Length];
    var scratch = new float[arena.Length];
    var parameters = trainer.Parameters.ToArray();
    var gradients = new float[parameters.Length];
    var adam = new BertGen.Training.Adam<float>(parameters.Length, new BertGen.Training.AdamSettings());
    model.ForwardSamples<float>(parameters, batch, 0, batch.Count, arena);
    model.Loss<float>(batch, arena);
    var phases = new (string Name, Action Call)[]
    {
        ("forward", () => model.ForwardSamplesForTraining<float>(parameters, batch, 0, batch.Count, arena)),
        ("forward, every tensor", () => model.ForwardSamples<float>(parameters, batch, 0, batch.Count, arena)),
        ("loss", () => model.Loss<float>(batch, arena)),
        ("backward", () => model.BackwardSamples<float>(parameters, batch, 0, batch.Count, arena, gradients, scratch)),
        ("adam", () => { Array.Clear(gradients); adam.Update(parameters, gradients); }),
    };
    foreach (var (name, call) in phases)
    {
        var (best, perWindow) = FastestWindow(call, 10);
        Console.WriteLine($"{phasedSize} {name}: {best:F2} us (fastest window of {perWindow})");
    }

    return;
}

if (args is ["alloc", var allocSize, ..])
{
    // Counts every thread's allocations, so that a step split over the thread pool is measured too.
    var work = new Workload(Enum.Parse<Size>(allocSize, ignoreCase: true), args.Length > 2 ? int.Parse(args[2]) : 1);
    for (int i = 0; i < 200; i++)
    {
        work.Trainer.TrainEpoch();
    }

    for (int round = 0; round < 5; round++)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 20; i++)
        {
            work.Trainer.TrainEpoch();
        }

        Console.WriteLine($"{allocSize}: {GC.GetTotalAllocatedBytes(precise: true) - before} bytes over 20 steps");
    }

    return;
}

if (args is ["gemm", var mText, var nText, var kText, ..])
{
    int m = int.Parse(mText), n = int.Parse(nText), k = int.Parse(kText);
    bool transposed = args.Length > 4 && args[4] == "t";
    var a = new float[m * k];
    var b = new float[k * n];
    var c = new float[m * n];
    // B packed where the models pack it: a workspace buffer, 64-byte aligned.
    var packed = BertGen.Kernels.Workspace<float>.Get(2, k * BertGen.Kernels.Gemm.PaddedWidth(n));
    for (int i = 0; i < a.Length; i++) a[i] = (i % 7) * 0.1f;
    for (int i = 0; i < b.Length; i++) b[i] = (i % 5) * 0.1f;
    BertGen.Kernels.Gemm.PackRows<float>(b, n, k, n, packed);
    static void Product(float[] a, Span<float> packed, float[] c, int m, int n, int k, bool transposed)
    {
        if (transposed)
        {
            BertGen.Kernels.Gemm.Multiply<float>(a, 1, m, packed, k, n, c, n, m, 1f, true);
        }
        else
        {
            BertGen.Kernels.Gemm.Multiply<float>(a, k, 1, packed, k, n, c, n, m, 1f, false);
        }
    }

    // A second and at least 64 calls first, so that the product is timed as tiered compilation leaves it: timed from
    // the first call, a large product's figure was mostly its unoptimised code's (1024x256x256: 18-26 GFLOP/s against
    // 59 with tiering off, AMD EPYC without AVX-512).
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < 64 || clock.Elapsed.TotalSeconds < 1; i++)
    {
        Product(a, packed, c, m, n, k, transposed);
    }

    clock.Restart();
    int calls = 0;
    // The clock is read every 64 calls: a product of the seed's sizes takes about as long as reading it.
    while (clock.Elapsed.TotalSeconds < 3)
    {
        for (int i = 0; i < 64; i++)
        {
            Product(a, packed, c, m, n, k, transposed);
        }

        calls += 64;
    }

    Console.WriteLine($"{m}x{n}x{k}: {2.0 * m * n * k * calls / clock.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s");
    return;
}

if (args is ["attn"])
{
    int L = SeedAttention.MaxLen, H = SeedAttention.Heads, D = SeedAttention.HeadWidth, W = H * D;
    var rnd = new Random(1);
    float[] Make(int n) => Enumerable.Range(0, n).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
    float[] q = Make(L * W), k = Make(L * W), v = Make(L * W), ctx = new float[L * W], sc = new float[H * L * L], at = new float[H * L * L];
    float[] dq = new float[L * W], dk = new float[L * W], dv = new float[L * W], da = new float[H * L * L], ds = new float[H * L * L];
    int[] pads = [L - 2, L - 1];
    double bestF = FastestWindow(() => BertGen.Kernels.FusedAttention.Forward<float, SeedAttention>(q, k, v, pads, sc, at, ctx, 0.5f, -1e9f), 5).Microseconds * 1000;
    double bestB = FastestWindow(() => BertGen.Kernels.FusedAttention.Backward<float, SeedAttention>(ctx, q, k, v, at, da, ds, dq, dk, dv, 0.5f), 5).Microseconds * 1000;
    Console.WriteLine($"forward {bestF:F0} ns, backward {bestB:F0} ns per sample (fastest 5 ms window)");

    return;
}

if (args is ["gelu"])
{
    // GELU and its derivative over one seed feed-forward activation of a whole batch (84 rows of 28).
    var rnd = new Random(1);
    int n = 84 * 28;
    float[] x = Enumerable.Range(0, n).Select(_ => (float)(4 * rnd.NextDouble()) - 2f).ToArray(), y = new float[n], dy = (float[])x.Clone(), dx = new float[n];
    double bestF = FastestWindow(() => BertGen.Kernels.Elementwise.GeluForward<float>(x, y), 5).Microseconds * 1000;
    double bestB = FastestWindow(() => BertGen.Kernels.Elementwise.GeluBackward<float>(dy, x, dx), 5).Microseconds * 1000;
    Console.WriteLine($"forward {bestF:F0} ns, backward {bestB:F0} ns for {n} values (fastest 5 ms window)");

    return;
}

if (args is ["steps", var budget, ..])
{
    // Milliseconds per step of each size named (all by default) on one and two threads, as JSON: the median over ten
    // windows of the budget, after a warm-up of at least one second and three steps (as bench_pytorch.py does), so
    // that the kernels run as tiered compilation leaves them and a burst of another process moves the figure little.
    double total = double.Parse(budget, System.Globalization.CultureInfo.InvariantCulture);
    var sizes = args.Length > 2 ? args[2..].Select(name => Enum.Parse<Size>(name, ignoreCase: true)) : Enum.GetValues<Size>();
    var results = new Dictionary<string, Dictionary<string, double>>();
    foreach (var each in sizes)
    {
        var timed = results[each.ToString().ToLowerInvariant()] = new[] { 1, 2 }.ToDictionary(t => t.ToString(), t =>
        {
            var work = new Workload(each, t);
            var clock = Stopwatch.StartNew();
            for (int i = 0; clock.Elapsed.TotalSeconds < 1 || i < 3; i++)
            {
                work.Trainer.TrainEpoch();
            }

            var windows = new List<double>();
            for (int w = 0; w < 10; w++)
            {
                clock.Restart();
                long steps = 0;
                while (clock.Elapsed.TotalSeconds < total / 10 || steps < 3)
                {
                    work.Trainer.TrainEpoch();
                    steps++;
                }

                windows.Add(clock.Elapsed.TotalMilliseconds / steps);
            }

            windows.Sort();
            return (windows[4] + windows[5]) / 2;
        });
        timed["gflop"] = Peak.StepGflop(new Workload(each).Model.Config);
        Console.Error.WriteLine($"{each}: one thread {timed["1"]:F3} ms, two threads {timed["2"]:F3} ms; {timed["gflop"]:F4} GFLOP a step");
    }

    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(results));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);

/// <summary>The seed model's attention shape, from its generated constants.</summary>
internal readonly struct SeedAttention : BertGen.Kernels.IAttentionShape
{
    public static int MaxLen => SeedModel.MaxLen;

    public static int Heads => SeedModel.Heads;

    public static int HeadWidth => SeedModel.DK;
}
