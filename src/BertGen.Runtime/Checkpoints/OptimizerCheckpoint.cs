using System.Globalization;
using BertGen.Training;

namespace BertGen.Checkpoints;

/// <summary>
/// Adam's state beside a checkpoint (<c>epoch-000123.optimizer.safetensors</c>): PyTorch's exp_avg and exp_avg_sq of
/// every parameter, the step, the settings, and the state of the masking random stream, so that a resumed run goes on
/// exactly as the uninterrupted one would. The checkpoint itself keeps only Hugging Face's tensors.
/// </summary>
public static class OptimizerCheckpoint
{
    private const string StepKey = "bertgen.adam_step";
    private const string MaskRandomKey = "bertgen.mask_random";

    /// <summary>The optimizer file that belongs to a checkpoint file.</summary>
    public static string PathFor(string checkpointPath) =>
        checkpointPath.EndsWith(".safetensors", StringComparison.Ordinal)
            ? checkpointPath[..^".safetensors".Length] + ".optimizer.safetensors"
            : checkpointPath + ".optimizer";

    /// <summary>Writes <paramref name="adam"/>'s moments and step, and the masking stream's state when there is one, to <paramref name="path"/>.</summary>
    public static void Save(string path, IBertModel model, Adam<float> adam, string? maskRandomState)
    {
        var tensors = new List<SafeTensorData>();
        foreach (var t in model.Parameters)
        {
            tensors.Add(SafeTensorData.Of("exp_avg." + t.Name, t.Shape, adam.M, t.Offset));
            tensors.Add(SafeTensorData.Of("exp_avg_sq." + t.Name, t.Shape, adam.V, t.Offset));
        }

        var s = adam.Settings;
        var metadata = new Dictionary<string, string>
        {
            [Checkpoint.ConfigKey] = ConfigJson.Serialize(model.Config),
            [StepKey] = adam.Step.ToString(CultureInfo.InvariantCulture),
            ["bertgen.adam"] = string.Create(CultureInfo.InvariantCulture, $"lr={s.LearningRate:R},beta1={s.Beta1:R},beta2={s.Beta2:R},eps={s.Epsilon:R}"),
        };
        if (maskRandomState is not null)
        {
            metadata[MaskRandomKey] = maskRandomState;
        }

        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>Restores <paramref name="adam"/> from <paramref name="path"/>; returns the masking stream's state, if saved.</summary>
    /// <exception cref="InputException">The file is damaged or does not fit the model.</exception>
    public static string? Load(string path, IBertModel model, Adam<float> adam)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(StepKey, out var stepText) || !long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
        {
            throw new InputException($"'{path}' is not an optimizer checkpoint: it records no Adam step.");
        }

        foreach (var t in model.Parameters)
        {
            foreach (var (prefix, buffer) in new[] { ("exp_avg.", adam.M), ("exp_avg_sq.", adam.V) })
            {
                var entry = file.Find(prefix + t.Name)
                    ?? throw new InputException($"'{path}' has no tensor '{prefix + t.Name}'; it was not written for this model.");
                if (!entry.Shape.SequenceEqual(t.Shape.Select(d => (long)d)) || entry.DType != "F32")
                {
                    throw new InputException($"'{path}': tensor '{prefix + t.Name}' is {entry.DType} {entry.ShapeText}, but the model needs F32 {t.ShapeText}.");
                }

                file.CopyTo(prefix + t.Name, t.Of(buffer.AsSpan()));
            }
        }

        adam.Step = step;
        return file.Metadata.GetValueOrDefault(MaskRandomKey);
    }
}
