using System.Globalization;
using BertGen.Captures;
using BertGen.Checkpoints;

namespace BertGen.Explore;

/// <summary>One epoch's capture: every sample's activations and inputs, and every parameter with its gradient.</summary>
public sealed class CaptureFile
{
    private CaptureFile(SafeTensorsFile file, int epoch, int samples)
    {
        File = file;
        Epoch = epoch;
        SampleCount = samples;
    }

    public SafeTensorsFile File { get; }

    public int Epoch { get; }

    public int SampleCount { get; }

    /// <summary>The loss of the captured forward pass.</summary>
    public double Loss => Metadata("bertgen.loss");

    /// <summary>Reads a capture file written for a model of <paramref name="config"/>.</summary>
    /// <exception cref="InputException">The file is damaged or belongs to another configuration.</exception>
    public static CaptureFile Read(string path, ModelConfig config)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(Checkpoint.ConfigKey, out var configText) || !file.Metadata.ContainsKey("bertgen.samples"))
        {
            throw new InputException($"'{path}' is not a BertGen capture: its metadata lacks the configuration or the sample count.");
        }

        if (ConfigJson.Parse(configText) != config)
        {
            throw new InputException($"'{path}' was captured from another configuration than its run's config.json.");
        }

        int samples = int.Parse(file.Metadata["bertgen.samples"], CultureInfo.InvariantCulture);
        return new CaptureFile(file, Checkpoint.Epoch(file) ?? -1, samples);
    }

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

    public float[] Parameter(string name) => File.Float32(CaptureNames.Parameter(name));

    public float[] Gradient(string name) => File.Float32(CaptureNames.Gradient(name));

    private double Metadata(string key) =>
        File.Metadata.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : double.NaN;
}
