using System.Diagnostics;
using BenchmarkDotNet.Running;
using BertGen.Benchmarks;

// "profile SIZE SECONDS [THREADS]" trains in a loop for a profiler to watch; "steps SECONDS" prints milliseconds per
// training step of every size on one and two threads as JSON (for compare-pytorch.sh); "gemm M N K [t]" times the
// matrix product alone; anything else goes to BenchmarkDotNet.
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

if (args is ["gemm", var mText, var nText, var kText, ..])
{
    int m = int.Parse(mText), n = int.Parse(nText), k = int.Parse(kText);
    bool transposed = args.Length > 4 && args[4] == "t";
    var a = new float[m * k];
    var b = new float[k * n];
    var c = new float[m * n];
    var packed = new float[k * BertGen.Kernels.Gemm.PaddedWidth(n)];
    new Random(1).NextBytes(new byte[1]);
    for (int i = 0; i < a.Length; i++) a[i] = (i % 7) * 0.1f;
    for (int i = 0; i < b.Length; i++) b[i] = (i % 5) * 0.1f;
    BertGen.Kernels.Gemm.PackRows<float>(b, n, k, n, packed);
    var clock = Stopwatch.StartNew();
    int calls = 0;
    while (clock.Elapsed.TotalSeconds < 3)
    {
        if (transposed)
        {
            BertGen.Kernels.Gemm.Multiply<float>(a, 1, m, packed, k, n, c, n, m, 1f, true);
        }
        else
        {
            BertGen.Kernels.Gemm.Multiply<float>(a, k, 1, packed, k, n, c, n, m, 1f, false);
        }
        calls++;
    }

    Console.WriteLine($"{m}x{n}x{k}: {2.0 * m * n * k * calls / clock.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s");
    return;
}

if (args is ["steps", var budget])
{
    var results = new Dictionary<string, Dictionary<string, double>>();
    foreach (var each in Enum.GetValues<Size>())
    {
        results[each.ToString().ToLowerInvariant()] = new[] { 1, 2 }.ToDictionary(t => t.ToString(), t =>
        {
            var work = new Workload(each, t);
            for (int i = 0; i < 3; i++)
            {
                work.Trainer.TrainEpoch();
            }

            var clock = Stopwatch.StartNew();
            long steps = 0;
            while (clock.Elapsed.TotalSeconds < double.Parse(budget, System.Globalization.CultureInfo.InvariantCulture) || steps < 3)
            {
                work.Trainer.TrainEpoch();
                steps++;
            }

            return clock.Elapsed.TotalMilliseconds / steps;
        });
        Console.Error.WriteLine($"{each}: {string.Join(", ", results[each.ToString().ToLowerInvariant()].Select(kv => $"{kv.Key} thread(s) {kv.Value:F3} ms"))}");
    }

    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(results));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
