using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BertGen.Checkpoints;
using BertGen.Kernels;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Benchmarks;

/// <summary>
/// BertGen's inference pass against ONNX Runtime, the inference engine a .NET user would pick, on the same model with
/// the same weights: bench/onnx/SIZE.onnx, the PyTorch reference exported by bench/export-onnx.sh with this benchmark's
/// own initial weights. ONNX Runtime runs with every graph optimisation, Threads intra-op threads, one inter-op thread,
/// and inputs and outputs preallocated once (OrtValues over pinned arrays, so a run copies nothing in or out). BertGen
/// runs as its predictor does, each weight matrix packed once (<see cref="PackedWeights{T}"/>), as ONNX Runtime packs
/// its weights when the session is made. The setup first checks that both give the same logits. On two threads BertGen
/// splits one sample's larger products by rows (<see cref="PackedWeights{T}.Threads"/>), and a batch into two halves,
/// one per core.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class OnnxBenchmarks : IDisposable
{
    /// <summary>Largest difference allowed between the two logits, relative to max(1, |logit|): float32 sums in another order.</summary>
    public const double Tolerance = 1e-4;

    private static readonly string[] InputNames = ["input_ids", "segment_ids", "masked_positions"];
    private static readonly string[] OutputNames = ["logits_lm", "logits_clsf"];

    private Workload _work = null!;
    private InferenceSession _session = null!;
    private RunOptions _run = null!;
    private Run _one = null!;
    private Run _all = null!;
    private float[] _outputs = [];
    private float[] _halves = [];
    private Action _firstHalfPass = null!;
    private Action _secondHalfPass = null!;
    private PackedWeights<float> _packed = null!;

    [Params(Size.Seed, Size.Small, Size.Mini)]
    public Size Size { get; set; }

    /// <summary>ONNX Runtime's intra-op threads; BertGen's threads for a batch.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _work = new Workload(Size);
        var model = _work.Model;
        string stem = Path.Combine(Repository(), "bench", "onnx", Size.ToString().ToLowerInvariant());
        if (!File.Exists(stem + ".onnx"))
        {
            throw new InvalidOperationException($"there is no {stem}.onnx: run bench/export-onnx.sh first.");
        }

        if (!Checkpoint.Load(stem + ".safetensors", model).AsSpan().SequenceEqual(_work.Trainer.Parameters))
        {
            throw new InvalidOperationException($"{stem}.onnx was exported with other weights than this build's: run bench/export-onnx.sh again.");
        }

        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(stem + ".onnx", options);
        _run = new RunOptions();
        var batch = _work.Trainer.Batches[0];
        _one = new Run(model.Config, batch, 1);
        _all = new Run(model.Config, batch, batch.Count);

        int block = model.Outputs.Length, half = batch.Count / 2;
        _outputs = new float[batch.Count * block];
        _halves = new float[batch.Count * block]; // one arena, each half's samples written by its own thread
        // A thread's products find the packed weights of its own scope: one set for each half.
        _packed = new PackedWeights<float>(_work.Trainer.Parameters) { Threads = Threads };
        var firstPacked = new PackedWeights<float>(_work.Trainer.Parameters);
        var secondPacked = new PackedWeights<float>(_work.Trainer.Parameters);
        _firstHalfPass = () =>
        {
            using var scope = firstPacked.Use();
            model.InferSamples<float>(_work.Trainer.Parameters, batch, 0, half, _halves);
        };
        _secondHalfPass = () =>
        {
            using var scope = secondPacked.Use();
            model.InferSamples<float>(_work.Trainer.Parameters, batch, half, batch.Count - half, _halves);
        };

        OnnxBatch();
        BertGenBatch();
        Compare();
    }

    [BenchmarkCategory("one sample"), Benchmark(Baseline = true, Description = "ONNX Runtime, one sample")]
    public void OnnxOne() => _session.Run(_run, InputNames, _one.Inputs, OutputNames, _one.Outputs);

    [BenchmarkCategory("one sample"), Benchmark(Description = "BertGen inference pass, one sample")]
    public void BertGenOne()
    {
        using var scope = _packed.Use();
        _work.Model.InferSamples<float>(_work.Trainer.Parameters, _work.Trainer.Batches[0], 0, 1, _outputs);
    }

    [BenchmarkCategory("batch"), Benchmark(Baseline = true, Description = "ONNX Runtime, the batch")]
    public void OnnxBatch() => _session.Run(_run, InputNames, _all.Inputs, OutputNames, _all.Outputs);

    [BenchmarkCategory("batch"), Benchmark(Description = "BertGen inference pass, the batch")]
    public void BertGenBatch()
    {
        if (Threads == 1)
        {
            using var scope = _packed.Use(); // one thread: the scope splits nothing
            _work.Model.InferSamples<float>(_work.Trainer.Parameters, _work.Trainer.Batches[0], 0, _work.Trainer.Batches[0].Count, _outputs);
        }
        else
        {
            Parallel.Invoke(_firstHalfPass, _secondHalfPass);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _one?.Dispose();
        _all?.Dispose();
        _run?.Dispose();
        _session?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Both engines' logits of every sample of the batch, against <see cref="Tolerance"/>.</summary>
    private void Compare()
    {
        var model = _work.Model;
        var c = model.Config;
        int count = _work.Trainer.Batches[0].Count;
        double worst = 0;
        for (int s = 0; s < count; s++)
        {
            var ours = Threads == 1 ? _outputs : _halves;
            foreach (var (name, theirs, width) in new[] { ("logits_lm", _all.LogitsLm, c.MaxPred * c.VocabSize), ("logits_clsf", _all.LogitsClsf, 2) })
            {
                var mine = model.Outputs[name].Of<float>(ours, count, s);
                for (int i = 0; i < width; i++)
                {
                    worst = Math.Max(worst, Math.Abs(mine[i] - theirs[(s * width) + i]) / Math.Max(1, Math.Abs(mine[i])));
                }
            }
        }

        if (worst > Tolerance)
        {
            throw new InvalidOperationException($"ONNX Runtime's logits differ from BertGen's by {worst:E2}, more than {Tolerance:E0}.");
        }

        Console.WriteLine($"// {Size}: ONNX Runtime's logits agree with BertGen's to {worst:E2} (relative to max(1, |logit|))");
    }

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BertGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository (BertGen.sln) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>One run's inputs (the batch's first <c>count</c> samples, as int64) and outputs, as OrtValues over pinned arrays.</summary>
    private sealed class Run : IDisposable
    {
        public Run(ModelConfig c, Batch batch, int count)
        {
            static long[] Longs(int[] values, int length) => values.AsSpan(0, length).ToArray().Select(v => (long)v).ToArray();
            LogitsLm = new float[count * c.MaxPred * c.VocabSize];
            LogitsClsf = new float[count * 2];
            Inputs =
            [
                OrtValue.CreateTensorValueFromMemory(Longs(batch.InputIds, count * c.MaxLen), [count, c.MaxLen]),
                OrtValue.CreateTensorValueFromMemory(Longs(batch.SegmentIds, count * c.MaxLen), [count, c.MaxLen]),
                OrtValue.CreateTensorValueFromMemory(Longs(batch.MaskedPositions, count * c.MaxPred), [count, c.MaxPred]),
            ];
            Outputs =
            [
                OrtValue.CreateTensorValueFromMemory(LogitsLm, [count, c.MaxPred, c.VocabSize]),
                OrtValue.CreateTensorValueFromMemory(LogitsClsf, [count, 2]),
            ];
        }

        public OrtValue[] Inputs { get; }

        public OrtValue[] Outputs { get; }

        public float[] LogitsLm { get; }

        public float[] LogitsClsf { get; }

        public void Dispose()
        {
            foreach (var value in Inputs.Concat(Outputs))
            {
                value.Dispose();
            }
        }
    }
}
