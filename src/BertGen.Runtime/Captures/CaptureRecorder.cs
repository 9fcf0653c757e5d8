using BertGen.Training;

namespace BertGen.Captures;

/// <summary>
/// Records what a training step computed at chosen epochs: the activations of the first samples (read from the trainer's
/// arena batch by batch, as each batch passes), their inputs, and every parameter with its gradient summed over the
/// epoch's batches, as one safetensors capture per epoch handed to a <see cref="CaptureStore"/>. The capture of epoch
/// E holds the weights after E epochs and the forward and backward passes made with them (those of step E + 1).
/// Epochs that are not captured cost nothing: the trainer is given no hook for them.
/// </summary>
public sealed class CaptureRecorder
{
    /// <summary>Bytes of activations a capture keeps by default; the samples that fit are captured (at least one batch).</summary>
    public const long DefaultActivationBudget = 64L << 20;

    private readonly Trainer _trainer;
    private readonly CaptureStore _store;
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private float[]? _activations;

    /// <summary>A recorder of <paramref name="trainer"/>'s passes into <paramref name="store"/>, of its first <paramref name="samples"/> samples.</summary>
    public CaptureRecorder(Trainer trainer, CaptureStore store, int samples)
    {
        _trainer = trainer;
        _store = store;
        Samples = Math.Clamp(samples, 1, trainer.SampleCount);
        _parameters = new float[trainer.Parameters.Length];
        _gradients = new float[trainer.Parameters.Length];
        AfterBackward = Record;
    }

    /// <summary>The samples a capture holds: the first this many of the run.</summary>
    public int Samples { get; }

    /// <summary>
    /// The trainer's hook for a captured epoch, called after each batch's backward pass and before the weights change:
    /// keeps the weights as they were before the epoch's first update, sums the batches' gradients, and copies the
    /// captured samples' activations out of the arena before the next batch overwrites them.
    /// </summary>
    public Action<int> AfterBackward { get; }

    /// <summary>
    /// The samples a capture holds by default: as many as <see cref="DefaultActivationBudget"/> of activations holds,
    /// at least one batch, at most all.
    /// </summary>
    public static int DefaultSamples(IBertModel model, int sampleCount)
    {
        long fit = DefaultActivationBudget / (4L * model.Activations.Length);
        return (int)Math.Clamp(fit, Math.Min(model.Config.BatchSize, sampleCount), sampleCount);
    }

    /// <summary>Records the capture of <paramref name="epoch"/> from the passes <see cref="AfterBackward"/> saw.</summary>
    public void Write(int epoch, EpochMetrics metrics)
    {
        int stride = _trainer.Model.Activations.Length;
        var activations = _activations!;
        _store.Add(
            epoch,
            CaptureFile.Contents(_trainer.Model, Samples, _trainer.Batches, s => activations.AsSpan(s * stride, stride), _parameters, _gradients),
            CaptureFile.Metadata(_trainer.Model, epoch, Samples, metrics));
    }

    private void Record(int batch)
    {
        if (batch == 0)
        {
            _trainer.Parameters.CopyTo(_parameters, 0);
            Array.Clear(_gradients);
        }

        System.Numerics.Tensors.TensorPrimitives.Add(_gradients, _trainer.Gradients, _gradients);
        int stride = _trainer.Model.Activations.Length;
        int first = batch * _trainer.Model.Config.BatchSize;
        int count = Math.Min(_trainer.Batches[batch].Count, Samples - first);
        if (count > 0)
        {
            _activations ??= new float[checked(Samples * stride)];
            for (int s = 0; s < count; s++)
            {
                _trainer.CopyBatchActivations(s, _activations.AsSpan((first + s) * stride, stride));
            }
        }
    }
}
