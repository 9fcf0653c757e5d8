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

    /// <summary>
    /// Restores <paramref name="adam"/> from <paramref name="path"/>; returns the masking stream's state, if saved. The
    /// moments must be finite (the second ones not negative) and the step must be <paramref name="expectedStep"/>, the
    /// steps the checkpoint's epochs took.
    /// </summary>
    /// <exception cref="InputException">The file is damaged or does not fit the model; the message names the tensor.</exception>
    public static string? Load(string path, IBertModel model, Adam<float> adam, long expectedStep)
    {
        var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(StepKey, out var stepText) || !long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
        {
            throw new InputException($"'{path}' is not an optimizer checkpoint: it records no Adam step.");
        }

        if (step != expectedStep)
        {
            throw new InputException($"'{path}' records Adam step {stepText}, but its checkpoint's epochs took {expectedStep} steps; the file does not belong to it.");
        }

        foreach (var t in model.Parameters)
        {
            foreach (var prefix in new[] { "exp_avg.", "exp_avg_sq." })
            {
                var entry = file.Find(prefix + t.Name)
                    ?? throw new InputException($"'{path}' has no tensor '{prefix + t.Name}'; it was not written for this model.");
                if (!entry.Shape.SequenceEqual(t.Shape.Select(d => (long)d)) || entry.DType != "F32")
                {
                    throw new InputException($"'{path}': tensor '{prefix + t.Name}' is {entry.DType} {entry.ShapeText}, but the model needs F32 {t.ShapeText}.");
                }
            }
        }

        file.VerifyChecksum();
        foreach (var t in model.Parameters)
        {
            foreach (var (prefix, buffer, second) in new[] { ("exp_avg.", adam.M, false), ("exp_avg_sq.", adam.V, true) })
            {
                var values = t.Of(buffer.AsSpan());
                file.CopyTo(prefix + t.Name, values);
                for (int i = 0; i < values.Length; i++)
                {
                    if (!float.IsFinite(values[i]) || (second && values[i] < 0))
                    {
                        throw new InputException(
                            $"'{path}': tensor '{prefix + t.Name}' holds {values[i].ToString(CultureInfo.InvariantCulture)} at index {i}; Adam's moments must be finite, and the second ones not negative.");
                    }
                }
            }
        }

        adam.Step = step;
        return file.Metadata.GetValueOrDefault(MaskRandomKey);
    }
}
