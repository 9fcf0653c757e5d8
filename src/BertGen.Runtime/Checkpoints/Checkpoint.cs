using System.Globalization;
using System.Text.Json;

namespace BertGen.Checkpoints;

/// <summary>
/// A model's weights as a safetensors file, float32, with the tensor names and shapes of Hugging Face's
/// BertForPreTraining and the model's configuration in <c>__metadata__</c>.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key of the configuration, as JSON.</summary>
    public const string ConfigKey = "bertgen.config";

    /// <summary>Metadata key of the epochs trained.</summary>
    public const string EpochKey = "bertgen.epoch";

    /// <summary>Writes <paramref name="parameters"/> to <paramref name="path"/>, whole or not at all.</summary>
    public static void Save(string path, IBertModel model, float[] parameters, int epoch)
    {
        var tensors = model.Parameters.Select(t => SafeTensorData.Of(t.Name, t.Shape, parameters, t.Offset)).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [ConfigKey] = ConfigJson.Serialize(model.Config),
            [EpochKey] = epoch.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Reads weights for <paramref name="model"/>: every tensor must be there, float32, with the compiled shape, and
    /// finite. The header is checked against the model before any value is read.
    /// </summary>
    /// <exception cref="InputException">The file is not a safetensors file, or does not fit the model; the message names the tensor.</exception>
    public static float[] Load(string path, IBertModel model) => Load(SafeTensorsFile.Open(path), model);

    /// <inheritdoc cref="Load(string, IBertModel)"/>
    public static float[] Load(SafeTensorsFile file, IBertModel model)
    {
        foreach (var tensor in model.Parameters)
        {
            var entry = file.Find(tensor.Name)
                ?? throw new InputException($"'{file.Source}' has no tensor '{tensor.Name}' {tensor.ShapeText}; it was not written for this model ({model.Config.Name}).");
            if (!entry.Shape.SequenceEqual(tensor.Shape.Select(d => (long)d)))
            {
                throw new InputException(
                    $"'{file.Source}': tensor '{tensor.Name}' has shape {entry.ShapeText}, but {model.Config.Name} needs {tensor.ShapeText}; the checkpoint is of another configuration.");
            }

            if (entry.DType != "F32")
            {
                throw new InputException($"'{file.Source}': tensor '{tensor.Name}' is {entry.DType}; BertGen checkpoints hold F32.");
            }
        }

        file.VerifyChecksum();
        var parameters = new float[model.Parameters.Length];
        foreach (var tensor in model.Parameters)
        {
            var values = tensor.Of(parameters.AsSpan());
            file.CopyTo(tensor.Name, values);
            int bad = FirstNonFinite(values);
            if (bad >= 0)
            {
                throw new InputException($"'{file.Source}': tensor '{tensor.Name}' holds {values[bad]} at index {bad}; a checkpoint's weights must be finite.");
            }
        }

        return parameters;
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The epoch a checkpoint records, or null.</summary>
    public static int? Epoch(SafeTensorsFile file) =>
        file.Metadata.TryGetValue(EpochKey, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch) ? epoch : null;
}
