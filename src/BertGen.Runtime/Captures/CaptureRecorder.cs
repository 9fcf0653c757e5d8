using System.Globalization;
using BertGen.Checkpoints;
using BertGen.Training;

namespace BertGen.Captures;

/// <summary>
/// Records what a training step computed at chosen epochs: every activation of every sample, read from the trainer's
/// arena, and every parameter with its gradient, as one safetensors capture per epoch handed to a
/// <see cref="CaptureStore"/>. The capture of epoch E holds the weights after E epochs and the forward and backward
/// passes made with them (those of step E + 1). Epochs that are not captured cost nothing: the trainer is given no
/// hook for them.
/// </summary>
public sealed class CaptureRecorder
{
    private readonly Trainer _trainer;
    private readonly CaptureStore _store;
    private readonly float[] _parameters;
    private readonly float[] _gradients;

    /// <summary>A recorder of <paramref name="trainer"/>'s passes into <paramref name="store"/>.</summary>
    public CaptureRecorder(Trainer trainer, CaptureStore store)
    {
        _trainer = trainer;
        _store = store;
        _parameters = new float[trainer.Parameters.Length];
        _gradients = new float[trainer.Parameters.Length];
        BeforeUpdate = Record;
    }

    /// <summary>
    /// The trainer's hook for a captured epoch: keeps the weights as they were before the epoch's first update and
    /// sums the gradients of its batches.
    /// </summary>
    public Action<int> BeforeUpdate { get; }

    /// <summary>
    /// Records the capture of <paramref name="epoch"/> from the trainer as it stands after <see cref="Trainer.Evaluate"/>
    /// (for the last epoch, which no training step follows).
    /// </summary>
    public void WriteEvaluated(int epoch, EpochMetrics metrics) => Write(epoch, metrics, _trainer.Parameters, _trainer.Gradients);

    /// <summary>Records the capture of <paramref name="epoch"/> after a training epoch that ran with <see cref="BeforeUpdate"/>.</summary>
    public void WriteAfterStep(int epoch, EpochMetrics forwardMetrics) => Write(epoch, forwardMetrics, _parameters, _gradients);

    private void Record(int batch)
    {
        if (batch == 0)
        {
            _trainer.Parameters.CopyTo(_parameters, 0);
            Array.Clear(_gradients);
        }

        System.Numerics.Tensors.TensorPrimitives.Add(_gradients, _trainer.Gradients, _gradients);
    }

    private void Write(int epoch, EpochMetrics metrics, float[] parameters, float[] gradients) =>
        _store.Add(epoch, Tensors(_trainer.Model, _trainer.Batches, _trainer.SampleActivations, parameters, gradients), Metadata(_trainer.Model, epoch, _trainer.SampleCount, metrics));

    /// <summary>Where one sample's activation block is.</summary>
    public delegate ReadOnlySpan<float> SampleActivations(int sample);

    /// <summary>
    /// The tensors of a capture: every activation of every sample (from <paramref name="activations"/>), the inputs of
    /// <paramref name="batches"/>, and every parameter with its gradient (none when <paramref name="gradients"/> is null).
    /// </summary>
    public static List<SafeTensorData> Tensors(
        IBertModel model, IReadOnlyList<Batch> batches, SampleActivations activations, float[] parameters, float[]? gradients)
    {
        int samples = batches.Sum(b => b.Count);
        var tensors = new List<SafeTensorData>();
        foreach (var tensor in model.Activations)
        {
            var values = new float[samples * tensor.Length];
            for (int s = 0; s < samples; s++)
            {
                tensor.Of(activations(s)).CopyTo(values.AsSpan(s * tensor.Length, tensor.Length));
            }

            tensors.Add(SafeTensorData.Of(CaptureNames.Activation(tensor.Name, tensor.Layer), [samples, .. tensor.Shape], values));
        }

        tensors.AddRange(Inputs(model.Config, batches, samples));
        foreach (var tensor in model.Parameters)
        {
            tensors.Add(SafeTensorData.Of(CaptureNames.Parameter(tensor.Name), tensor.Shape, parameters, tensor.Offset));
            if (gradients is not null)
            {
                tensors.Add(SafeTensorData.Of(CaptureNames.Gradient(tensor.Name), tensor.Shape, gradients, tensor.Offset));
            }
        }

        return tensors;
    }

    /// <summary>The metadata of a capture: the configuration, the epoch, the sample count and the pass's losses.</summary>
    public static Dictionary<string, string> Metadata(IBertModel model, int epoch, int samples, EpochMetrics? metrics)
    {
        var metadata = new Dictionary<string, string>
        {
            [Checkpoint.ConfigKey] = ConfigJson.Serialize(model.Config),
            [Checkpoint.EpochKey] = epoch.ToString(CultureInfo.InvariantCulture),
            [CaptureFile.SamplesKey] = samples.ToString(CultureInfo.InvariantCulture),
        };
        if (metrics is { } m)
        {
            metadata[CaptureFile.LossKey] = m.Loss.ToString("R", CultureInfo.InvariantCulture);
            metadata[CaptureFile.MlmLossKey] = m.MlmLoss.ToString("R", CultureInfo.InvariantCulture);
            metadata[CaptureFile.NspLossKey] = m.NspLoss.ToString("R", CultureInfo.InvariantCulture);
        }

        return metadata;
    }

    /// <summary>The inputs the captured pass read (they change every epoch under dynamic masking).</summary>
    private static IEnumerable<SafeTensorData> Inputs(ModelConfig c, IReadOnlyList<Batch> batches, int samples)
    {
        var ids = new int[samples * c.MaxLen];
        var segs = new int[samples * c.MaxLen];
        var positions = new int[samples * c.MaxPred];
        var tokens = new int[samples * c.MaxPred];
        var isNext = new int[samples];
        int at = 0;
        foreach (var batch in batches)
        {
            batch.InputIds.AsSpan(0, batch.Count * c.MaxLen).CopyTo(ids.AsSpan(at * c.MaxLen));
            batch.SegmentIds.AsSpan(0, batch.Count * c.MaxLen).CopyTo(segs.AsSpan(at * c.MaxLen));
            batch.MaskedPositions.AsSpan(0, batch.Count * c.MaxPred).CopyTo(positions.AsSpan(at * c.MaxPred));
            batch.MaskedTokens.AsSpan(0, batch.Count * c.MaxPred).CopyTo(tokens.AsSpan(at * c.MaxPred));
            batch.IsNext.AsSpan(0, batch.Count).CopyTo(isNext.AsSpan(at));
            at += batch.Count;
        }

        yield return SafeTensorData.Of(CaptureNames.Input("input_ids"), [samples, c.MaxLen], ids);
        yield return SafeTensorData.Of(CaptureNames.Input("segment_ids"), [samples, c.MaxLen], segs);
        yield return SafeTensorData.Of(CaptureNames.Input("masked_positions"), [samples, c.MaxPred], positions);
        yield return SafeTensorData.Of(CaptureNames.Input("masked_tokens"), [samples, c.MaxPred], tokens);
        yield return SafeTensorData.Of(CaptureNames.Input("is_next"), [samples], isNext);
    }
}
