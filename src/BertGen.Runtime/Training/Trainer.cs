using BertGen.Data;
using BertGen.Kernels;

namespace BertGen.Training;

/// <summary>
/// Trains a generated model in float: per batch, every sample's forward pass, the loss, every sample's backward pass,
/// then one Adam step. Parameters, gradients and Adam state are flat buffers; the activation arena holds one batch,
/// so that memory is bounded by the batch (and the threads), the parameters and the encoded corpus, not by the number
/// of samples. A hook sees each batch's activations before the next batch overwrites them. An epoch allocates nothing.
/// </summary>
public sealed class Trainer
{
    private readonly Batch[] _batches;
    private readonly float[] _arena;
    private readonly float[] _scratch;
    private float[][] _threadGradients = [];
    private float[][] _threadScratch = [];
    private float[]? _sampleBlock;
    private int _threads = 1;
    private PartRunner? _runner;
    private readonly Action<int> _forwardPart;
    private readonly Action<int> _backwardPart;
    private Batch? _parallelBatch;
    private int _parallelParts;
    private bool _parallelEverything;

    /// <summary>
    /// Creates a trainer over <paramref name="samples"/>, its weights initialised from <paramref name="initialRandom"/>
    /// (or left zero, to be loaded from a checkpoint, when it is null).
    /// </summary>
    public Trainer(IBertModel model, IReadOnlyList<EncodedSample> samples, AdamSettings adam, SeededRandom? initialRandom)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("There is nothing to train on.", nameof(samples));
        }

        Model = model;
        _forwardPart = ForwardPart;
        _backwardPart = BackwardPart;
        var c = model.Config;
        SampleCount = samples.Count;
        _batches = new Batch[(samples.Count + c.BatchSize - 1) / c.BatchSize];
        for (int b = 0; b < _batches.Length; b++)
        {
            _batches[b] = new Batch(c.BatchSize, c.MaxLen, c.MaxPred);
        }

        LoadSamples(samples);
        Parameters = new float[model.Parameters.Length];
        Gradients = new float[model.Parameters.Length];
        Optimizer = new Adam<float>(model.Parameters.Length, adam);
        int batchLength = checked(c.BatchSize * model.Activations.Length);
        _arena = new float[batchLength];
        _scratch = new float[batchLength];
        if (initialRandom is not null)
        {
            Initializer.Initialize(model.Parameters, Parameters, initialRandom);
        }
    }

    /// <summary>The model being trained.</summary>
    public IBertModel Model { get; }

    /// <summary>The weights, laid out by <see cref="IBertModel.Parameters"/>.</summary>
    public float[] Parameters { get; }

    /// <summary>The gradients of the last forward and backward pass.</summary>
    public float[] Gradients { get; }

    /// <summary>Adam's state.</summary>
    public Adam<float> Optimizer { get; }

    /// <summary>
    /// Threads that share a batch's samples (1: all on the calling thread). With more, each thread accumulates its
    /// samples' gradients apart and the parts are summed in a fixed order, so results depend on the thread count but not
    /// on timing. Either way a step allocates nothing.
    /// </summary>
    public int Threads
    {
        get => _threads;
        set
        {
            // More threads than samples in a batch would have nothing to do: they get no buffers of their own, and the
            // results are those of one thread per sample.
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            value = Math.Min(value, Model.Config.BatchSize);
            _threads = value;
            _runner = value == 1 ? null : new PartRunner(value);
            _threadGradients = value == 1 ? [] : Enumerable.Range(0, value).Select(_ => new float[Parameters.Length]).ToArray();
            _threadScratch = value == 1 ? [] : Enumerable.Range(0, value).Select(_ => new float[_scratch.Length]).ToArray();
        }
    }

    /// <summary>How many masked words and IsNext flags the last epoch or evaluation predicted right, of how many.</summary>
    public PredictionCounts LastCounts { get; private set; }

    /// <summary>Epochs trained so far.</summary>
    public int Epoch { get; set; }

    /// <summary>Values of the activation arena and its gradients' scratch: one batch's (per thread), whatever the number of samples.</summary>
    public long ActivationValues => _arena.LongLength + _scratch.LongLength + _threadScratch.Sum(s => s.LongLength);

    /// <summary>Samples trained on each epoch.</summary>
    public int SampleCount { get; }

    /// <summary>The batches of one epoch, in order.</summary>
    public IReadOnlyList<Batch> Batches => _batches;

    /// <summary>
    /// The activations of the <paramref name="sample"/>th sample of the last batch that ran (the batch a hook is
    /// called for), as its forward pass left them, laid out as one sample by <see cref="IBertModel.Activations"/>:
    /// copied out of the batch-major arena into a buffer of the trainer's, which the next call overwrites.
    /// </summary>
    public ReadOnlySpan<float> BatchActivations(int sample)
    {
        var block = _sampleBlock ??= new float[Model.Activations.Length];
        CopyBatchActivations(sample, block);
        return block;
    }

    /// <summary>
    /// Copies the activations of the <paramref name="sample"/>th sample of the last batch that ran into
    /// <paramref name="block"/>, laid out as one sample by <see cref="IBertModel.Activations"/> (as
    /// <see cref="BatchActivations"/> returns them, without its buffer).
    /// </summary>
    public void CopyBatchActivations(int sample, Span<float> block) => Model.Activations.CopySample<float>(_arena, sample, block);

    /// <summary>Replaces the samples (same count), e.g. after dynamic re-masking.</summary>
    public void LoadSamples(IReadOnlyList<EncodedSample> samples)
    {
        if (samples.Count != SampleCount)
        {
            throw new ArgumentException($"The trainer holds {SampleCount} samples, not {samples.Count}.", nameof(samples));
        }

        int batchSize = Model.Config.BatchSize;
        var all = samples as EncodedSample[] ?? samples.ToArray();
        for (int b = 0; b < _batches.Length; b++)
        {
            int start = b * batchSize;
            _batches[b].Load(all.AsSpan(start, Math.Min(batchSize, all.Length - start)));
        }
    }

    /// <summary>
    /// One epoch: for each batch a forward pass, a backward pass and an Adam step. <paramref name="beforeUpdate"/>, when
    /// given, sees each batch after its backward pass and before the weights change, with every activation in
    /// <see cref="BatchActivations"/>; without it, the forward passes leave out what only such a reader would see
    /// (<see cref="IBertModel.ForwardSamplesForTraining"/>), and the numbers trained on are the same.
    /// </summary>
    public EpochMetrics TrainEpoch(Action<int>? beforeUpdate = null)
    {
        var totals = default(Totals);
        for (int b = 0; b < _batches.Length; b++)
        {
            Array.Clear(Gradients);
            totals.Add(ForwardBackward(b, everything: beforeUpdate is not null));
            beforeUpdate?.Invoke(b);
            Optimizer.Update(Parameters, Gradients);
        }

        Epoch++;
        LastCounts = totals.Counts;
        return totals.ToMetrics(Epoch);
    }

    /// <summary>
    /// Forward and backward passes over every batch with the weights as they are, without an update: the state after
    /// <see cref="Epoch"/> epochs, for captures and predictions. <paramref name="afterBatch"/>, when given, sees each
    /// batch after its backward pass, its gradients alone in <see cref="Gradients"/>.
    /// </summary>
    public EpochMetrics Evaluate(Action<int>? afterBatch = null) => Evaluate(afterBatch, backward: true);

    /// <summary>
    /// As <see cref="Evaluate(Action{int}?)"/>; without <paramref name="backward"/>, only the forward passes and the loss
    /// run (no gradients), for the predictions and metrics alone.
    /// </summary>
    public EpochMetrics Evaluate(Action<int>? afterBatch, bool backward)
    {
        var totals = default(Totals);
        for (int b = 0; b < _batches.Length; b++)
        {
            Array.Clear(Gradients);
            totals.Add(backward ? ForwardBackward(b, everything: true) : Forward(b));
            afterBatch?.Invoke(b);
        }

        LastCounts = totals.Counts;
        return totals.ToMetrics(Epoch);
    }

    private ForwardResult Forward(int b)
    {
        var batch = _batches[b];
        Model.ForwardSamples<float>(Parameters, batch, 0, batch.Count, _arena);
        return Model.Loss<float>(batch, _arena);
    }

    /// <summary>A batch's forward and backward passes; <paramref name="everything"/>: every activation written, for a reader.</summary>
    private ForwardResult ForwardBackward(int b, bool everything)
    {
        var batch = _batches[b];
        if (_threads > 1 && batch.Count > 1)
        {
            return ForwardBackwardInParallel(batch, everything);
        }

        ForwardSamples(batch, 0, batch.Count, everything);
        var result = Model.Loss<float>(batch, _arena);
        Model.BackwardSamples<float>(Parameters, batch, 0, batch.Count, _arena, Gradients, _scratch);
        return result;
    }

    private ForwardResult ForwardBackwardInParallel(Batch batch, bool everything)
    {
        _parallelBatch = batch;
        _parallelEverything = everything;
        _parallelParts = Math.Min(_threads, batch.Count);
        _runner!.Run(_parallelParts, _forwardPart);
        var result = Model.Loss<float>(batch, _arena);
        _runner.Run(_parallelParts, _backwardPart);
        for (int part = 0; part < _parallelParts; part++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(Gradients, _threadGradients[part], Gradients);
        }

        _parallelBatch = null;
        return result;
    }

    /// <summary>The first sample and the number of samples of one part of the batch being split.</summary>
    private (int First, int Count) Range(int part)
    {
        int count = _parallelBatch!.Count, first = part * count / _parallelParts;
        return (first, ((part + 1) * count / _parallelParts) - first);
    }

    private void ForwardPart(int part)
    {
        var (first, count) = Range(part);
        ForwardSamples(_parallelBatch!, first, count, _parallelEverything);
    }

    private void ForwardSamples(Batch batch, int first, int count, bool everything)
    {
        if (everything)
        {
            Model.ForwardSamples<float>(Parameters, batch, first, count, _arena);
        }
        else
        {
            Model.ForwardSamplesForTraining<float>(Parameters, batch, first, count, _arena);
        }
    }

    private void BackwardPart(int part)
    {
        var (first, count) = Range(part);
        var gradients = _threadGradients[part];
        Array.Clear(gradients);
        Model.BackwardSamples<float>(Parameters, _parallelBatch!, first, count, _arena, gradients, _threadScratch[part]);
    }

    private struct Totals
    {
        private double _mlm, _nsp;
        private int _mlmCorrect, _mlmCount, _nspCorrect, _nspCount;

        public void Add(ForwardResult r)
        {
            _mlm += r.MlmLoss * r.MlmCount;
            _nsp += r.NspLoss * r.NspCount;
            _mlmCorrect += r.MlmCorrect;
            _mlmCount += r.MlmCount;
            _nspCorrect += r.NspCorrect;
            _nspCount += r.NspCount;
        }

        public readonly EpochMetrics ToMetrics(int epoch)
        {
            double mlm = _mlmCount == 0 ? 0 : _mlm / _mlmCount;
            double nsp = _nspCount == 0 ? 0 : _nsp / _nspCount;
            return new EpochMetrics(
                epoch,
                mlm + nsp,
                mlm,
                nsp,
                _mlmCount == 0 ? 0 : (double)_mlmCorrect / _mlmCount,
                _nspCount == 0 ? 0 : (double)_nspCorrect / _nspCount);
        }

        public readonly PredictionCounts Counts => new(_mlmCorrect, _mlmCount, _nspCorrect, _nspCount);
    }
}
