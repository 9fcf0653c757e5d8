using System.Globalization;
using BertGen.Checkpoints;
using BertGen.Training;

namespace BertGen.Captures;

/// <summary>
/// One epoch's capture: every captured sample's activations and inputs, and every parameter with its gradient, in one
/// safetensors file (on disk or in memory). Its contents and metadata are made here (<see cref="Contents"/>,
/// <see cref="Metadata"/>) and read here, the tensors named by <see cref="CaptureNames"/>.
/// </summary>
public sealed class CaptureFile
{
    /// <summary>Metadata key of the number of samples captured.</summary>
    public const string SamplesKey = "bertgen.samples";

    /// <summary>Metadata key of the captured forward pass's loss.</summary>
    public const string LossKey = "bertgen.loss";

    /// <summary>Metadata key of the captured forward pass's MLM loss.</summary>
    public const string MlmLossKey = "bertgen.mlm_loss";

    /// <summary>Metadata key of the captured forward pass's NSP loss.</summary>
    public const string NspLossKey = "bertgen.nsp_loss";

    private CaptureFile(SafeTensorsFile file, int epoch, int samples)
    {
        File = file;
        Epoch = epoch;
        SampleCount = samples;
    }

    /// <summary>The safetensors file the capture is.</summary>
    public SafeTensorsFile File { get; }

    /// <summary>The epoch captured: the weights after that many epochs, and the passes made with them.</summary>
    public int Epoch { get; }

    /// <summary>Samples captured (every sample of the run).</summary>
    public int SampleCount { get; }

    /// <summary>The loss of the captured forward pass.</summary>
    public double Loss => MetadataValue(LossKey);

    /// <summary>Reads a capture file written for a model of <paramref name="config"/>.</summary>
    /// <exception cref="InputException">The file is damaged or belongs to another configuration.</exception>
    public static CaptureFile Read(string path, ModelConfig config) => Open(SafeTensorsFile.Read(path), config);

    /// <summary>A capture from an already read safetensors file, checked against <paramref name="config"/>.</summary>
    /// <exception cref="InputException">The file is not a capture, or belongs to another configuration.</exception>
    public static CaptureFile Open(SafeTensorsFile file, ModelConfig config)
    {
        if (!file.Metadata.TryGetValue(Checkpoint.ConfigKey, out var configText)
            || !file.Metadata.TryGetValue(SamplesKey, out var samplesText)
            || !int.TryParse(samplesText, NumberStyles.None, CultureInfo.InvariantCulture, out int samples) || samples < 1)
        {
            throw new InputException($"'{file.Source}' is not a BertGen capture: its metadata lacks the configuration or a sample count.");
        }

        if (ConfigJson.TryParse(configText) != config)
        {
            throw new InputException($"'{file.Source}' was captured from another configuration than its run's config.json.");
        }

        foreach (var t in file.Tensors)
        {
            var kind = CaptureNames.Parse(t.Name)?.Kind;
            bool perSample = kind is CaptureKind.Activation or CaptureKind.Input;
            if (perSample && (t.Shape.Length == 0 || t.Shape[0] != samples || (kind == CaptureKind.Input && t.DType != "I32")))
            {
                throw new InputException($"'{file.Source}': tensor '{t.Name}' {t.ShapeText} ({t.DType}) does not hold one row for each of its {samples} samples.");
            }
        }

        return new CaptureFile(file, Checkpoint.Epoch(file) ?? -1, samples);
    }

    /// <summary>The error for a run without captures, for a view that needs one: it says which settings capture epochs.</summary>
    public static SettingException NoCaptures(string run) =>
        new(SettingNames.CaptureEpochs, SettingNames.CaptureEvery, (epochs, every) => $"'{run}' has no captures; train it with {epochs} or {every}.");

    /// <summary>The error for an epoch that was not captured, listing those that were.</summary>
    public static InputException NotCaptured(int epoch, IReadOnlyList<int> captured) =>
        new(captured.Count == 0
            ? $"epoch {epoch} was not captured: this run has no captures."
            : $"epoch {epoch} was not captured; captured epochs: {string.Join(", ", captured)}.");

    /// <summary>The shape of one sample's activation, or null when the capture has none of that name.</summary>
    public long[]? ActivationShape(string name, int layer) =>
        File.Find(CaptureNames.Activation(name, layer))?.Shape[1..];

    /// <summary>One sample's values of an activation.</summary>
    public float[] Activation(string name, int layer, int sample)
    {
        var shape = ActivationShape(name, layer) ?? throw new InputException($"the capture of epoch {Epoch} has no activation '{name}'.");
        int length = (int)shape.Aggregate(1L, (a, b) => a * b);
        return File.Float32(CaptureNames.Activation(name, layer), (long)sample * length, length);
    }

    /// <summary>One sample's row of an input (input_ids, segment_ids, masked_positions, masked_tokens, is_next).</summary>
    public int[] Input(string name, int sample)
    {
        var all = File.Int32(CaptureNames.Input(name));
        int width = all.Length / SampleCount;
        return all.AsSpan(sample * width, width).ToArray();
    }

    /// <summary>A parameter's values, by its Hugging Face name.</summary>
    public float[] Parameter(string name) => File.Float32(CaptureNames.Parameter(name));

    /// <summary>A parameter's gradient, by the parameter's Hugging Face name.</summary>
    public float[] Gradient(string name) => File.Float32(CaptureNames.Gradient(name));

    /// <summary>Where one sample's activation block is.</summary>
    public delegate ReadOnlySpan<float> SampleActivations(int sample);

    /// <summary>
    /// The tensors of a capture of the first <paramref name="samples"/> samples: every activation (from
    /// <paramref name="activations"/>), the inputs of <paramref name="batches"/>, and every parameter with its
    /// gradient (none when <paramref name="gradients"/> is null).
    /// </summary>
    public static List<SafeTensorData> Contents(
        IBertModel model, int samples, IReadOnlyList<Batch> batches, SampleActivations activations, float[] parameters, float[]? gradients)
    {
        var tensors = new List<SafeTensorData>();
        foreach (var tensor in model.Activations)
        {
            var values = new float[checked(samples * tensor.Length)];
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
            int count = Math.Min(batch.Count, samples - at);
            if (count <= 0)
            {
                break;
            }

            batch.InputIds.AsSpan(0, count * c.MaxLen).CopyTo(ids.AsSpan(at * c.MaxLen));
            batch.SegmentIds.AsSpan(0, count * c.MaxLen).CopyTo(segs.AsSpan(at * c.MaxLen));
            batch.MaskedPositions.AsSpan(0, count * c.MaxPred).CopyTo(positions.AsSpan(at * c.MaxPred));
            batch.MaskedTokens.AsSpan(0, count * c.MaxPred).CopyTo(tokens.AsSpan(at * c.MaxPred));
            batch.IsNext.AsSpan(0, count).CopyTo(isNext.AsSpan(at));
            at += count;
        }

        // In the order of CaptureNames.Inputs.
        yield return SafeTensorData.Of(CaptureNames.Input(CaptureNames.Inputs[0]), [samples, c.MaxLen], ids);
        yield return SafeTensorData.Of(CaptureNames.Input(CaptureNames.Inputs[1]), [samples, c.MaxLen], segs);
        yield return SafeTensorData.Of(CaptureNames.Input(CaptureNames.Inputs[2]), [samples, c.MaxPred], positions);
        yield return SafeTensorData.Of(CaptureNames.Input(CaptureNames.Inputs[3]), [samples, c.MaxPred], tokens);
        yield return SafeTensorData.Of(CaptureNames.Input(CaptureNames.Inputs[4]), [samples], isNext);
    }

    private double MetadataValue(string key) =>
        File.Metadata.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : double.NaN;
}
