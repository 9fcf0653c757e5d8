using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BertGen.Captures;
using BertGen.Data;
using BertGen.Explore;
using BertGen.IO;

namespace BertGen.Report;

/// <summary>
/// The visual explorer: one HTML file that draws the model as the article's figures do (blocks joined by arrows that
/// carry the tensors' shapes) and shows any captured tensor of any sample at any captured epoch, an epoch against
/// another, every head's attention, the words' embeddings moving over the epochs, the loss curve, the article's tables
/// and the predictions. Style, script and data are inline, so the page works from the file system with no network.
/// Corpus text reaches the page only inside JSON, whose encoder escapes &lt;, &gt; and &amp;, and the script writes it
/// with textContent, never as markup.
/// </summary>
public static class ExplorerPage
{
    /// <summary>Rows of metrics.csv kept for the loss chart (every captured epoch is always kept).</summary>
    public const int ChartPoints = 2000;

    /// <summary>Where <c>bertgen report</c> writes the page by default: explorer.html in the run's folder.</summary>
    public static string DefaultPath(Runs.RunFolder folder) => Path.Combine(folder.Path, "explorer.html");

    /// <summary>Writes the page of <paramref name="run"/> to <paramref name="path"/>, whole or not at all.</summary>
    /// <exception cref="InputException">The run has no captures.</exception>
    public static void Write(IRunRecord run, string path)
    {
        if (run.CapturedEpochs.Count == 0)
        {
            throw CaptureFile.NoCaptures(run.Name);
        }

        string html = Asset("explorer.html")
            .Replace("/*STYLE*/", Asset("explorer.css"), StringComparison.Ordinal)
            .Replace("/*SCRIPT*/", Asset("explorer.js"), StringComparison.Ordinal)
            .Replace("/*DATA*/", Data(run), StringComparison.Ordinal);
        AtomicFile.WriteText(path, html);
    }

    /// <summary>
    /// The run as the page's JSON: configuration, vocabulary, the captured samples, metrics, the catalog of tensors (how
    /// each is found and labelled, as <see cref="Explorer"/> describes it), and every captured epoch's tensors and
    /// predictions.
    /// </summary>
    public static string Data(IRunRecord run)
    {
        var explorer = new Explorer(run);
        int captured = run.CapturedEpochs.Min(e => run.Capture(e).SampleCount);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("run", Path.GetFileName(run.Name));
            json.WritePropertyName("config");
            ConfigJson.Write(json, run.Config);
            json.WriteStartArray("vocab");
            foreach (var token in run.Vocabulary.Tokens)
            {
                json.WriteStringValue(token);
            }

            json.WriteEndArray();
            json.WriteStartArray("samples");
            foreach (var sample in run.Samples.Take(captured))
            {
                json.WriteStartObject();
                json.WriteString("text", sample.Text);
                json.WriteBoolean("isNext", sample.IsNext);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteMetrics(json, run);
            WriteCatalog(json, explorer.Catalog(run.CapturedEpochs[0]));
            WriteMap(json, EmbeddingMap.Create(run));
            json.WriteStartArray("figures");
            foreach (int figure in new[] { 7, 8 })
            {
                DocumentJson.Write(json, Figures.Create(figure, explorer));
            }

            json.WriteEndArray();
            json.WriteStartArray("epochs");
            foreach (int epoch in run.CapturedEpochs)
            {
                WriteCapture(json, run.Capture(epoch), Enumerable.Range(0, captured).Select(s => explorer.Prediction(s, epoch)).ToList());
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteMetrics(Utf8JsonWriter json, IRunRecord run)
    {
        var rows = run.Metrics;
        int stride = Math.Max(1, (rows.Count + ChartPoints - 1) / ChartPoints);
        var kept = rows.Where((r, i) => i % stride == 0 || i == rows.Count - 1 || run.CapturedEpochs.Contains(r.Epoch) || run.CapturedEpochs.Contains(r.Epoch - 1)).ToList();
        json.WriteStartObject("metrics");
        foreach (var (name, value) in new (string, Func<Training.EpochMetrics, double>)[]
        {
            ("epoch", r => r.Epoch), ("loss", r => r.Loss), ("mlm", r => r.MlmLoss), ("nsp", r => r.NspLoss),
        })
        {
            json.WriteStartArray(name);
            foreach (var row in kept)
            {
                WriteFinite(json, value(row));
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter json, EmbeddingMap map)
    {
        json.WriteStartObject("map");
        json.WriteStartArray("words");
        foreach (var word in map.Words)
        {
            json.WriteStringValue(word);
        }

        json.WriteEndArray();
        json.WriteStartArray("frames");
        foreach (var frame in map.Frames)
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", frame.Epoch);
            json.WritePropertyName("explained");
            WriteFinite(json, frame.Explained);

            // The coordinates as computed, unrounded: a test reads them back from the page.
            foreach (var (name, values) in new[] { ("x", frame.X), ("y", frame.Y) })
            {
                json.WriteStartArray(name);
                foreach (double v in values)
                {
                    WriteFinite(json, v, digits: null);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCatalog(Utf8JsonWriter json, IReadOnlyList<TensorEntry> catalog)
    {
        static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
        json.WriteStartArray("catalog");
        foreach (var entry in catalog)
        {
            json.WriteStartObject();
            json.WriteString("name", entry.Name);
            json.WriteString("scope", Camel(entry.Scope.ToString()));
            json.WriteStartArray("shape");
            foreach (long d in entry.Shape)
            {
                json.WriteNumberValue(d);
            }

            json.WriteEndArray();
            json.WriteString("key", entry.Key);
            json.WriteString("head", Camel(entry.Head.ToString()));
            json.WriteString("rows", Camel(entry.Rows.ToString()));
            json.WriteString("columns", Camel(entry.Columns.ToString()));
            json.WriteBoolean("heatmap", entry.Heatmap);
            json.WriteBoolean("integers", entry.Integers);
            json.WriteBoolean("square", entry.Square);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteCapture(Utf8JsonWriter json, CaptureFile capture, IReadOnlyList<SamplePrediction> predictions)
    {
        json.WriteStartObject();
        json.WriteNumber("epoch", capture.Epoch);
        json.WritePropertyName("loss");
        WriteFinite(json, capture.Loss);
        json.WriteStartArray("predictions");
        foreach (var p in predictions)
        {
            json.WriteStartObject();
            json.WriteString("input", MaskedInput.Plain(p.Input));
            json.WriteStartArray("masks");
            foreach (var m in p.Masks)
            {
                json.WriteStartObject();
                json.WriteNumber("position", m.Position);
                json.WriteNumber("predicted", m.PredictedId);
                json.WriteNumber("actual", m.ActualId ?? Vocabulary.Pad);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("isNext");
            json.WriteBoolean("predicted", p.IsNext.Predicted);
            json.WriteBoolean("actual", p.IsNext.Actual == true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("tensors");
        foreach (var entry in capture.File.Tensors)
        {
            if (entry.DType is not ("F32" or "I32"))
            {
                continue;
            }

            json.WriteStartObject(entry.Name);
            json.WriteString("dtype", entry.DType);
            json.WriteStartArray("shape");
            foreach (long d in entry.Shape)
            {
                json.WriteNumberValue(d);
            }

            json.WriteEndArray();
            var bytes = entry.DType == "F32"
                ? MemoryMarshal.AsBytes(capture.File.Float32(entry.Name).AsSpan()).ToArray()
                : MemoryMarshal.AsBytes(capture.File.Int32(entry.Name).AsSpan()).ToArray();
            json.WriteBase64String("data", bytes);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A number rounded to <paramref name="digits"/> decimals (as it is when null), or null when it is not finite (JSON has no NaN).</summary>
    private static void WriteFinite(Utf8JsonWriter json, double value, int? digits = 6)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(digits is int d ? Math.Round(value, d) : value);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("BertGen.Report.Assets." + name)
            ?? throw new InvalidOperationException($"The explorer asset {name} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
