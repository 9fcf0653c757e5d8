using System.Globalization;
using BertGen.Captures;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>Where a tensor lives: in every sample, in every layer of every sample, in every head, or in the model.</summary>
public enum TensorScope
{
    /// <summary>One per sample: embeddings, the heads' activations.</summary>
    Sample,

    /// <summary>One per sample and encoder layer: q, k, v, context, mha, ...</summary>
    Layer,

    /// <summary>One per sample, layer and head: q_s, k_s, v_s, scores, attn, ctx.</summary>
    Head,

    /// <summary>A parameter of the model, by its Hugging Face name.</summary>
    Parameter,

    /// <summary>A parameter's gradient (its name and .grad).</summary>
    Gradient,
}

/// <summary>How an axis of a tensor's table is labelled.</summary>
public enum AxisLabels
{
    /// <summary>0, 1, 2, ...</summary>
    Indices,

    /// <summary>The sample's tokens, as the model read them.</summary>
    Tokens,

    /// <summary>The sample's masked slots: "@2 cat" for a slot at position 2 hiding "cat", "(pad)" for a padded one.</summary>
    MaskedSlots,

    /// <summary>Every word of the vocabulary.</summary>
    Vocabulary,

    /// <summary>NotNext and IsNext.</summary>
    Classes,

    /// <summary>"position 0", "position 1", ...</summary>
    Positions,

    /// <summary>"segment 0", "segment 1".</summary>
    Segments,

    /// <summary>The tensor's name: the one row of a vector.</summary>
    Name,
}

/// <summary>How a head's tensor is cut out of its layer's: q_s, k_s, v_s and ctx are head h's columns of q, k, v and context; scores and attn head h's matrix.</summary>
public enum HeadCut
{
    /// <summary>Not a head's tensor.</summary>
    None,

    /// <summary>Head h's DK columns of each row of the layer's tensor.</summary>
    Columns,

    /// <summary>Head h's [maxLen, maxLen] matrix of the layer's [heads, maxLen, maxLen].</summary>
    Matrix,
}

/// <summary>
/// A tensor the explorer can show: its name, scope and shape for one sample (or the parameter's shape), where its values
/// are in a capture, and how its table is labelled and drawn. Every view of it (the terminal's, the JSON, the visual
/// explorer's page) reads these, so that none of them restates which tensor is what.
/// </summary>
/// <param name="Name">The article's name, or a parameter's Hugging Face name (and .grad for its gradient).</param>
/// <param name="Scope">Where it lives.</param>
/// <param name="Shape">Its shape for one sample, layer and head.</param>
public sealed record TensorEntry(string Name, TensorScope Scope, long[] Shape)
{
    /// <summary>The shape as text, e.g. [14, 7].</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>The name of the capture's tensor that holds the values; for a layer's, "{layer}" stands for the layer.</summary>
    public string Key { get; init; } = "";

    /// <summary>How a head's tensor is cut out of the layer's tensor <see cref="Key"/> names.</summary>
    public HeadCut Head { get; init; }

    /// <summary>How the rows are labelled.</summary>
    public AxisLabels Rows { get; init; }

    /// <summary>How the columns are labelled.</summary>
    public AxisLabels Columns { get; init; }

    /// <summary>Whether it is drawn as a heatmap (scores, probabilities and logits).</summary>
    public bool Heatmap { get; init; }

    /// <summary>Whether its values are whole numbers (ids, positions, predictions, the mask).</summary>
    public bool Integers { get; init; }

    /// <summary>Whether the values are one row per token repeated as a square (the attention mask, shown as it masks the scores).</summary>
    public bool Square { get; init; }
}

/// <summary>
/// Looks up captured tensors by the article's names (docs/ARCHITECTURE.md lists where each is made) and lays them out with
/// token labels. Per-head values are views of the layer's: q_s, k_s, v_s and ctx are head h's columns of q, k, v and
/// context; scores and attn are head h's matrix.
/// </summary>
public sealed class Explorer
{
    private static readonly Dictionary<string, string> HeadColumns = new() { ["q_s"] = "q", ["k_s"] = "k", ["v_s"] = "v", ["ctx"] = "context" };
    private static readonly HashSet<string> HeadMatrices = ["scores", "attn"];
    private static readonly HashSet<string> MaskedSlotRows = ["masked_positions", "masked_tokens", "h_masked", "mlm_dense", "mlm_gelu", "mlm_norm", "mlm_norm_mean", "mlm_norm_rstd", "logits_lm", "probs_lm", "pred_lm"];
    private static readonly HashSet<string> TokenColumns = ["scores", "attn", "attn_mask"];
    private static readonly HashSet<string> VocabularyColumns = ["logits_lm", "probs_lm"];
    private static readonly HashSet<string> ClassColumns = ["logits_clsf", "probs_clsf"];
    private static readonly HashSet<string> HeatmapNames = ["scores", "attn", "logits_lm", "probs_lm", "logits_clsf", "probs_clsf"];
    private static readonly HashSet<string> IntegerNames = ["pred_lm", "pred_clsf", "attn_mask", .. CaptureNames.Inputs];
    private static readonly HashSet<string> TokenVectors = ["input_ids", "segment_ids"];

    /// <summary>An explorer of what <paramref name="run"/> recorded: a run folder read back, or a run in memory.</summary>
    public Explorer(IRunRecord run) => Run = run;

    /// <summary>The run being explored.</summary>
    public IRunRecord Run { get; }

    /// <summary>Every tensor of a capture: activations (with the per-head views), inputs, parameters and gradients.</summary>
    public IReadOnlyList<TensorEntry> Catalog(int epoch)
    {
        var capture = Run.Capture(epoch);
        var c = Run.Config;
        var entries = new List<TensorEntry>();
        foreach (var t in capture.File.Tensors)
        {
            if (CaptureNames.Parse(t.Name) is not { } key)
            {
                continue;
            }

            var perSample = t.Shape.Length == 1 ? [1] : t.Shape[1..];
            switch (key.Kind)
            {
                case CaptureKind.Activation when key.Layer < 0:
                    entries.Add(Activation(key.Name, TensorScope.Sample, key.Name == "attn_mask" ? [c.MaxLen, c.MaxLen] : perSample, t.Name) with { Square = key.Name == "attn_mask" });
                    break;
                case CaptureKind.Activation when key.Layer == 0:
                    string layerKey = CaptureNames.LayerActivation(key.Name);
                    entries.Add(HeadMatrices.Contains(key.Name)
                        ? Activation(key.Name, TensorScope.Head, perSample[1..], layerKey) with { Head = HeadCut.Matrix }
                        : Activation(key.Name, TensorScope.Layer, perSample, layerKey));
                    foreach (var (view, _) in HeadColumns.Where(h => h.Value == key.Name))
                    {
                        entries.Add(Activation(view, TensorScope.Head, [c.MaxLen, c.DK], layerKey) with { Head = HeadCut.Columns });
                    }

                    break;
                case CaptureKind.Input:
                    entries.Add(Activation(key.Name, TensorScope.Sample, perSample, t.Name));
                    break;
                case CaptureKind.Parameter:
                    entries.Add(Parameter(key.Name, TensorScope.Parameter, t.Shape, t.Name));
                    break;
                case CaptureKind.Gradient:
                    entries.Add(Parameter(key.Name + ".grad", TensorScope.Gradient, t.Shape, t.Name));
                    break;
            }
        }

        return entries;
    }

    /// <summary>Finds the tensor a query names and lays it out.</summary>
    /// <exception cref="InputException">The sample, epoch, tensor, layer or head does not exist; the message lists those that do.</exception>
    public TensorView Tensor(TensorQuery q)
    {
        var c = Run.Config;
        var capture = Run.Capture(q.Epoch);
        CheckSample(q.Sample, capture);
        var catalog = Catalog(q.Epoch);
        var entry = catalog.FirstOrDefault(e => e.Name == q.Name)
            ?? throw new InputException($"there is no tensor '{q.Name}'; tensors: {string.Join(", ", catalog.Where(e => e.Scope <= TensorScope.Head).Select(e => e.Name))}, " +
                "and every parameter by its Hugging Face name (with .grad for its gradient); the run's overview lists them all.");
        int? layer = entry.Scope is TensorScope.Layer or TensorScope.Head ? CheckLayer(q) : null;
        int? head = entry.Scope == TensorScope.Head ? CheckHead(q) : null;
        int? sample = entry.Scope is TensorScope.Parameter or TensorScope.Gradient ? null : q.Sample;
        string key = entry.Key.Replace("{layer}", layer?.ToString(CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal);
        float[] values = Values(capture, key, q.Sample, entry.Scope);
        if (entry.Square)
        {
            values = Enumerable.Range(0, c.MaxLen * c.MaxLen).Select(i => values[i % c.MaxLen]).ToArray();
        }
        else if (entry.Head == HeadCut.Matrix)
        {
            int size = c.MaxLen * c.MaxLen;
            values = values.AsSpan(head!.Value * size, size).ToArray();
        }
        else if (entry.Head == HeadCut.Columns)
        {
            var columns = new float[c.MaxLen * c.DK];
            for (int t = 0; t < c.MaxLen; t++)
            {
                values.AsSpan((t * c.DAttn) + (head!.Value * c.DK), c.DK).CopyTo(columns.AsSpan(t * c.DK, c.DK));
            }

            values = columns;
        }

        var source = new TensorSource(q.Name, layer, head, sample, q.Epoch, entry.Shape, c);
        int rows = entry.Shape.Length == 1 ? 1 : (int)entry.Shape[0];
        return new TensorView(
            source, values, Labels(entry.Rows, rows, q, capture), Labels(entry.Columns, values.Length / rows, q, capture), entry.Heatmap, entry.Integers);
    }

    /// <summary>What the model predicted for sample <paramref name="sample"/> in the capture of <paramref name="epoch"/>.</summary>
    /// <exception cref="InputException">The sample or the epoch was not captured.</exception>
    public SamplePrediction Prediction(int sample, int epoch, int top = SamplePrediction.DefaultTop)
    {
        var capture = Run.Capture(epoch);
        CheckSample(sample, capture);
        float[] A(string name) => capture.Activation(name, -1, sample);
        var outputs = new HeadOutputs(A("logits_lm"), A("probs_lm"), A("pred_lm"), A("logits_clsf"), A("probs_clsf"), A("pred_clsf"));
        return SamplePrediction.Read(
            outputs, capture.Input("input_ids", sample), capture.Input("masked_positions", sample), capture.Input("masked_tokens", sample),
            capture.Input("is_next", sample)[0] == 1, Run.Vocabulary, wordsKnown: true, top);
    }

    /// <summary>The tokens sample <paramref name="sample"/> fed the model at <paramref name="epoch"/> (masks applied).</summary>
    public string[] Tokens(int sample, int epoch)
    {
        var capture = Run.Capture(epoch);
        CheckSample(sample, capture);
        return capture.Input("input_ids", sample).Select(id => Run.Vocabulary[id]).ToArray();
    }

    /// <summary>Labels of the masked slots: "@2 cat" for a slot at position 2 hiding "cat", "(pad)" for a padded slot.</summary>
    public string[] SlotLabels(int sample, int epoch)
    {
        var capture = Run.Capture(epoch);
        var positions = capture.Input("masked_positions", sample);
        var tokens = capture.Input("masked_tokens", sample);
        return positions.Select((p, m) => tokens[m] == Vocabulary.Pad ? "(pad)" : $"@{p} {Run.Vocabulary[tokens[m]]}").ToArray();
    }

    private void CheckSample(int sample, CaptureFile capture)
    {
        if (sample < 0 || sample >= capture.SampleCount)
        {
            throw new InputException($"there is no sample {sample}; samples are 0 to {capture.SampleCount - 1}.");
        }
    }

    private int CheckLayer(TensorQuery q)
    {
        int layers = Run.Config.Layers;
        if (q.Layer is not { } layer)
        {
            throw new SettingException(SettingNames.Layer, name => $"'{q.Name}' is a layer's tensor; give {name}, from 0 to {layers - 1}.");
        }

        return layer >= 0 && layer < layers ? layer : throw new InputException($"there is no layer {layer}; layers are 0 to {layers - 1}.");
    }

    private int CheckHead(TensorQuery q)
    {
        int heads = Run.Config.Heads;
        if (q.Head is not { } head)
        {
            throw new SettingException(SettingNames.Head, name => $"'{q.Name}' is a head's tensor; give {name}, from 0 to {heads - 1}.");
        }

        return head >= 0 && head < heads ? head : throw new InputException($"there is no head {head}; heads are 0 to {heads - 1}.");
    }

    /// <summary>An activation or input: its labels and drawing from its name and rank.</summary>
    private static TensorEntry Activation(string name, TensorScope scope, long[] shape, string key)
    {
        bool vector = shape.Length == 1;
        var rows = vector ? AxisLabels.Name : MaskedSlotRows.Contains(name) ? AxisLabels.MaskedSlots : AxisLabels.Tokens;
        var columns = vector
            ? MaskedSlotRows.Contains(name) ? AxisLabels.MaskedSlots
                : ClassColumns.Contains(name) ? AxisLabels.Classes
                : name.EndsWith("_mean", StringComparison.Ordinal) || name.EndsWith("_rstd", StringComparison.Ordinal) || TokenVectors.Contains(name) ? AxisLabels.Tokens
                : AxisLabels.Indices
            : TokenColumns.Contains(name) ? AxisLabels.Tokens
            : VocabularyColumns.Contains(name) ? AxisLabels.Vocabulary
            : AxisLabels.Indices;
        return new TensorEntry(name, scope, shape)
        {
            Key = key, Rows = rows, Columns = columns, Heatmap = HeatmapNames.Contains(name), Integers = IntegerNames.Contains(name),
        };
    }

    /// <summary>A parameter or its gradient: the embedding tables' rows by word, position and segment, the classifier's by class.</summary>
    private static TensorEntry Parameter(string name, TensorScope scope, long[] shape, string key)
    {
        string parameter = scope == TensorScope.Gradient ? name[..^".grad".Length] : name;
        var rows = parameter switch
        {
            "bert.embeddings.word_embeddings.weight" => AxisLabels.Vocabulary,
            "bert.embeddings.token_type_embeddings.weight" => AxisLabels.Segments,
            "bert.embeddings.position_embeddings.weight" => AxisLabels.Positions,
            "cls.seq_relationship.weight" => AxisLabels.Classes,
            _ => shape.Length == 2 ? AxisLabels.Indices : AxisLabels.Name,
        };
        var columns = parameter switch
        {
            "cls.predictions.bias" => AxisLabels.Vocabulary,
            "cls.seq_relationship.bias" => AxisLabels.Classes,
            _ => AxisLabels.Indices,
        };
        return new TensorEntry(name, scope, shape) { Key = key, Rows = rows, Columns = columns };
    }

    private static float[] Values(CaptureFile capture, string key, int sample, TensorScope scope)
    {
        if (scope is TensorScope.Parameter or TensorScope.Gradient)
        {
            return capture.File.Float32(key);
        }

        var parsed = CaptureNames.Parse(key)!.Value;
        return parsed.Kind == CaptureKind.Input
            ? capture.Input(parsed.Name, sample).Select(v => (float)v).ToArray()
            : capture.Activation(parsed.Name, parsed.Layer, sample);
    }

    private string[] Labels(AxisLabels labels, int count, TensorQuery q, CaptureFile capture) => labels switch
    {
        AxisLabels.Tokens => Tokens(q.Sample, capture.Epoch),
        AxisLabels.MaskedSlots => SlotLabels(q.Sample, capture.Epoch),
        AxisLabels.Vocabulary => Run.Vocabulary.Tokens.ToArray(),
        AxisLabels.Classes => ["NotNext", "IsNext"],
        AxisLabels.Positions => Enumerable.Range(0, count).Select(i => $"position {i}").ToArray(),
        AxisLabels.Segments => Enumerable.Range(0, count).Select(i => $"segment {i}").ToArray(),
        AxisLabels.Name => [q.Name],
        _ => Indices(count),
    };

    private static string[] Indices(int count) => Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
}
