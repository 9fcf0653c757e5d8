using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BertGen.Training;

namespace BertGen.Benchmarks;

/// <summary>A short job: a few warm-up and ten measured iterations (the mini step takes a good part of a second).</summary>
public sealed class ShortConfig : ManualConfig
{
    public ShortConfig() => AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithId("10 iterations"));
}

/// <summary>One training step: forward, backward and Adam over a full batch, on one thread and on every core.</summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class TrainStepBenchmarks
{
    private Workload _work = null!;

    [Params(Size.Seed, Size.Small, Size.Mini)]
    public Size Size { get; set; }

    /// <summary>1: one thread; 0: every core.</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _work = new Workload(Size, Threads == 0 ? Environment.ProcessorCount : Threads);

    [Benchmark(Description = "train step")]
    public EpochMetrics TrainStep() => _work.Trainer.TrainEpoch();
}

/// <summary>
/// Forward of one sample through the generated kernels, against <see cref="RuntimeShapeBaseline"/>: the same pass
/// with run-time shapes over TensorPrimitives. The setup checks that both give the same logits.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class ForwardBenchmarks
{
    private Workload _work = null!;
    private RuntimeShapeBaseline _baseline = null!;
    private float[] _activations = [];
    private float[] _outputs = [];
    private float[] _logitsLm = [];
    private float[] _logitsClsf = new float[2];

    [Params(Size.Seed, Size.Small, Size.Mini)]
    public Size Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _work = new Workload(Size);
        _activations = new float[_work.Model.Activations.Length];
        _outputs = new float[_work.Model.Outputs.Length];
        _baseline = new RuntimeShapeBaseline(_work.Model);
        _logitsLm = new float[_work.Model.Config.MaxPred * _work.Model.Config.VocabSize];
        Generated();
        Baseline();
        var generated = _work.Model.Activations["logits_lm"].Of<float>(_activations);
        float worst = 0;
        for (int i = 0; i < _logitsLm.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(generated[i] - _logitsLm[i]) / Math.Max(1, Math.Abs(generated[i])));
        }

        if (worst > 1e-3)
        {
            throw new InvalidOperationException($"the baseline's logits differ from the generated model's by {worst}");
        }
    }

    [Benchmark(Baseline = true, Description = "forward, one sample: run-time shapes over TensorPrimitives")]
    public void Baseline() => _baseline.Forward(_work.Trainer.Parameters, _work.Trainer.Batches[0], 0, _logitsLm, _logitsClsf);

    [Benchmark(Description = "forward, one sample: generated kernels")]
    public void Generated() => _work.Model.ForwardSamples<float>(_work.Trainer.Parameters, _work.Trainer.Batches[0], 0, 1, _activations);

    [Benchmark(Description = "inference, one sample: generated kernels, one layer's activations kept")]
    public void Inference() => _work.Model.InferSamples<float>(_work.Trainer.Parameters, _work.Trainer.Batches[0], 0, 1, _outputs);
}

/// <summary>The Adam update alone over every parameter.</summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class AdamBenchmarks
{
    private float[] _parameters = [];
    private float[] _gradients = [];
    private Adam<float> _adam = null!;

    [Params(Size.Seed, Size.Small, Size.Mini)]
    public Size Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var work = new Workload(Size);
        _parameters = work.Trainer.Parameters;
        _gradients = Enumerable.Range(0, _parameters.Length).Select(i => (float)Math.Sin(i)).ToArray();
        _adam = new Adam<float>(_parameters.Length, new AdamSettings());
    }

    [Benchmark(Description = "Adam update")]
    public void AdamUpdate() => _adam.Update(_parameters, _gradients);
}
