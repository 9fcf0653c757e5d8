using System.Globalization;
using BertGen.Checkpoints;

namespace BertGen.Captures;

/// <summary>
/// One epoch's capture, as <see cref="CaptureRecorder"/> writes it: every sample's activations and inputs, and every
/// parameter with its gradient, in one safetensors file (on disk or in memory).
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
    public double Loss => Metadata(LossKey);

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
            bool perSample = t.Name.StartsWith("act.", StringComparison.Ordinal) || t.Name.StartsWith("input.", StringComparison.Ordinal);
            if (perSample && (t.Shape.Length == 0 || t.Shape[0] != samples || (t.Name.StartsWith("input.", StringComparison.Ordinal) && t.DType != "I32")))
            {
                throw new InputException($"'{file.Source}': tensor '{t.Name}' {t.ShapeText} ({t.DType}) does not hold one row for each of its {samples} samples.");
            }
        }

        return new CaptureFile(file, Checkpoint.Epoch(file) ?? -1, samples);
    }

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

    private double Metadata(string key) =>
        File.Metadata.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : double.NaN;
}
