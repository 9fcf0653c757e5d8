using System.Text.Json;
using BertGen.Checkpoints;
using BertGen.Explore;
using BertGen.IO;

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

    /// <summary>Exports the newest checkpoint of <paramref name="run"/> (or <paramref name="checkpoint"/>) to <paramref name="outputDirectory"/>.</summary>
    /// <exception cref="InputException">The configuration cannot be expressed, the run has no checkpoint, or the folder is not empty.</exception>
    public static void Export(string? run, string? checkpoint, string outputDirectory)
    {
        var archive = RunArchive.Open(run);
        var c = archive.Config;
        if (Inexpressible(c) is { } why)
        {
            throw new InputException($"cannot export '{archive.Folder.Path}': {why}.");
        }

        checkpoint ??= archive.Folder.NewestCheckpoint();
        if (!File.Exists(checkpoint))
        {
            throw new InputException($"there is no checkpoint '{checkpoint}'.");
        }

        var file = SafeTensorsFile.Read(checkpoint);
        if (!file.Metadata.TryGetValue(Checkpoint.ConfigKey, out var config) || !ConfigJson.Parse(config).SameShape(c))
        {
            throw new InputException($"'{checkpoint}' was not written for the configuration of '{archive.Folder.Path}'.");
        }

        if (File.Exists(outputDirectory) || (Directory.Exists(outputDirectory) && Directory.EnumerateFileSystemEntries(outputDirectory).Any()))
        {
            throw new InputException($"'{outputDirectory}' already exists and is not an empty folder; choose another --out.");
        }

        Directory.CreateDirectory(outputDirectory);
        AtomicFile.Write(Path.Combine(outputDirectory, "model.safetensors"), stream =>
        {
            using var source = File.OpenRead(checkpoint);
            source.CopyTo(stream);
        });
        AtomicFile.Write(Path.Combine(outputDirectory, "config.json"), stream => WriteConfig(stream, c));
        AtomicFile.WriteText(Path.Combine(outputDirectory, "vocab.txt"), string.Join('\n', archive.Vocabulary.Tokens) + "\n");
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
