using System.Text;
using System.Text.Json;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>A prediction as JSON, for scripts: the same content <c>predict</c> prints.</summary>
public static class PredictionJson
{
    /// <summary>
    /// <c>{ "checkpoint", "input", "masks": [ { "position", "top": [ { "id", "word", "probability", "logit" } ] } ],
    /// "isNext": { "probability", "predicted", "notNextLogit", "isNextLogit" } }</c>.
    /// </summary>
    public static string Serialize(SamplePrediction prediction, Vocabulary vocabulary, string checkpoint)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("checkpoint", checkpoint);
            json.WriteString("input", MaskedInput.Plain(prediction.Input));
            json.WriteStartArray("masks");
            foreach (var mask in prediction.Masks)
            {
                json.WriteStartObject();
                json.WriteNumber("position", mask.Position);
                json.WriteStartArray("top");
                foreach (var (id, probability, logit) in mask.Top)
                {
                    json.WriteStartObject();
                    json.WriteNumber("id", id);
                    json.WriteString("word", vocabulary[id]);
                    json.WritePropertyName("probability");
                    DocumentJson.Number(json, probability);
                    json.WritePropertyName("logit");
                    DocumentJson.Number(json, logit);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("isNext");
            json.WritePropertyName("probability");
            DocumentJson.Number(json, prediction.IsNext.Probability);
            json.WriteBoolean("predicted", prediction.IsNext.Predicted);
            json.WritePropertyName("notNextLogit");
            DocumentJson.Number(json, prediction.IsNext.NotNextLogit);
            json.WritePropertyName("isNextLogit");
            DocumentJson.Number(json, prediction.IsNext.IsNextLogit);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
