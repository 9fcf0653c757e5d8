using System.Text.Json;
using BertGen.Checkpoints;
using BertGen.Explore;
using BertGen.IO;
using BertGen.Runs;

namespace BertGen.Inference;

/// <summary>
/// Writes a run's weights as a Hugging Face model folder: model.safetensors with BertForPreTraining's names and
/// shapes, config.json in Hugging Face's format, and vocab.txt.
/// </summary>
public static class HuggingFaceExport
{
    /// <summary>Why Hugging Face's BERT cannot express a configuration, or null when it can.</summary>
    public static string? Inexpressible(ModelConfig c) =>
        c.DModel != c.Heads * c.DK ? $"Hugging Face's BERT needs heads*dK = dModel, and this model has {c.Heads}*{c.DK} = {c.Heads * c.DK} with dModel {c.DModel}"
        : !c.FfnAddNorm ? "Hugging Face's BERT always has Add & Norm after the feed-forward sub-layer, and this model was built with ffnAddNorm false"
        : !c.EmbeddingLayerNorm ? "Hugging Face's BERT always has a LayerNorm over the embeddings, and this model was built with embeddingLayerNorm false"
        : null;

    /// <summary>
    /// Exports the newest checkpoint of <paramref name="run"/> (or <paramref name="checkpoint"/>) to
    /// <paramref name="outputDirectory"/>: only what a checkpoint load accepts (every tensor of the model, F32, of its
    /// shape, finite, with a good checksum), written afresh with Hugging Face's names.
    /// </summary>
    /// <exception cref="InputException">The configuration cannot be expressed, the checkpoint is not one of this model, or the folder is not empty.</exception>
    public static void Export(RunArchive run, ModelDefinition model, string? checkpoint, string outputDirectory)
    {
        var c = run.Config;
        if (Inexpressible(c) is { } why)
        {
            throw new InputException($"cannot export '{run.Folder.Path}': {why}.");
        }

        checkpoint ??= run.Folder.NewestCheckpoint();
        if (!File.Exists(checkpoint))
        {
            throw new InputException($"there is no checkpoint '{checkpoint}'.");
        }

        var created = model.Create(c.VocabSize);
        if (!created.Config.SameShape(c))
        {
            throw new InputException($"'{run.Folder.Path}' was trained with another configuration than this build's bertgen.json; rebuild with the run's configuration.");
        }

        var file = SafeTensorsFile.Open(checkpoint);
        if (!file.Metadata.TryGetValue(Checkpoint.ConfigKey, out var config) || ConfigJson.TryParse(config) is not { } written || !written.SameShape(c))
        {
            throw new InputException($"'{checkpoint}' was not written for the configuration of '{run.Folder.Path}'.");
        }

        var parameters = Checkpoint.Load(file, created);
        if (File.Exists(outputDirectory) || (Directory.Exists(outputDirectory) && Directory.EnumerateFileSystemEntries(outputDirectory).Any()))
        {
            throw new SettingException(SettingNames.ExportFolder, name => $"'{outputDirectory}' already exists and is not an empty folder; choose another {name}.");
        }

        Directory.CreateDirectory(outputDirectory);
        Checkpoint.Save(Path.Combine(outputDirectory, "model.safetensors"), created, parameters, Checkpoint.Epoch(file) ?? 0);
        AtomicFile.Write(Path.Combine(outputDirectory, "config.json"), stream => WriteConfig(stream, c));
        AtomicFile.WriteText(Path.Combine(outputDirectory, "vocab.txt"), string.Join('\n', run.Vocabulary.Tokens) + "\n");
    }

    private static void WriteConfig(Stream stream, ModelConfig c)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("architectures");
        json.WriteStringValue("BertForPreTraining");
        json.WriteEndArray();
        json.WriteString("model_type", "bert");
        json.WriteNumber("vocab_size", c.VocabSize);
        json.WriteNumber("hidden_size", c.DModel);
        json.WriteNumber("num_hidden_layers", c.Layers);
        json.WriteNumber("num_attention_heads", c.Heads);
        json.WriteNumber("intermediate_size", c.DFF);
        json.WriteString("hidden_act", "gelu");
        json.WriteNumber("hidden_dropout_prob", 0.0);
        json.WriteNumber("attention_probs_dropout_prob", 0.0);
        json.WriteNumber("max_position_embeddings", c.MaxLen);
        json.WriteNumber("type_vocab_size", c.Segments);
        json.WriteNumber("initializer_range", 0.02);
        json.WriteNumber("layer_norm_eps", c.LayerNormEps);
        json.WriteNumber("pad_token_id", 0);
        json.WriteString("position_embedding_type", "absolute");
        json.WriteString("torch_dtype", "float32");
        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }
}
