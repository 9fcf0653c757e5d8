using System.Text.Json;

namespace BertGen;

/// <summary>A model configuration as JSON, with bertgen.json's keys and the vocabulary size: in config.json and in checkpoint metadata.</summary>
public static class ConfigJson
{
    /// <summary>The configuration as a JSON object.</summary>
    public static string Serialize(ModelConfig c)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            Write(json, c);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the configuration as a JSON object.</summary>
    public static void Write(Utf8JsonWriter json, ModelConfig c)
    {
        json.WriteStartObject();
        json.WriteString("name", c.Name);
        json.WriteNumber("maxLen", c.MaxLen);
        json.WriteNumber("batchSize", c.BatchSize);
        json.WriteNumber("maxPred", c.MaxPred);
        json.WriteNumber("layers", c.Layers);
        json.WriteNumber("heads", c.Heads);
        json.WriteNumber("dModel", c.DModel);
        json.WriteNumber("dFF", c.DFF);
        json.WriteNumber("dK", c.DK);
        json.WriteNumber("segments", c.Segments);
        json.WriteBoolean("ffnAddNorm", c.FfnAddNorm);
        json.WriteBoolean("embeddingLayerNorm", c.EmbeddingLayerNorm);
        json.WriteNumber("layerNormEps", c.LayerNormEps);
        json.WriteNumber("vocabSize", c.VocabSize);
        json.WriteEndObject();
    }

    /// <exception cref="KeyNotFoundException">A key is missing.</exception>
    /// <exception cref="InvalidOperationException">A value has the wrong type.</exception>
    public static ModelConfig Read(JsonElement m) => new(
        m.GetProperty("name").GetString()!,
        m.GetProperty("maxLen").GetInt32(),
        m.GetProperty("batchSize").GetInt32(),
        m.GetProperty("maxPred").GetInt32(),
        m.GetProperty("layers").GetInt32(),
        m.GetProperty("heads").GetInt32(),
        m.GetProperty("dModel").GetInt32(),
        m.GetProperty("dFF").GetInt32(),
        m.GetProperty("dK").GetInt32(),
        m.GetProperty("segments").GetInt32(),
        m.GetProperty("ffnAddNorm").GetBoolean(),
        m.GetProperty("embeddingLayerNorm").GetBoolean(),
        m.GetProperty("layerNormEps").GetDouble(),
        m.GetProperty("vocabSize").GetInt32());

    /// <summary>The configuration <paramref name="json"/> holds, or null when it is not one.</summary>
    public static ModelConfig? TryParse(string json)
    {
        try
        {
            return Parse(json);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <inheritdoc cref="Read(JsonElement)"/>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static ModelConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        return Read(doc.RootElement);
    }
}
