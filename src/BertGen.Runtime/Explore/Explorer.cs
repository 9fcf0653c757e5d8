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

/// <summary>A tensor the explorer can show, with its shape for one sample (or the parameter's shape).</summary>
/// <param name="Name">The article's name, or a parameter's Hugging Face name.</param>
/// <param name="Scope">Where it lives.</param>
/// <param name="Shape">Its shape for one sample, layer and head.</param>
public sealed record TensorEntry(string Name, TensorScope Scope, long[] Shape)
{
    /// <summary>The shape as text, e.g. [14, 7].</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// Looks up captured tensors by the article's names (SPEC §6) and lays them out with token labels. Per-head values
/// are views of the layer's: q_s, k_s, v_s and ctx are head h's columns of q, k, v and context; scores and attn
/// are head h's matrix.
/// </summary>
public sealed class Explorer
{
    private static readonly Dictionary<string, string> HeadColumns = new() { ["q_s"] = "q", ["k_s"] = "k", ["v_s"] = "v", ["ctx"] = "context" };
    private static readonly HashSet<string> HeadMatrices = ["scores", "attn"];
    /// <summary>The inputs of the captured pass, which are tensors too (ids, shown as whole numbers).</summary>
    private static readonly HashSet<string> InputNames = ["input_ids", "segment_ids", "masked_positions", "masked_tokens", "is_next"];
    private static readonly HashSet<string> MaskedSlotRows = ["masked_positions", "masked_tokens", "h_masked", "mlm_dense", "mlm_gelu", "mlm_norm", "mlm_norm_mean", "mlm_norm_rstd", "logits_lm", "probs_lm", "pred_lm"];
    private static readonly HashSet<string> TokenColumns = ["scores", "attn", "attn_mask"];
    private static readonly HashSet<string> VocabularyColumns = ["logits_lm", "probs_lm"];
    private static readonly HashSet<string> ClassColumns = ["logits_clsf", "probs_clsf"];
    private static readonly HashSet<string> HeatmapNames = ["scores", "attn", "logits_lm", "probs_lm", "logits_clsf", "probs_clsf"];
    private static readonly HashSet<string> IntegerNames = ["pred_lm", "pred_clsf", "attn_mask", .. InputNames];
    private static readonly HashSet<string> TokenVectors = ["input_ids", "segment_ids"];

    /// <summary>An explorer of what <paramref name="run"/> recorded: a run folder read back, or a run in memory.</summary>
    public Explorer(IRunRecord run) => Run = run;

    /// <summary>The run being explored.</summary>
    public IRunRecord Run { get; }

    /// <summary>Every tensor of a capture: activations (with the per-head views), parameters and gradients.</summary>
    public IReadOnlyList<TensorEntry> Catalog(int epoch)
    {
        var capture = Run.Capture(epoch);
        var c = Run.Config;
        var entries = new List<TensorEntry>();
        foreach (var t in capture.File.Tensors)
        {
            string[] parts = t.Name.Split('.', 4);
            if (parts[0] == "act" && parts[1] != "layer")
            {
                var shape = t.Shape[1..];
                entries.Add(new TensorEntry(parts[1], TensorScope.Sample, parts[1] == "attn_mask" ? [c.MaxLen, c.MaxLen] : shape));
            }
            else if (parts[0] == "act" && parts[2] == "0")
            {
                string name = parts[3];
                var shape = t.Shape[1..];
                entries.Add(HeadMatrices.Contains(name)
                    ? new TensorEntry(name, TensorScope.Head, shape[1..])
                    : new TensorEntry(name, TensorScope.Layer, shape));
                foreach (var (view, of) in HeadColumns.Where(h => h.Value == name))
                {
                    entries.Add(new TensorEntry(view, TensorScope.Head, [c.MaxLen, c.DK]));
                }
            }
            else if (parts[0] == "input")
            {
                entries.Add(new TensorEntry(parts[1], TensorScope.Sample, t.Shape.Length == 1 ? [1] : t.Shape[1..]));
            }
            else if (parts[0] == "param")
            {
                entries.Add(new TensorEntry(t.Name["param.".Length..], TensorScope.Parameter, t.Shape));
            }
            else if (parts[0] == "grad")
            {
                entries.Add(new TensorEntry(t.Name["grad.".Length..] + ".grad", TensorScope.Gradient, t.Shape));
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
                "and every parameter by its Hugging Face name (with .grad for its gradient); 'bertgen explore' lists them all.");

        switch (entry.Scope)
        {
            case TensorScope.Parameter:
            case TensorScope.Gradient:
                string parameter = entry.Scope == TensorScope.Gradient ? q.Name[..^".grad".Length] : q.Name;
                var values = entry.Scope == TensorScope.Gradient ? capture.Gradient(parameter) : capture.Parameter(parameter);
                return Layout(new TensorSource(q.Name, null, null, null, q.Epoch, entry.Shape, c), values, ParameterRows(parameter, entry.Shape), ParameterColumns(parameter, entry.Shape), q.Sample, capture);
            case TensorScope.Sample:
                var source = new TensorSource(q.Name, null, null, q.Sample, q.Epoch, entry.Shape, c);
                if (q.Name == "attn_mask")
                {
                    var mask = capture.Activation("attn_mask", -1, q.Sample);
                    var square = Enumerable.Range(0, c.MaxLen * c.MaxLen).Select(i => mask[i % c.MaxLen]).ToArray();
                    return Layout(source, square, null, null, q.Sample, capture);
                }

                if (InputNames.Contains(q.Name))
                {
                    return Layout(source, capture.Input(q.Name, q.Sample).Select(v => (float)v).ToArray(), null, null, q.Sample, capture);
                }

                return Layout(source, capture.Activation(q.Name, -1, q.Sample), null, null, q.Sample, capture);
            case TensorScope.Layer:
                int layer = CheckLayer(q);
                return Layout(new TensorSource(q.Name, layer, null, q.Sample, q.Epoch, entry.Shape, c), capture.Activation(q.Name, layer, q.Sample), null, null, q.Sample, capture);
            default:
                layer = CheckLayer(q);
                int head = CheckHead(q);
                var headSource = new TensorSource(q.Name, layer, head, q.Sample, q.Epoch, entry.Shape, c);
                if (HeadMatrices.Contains(q.Name))
                {
                    var all = capture.Activation(q.Name, layer, q.Sample);
                    int size = c.MaxLen * c.MaxLen;
                    return Layout(headSource, all.AsSpan(head * size, size).ToArray(), null, null, q.Sample, capture);
                }

                var full = capture.Activation(HeadColumns[q.Name], layer, q.Sample);
                var columns = new float[c.MaxLen * c.DK];
                for (int t = 0; t < c.MaxLen; t++)
                {
                    full.AsSpan((t * c.DAttn) + (head * c.DK), c.DK).CopyTo(columns.AsSpan(t * c.DK, c.DK));
                }

                return Layout(headSource, columns, null, null, q.Sample, capture);
        }
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
            throw new InputException($"'{q.Name}' is a layer's tensor; give --layer, from 0 to {layers - 1}.");
        }

        return layer >= 0 && layer < layers ? layer : throw new InputException($"there is no layer {layer}; layers are 0 to {layers - 1}.");
    }

    private int CheckHead(TensorQuery q)
    {
        int heads = Run.Config.Heads;
        if (q.Head is not { } head)
        {
            throw new InputException($"'{q.Name}' is a head's tensor; give --head, from 0 to {heads - 1}.");
        }

        return head >= 0 && head < heads ? head : throw new InputException($"there is no head {head}; heads are 0 to {heads - 1}.");
    }

    private TensorView Layout(TensorSource source, float[] values, string[]? rows, string[]? columns, int sample, CaptureFile capture)
    {
        string name = source.Name;
        var shape = source.Shape;
        bool heat = HeatmapNames.Contains(name);
        bool ints = IntegerNames.Contains(name);
        if (shape.Length == 1)
        {
            columns ??= VectorLabels(name, (int)shape[0], sample, capture.Epoch);
            return new TensorView(source, values, [name], columns, heat, ints);
        }

        int cols = values.Length / (int)shape[0];
        rows ??= MaskedSlotRows.Contains(name) ? SlotLabels(sample, capture.Epoch) : Tokens(sample, capture.Epoch);
        columns ??= TokenColumns.Contains(name) ? Tokens(sample, capture.Epoch)
            : VocabularyColumns.Contains(name) ? Run.Vocabulary.Tokens.ToArray()
            : Indices(cols);
        return new TensorView(source, values, rows, columns, heat, ints);
    }

    /// <summary>Labels of a vector activation: masked slots, the two classes, tokens (LayerNorm statistics), or indices.</summary>
    private string[] VectorLabels(string name, int count, int sample, int epoch) =>
        MaskedSlotRows.Contains(name) ? SlotLabels(sample, epoch)
        : ClassColumns.Contains(name) ? ["NotNext", "IsNext"]
        : name.EndsWith("_mean", StringComparison.Ordinal) || name.EndsWith("_rstd", StringComparison.Ordinal) || TokenVectors.Contains(name) ? Tokens(sample, epoch)
        : Indices(count);

    private string[]? ParameterRows(string name, long[] shape) =>
        name == "bert.embeddings.word_embeddings.weight" ? Run.Vocabulary.Tokens.ToArray()
        : name == "bert.embeddings.token_type_embeddings.weight" ? Enumerable.Range(0, (int)shape[0]).Select(i => $"segment {i}").ToArray()
        : name == "bert.embeddings.position_embeddings.weight" ? Enumerable.Range(0, (int)shape[0]).Select(i => $"position {i}").ToArray()
        : name == "cls.seq_relationship.weight" ? ["NotNext", "IsNext"]
        : shape.Length == 2 ? Indices((int)shape[0]) : null;

    private string[] ParameterColumns(string name, long[] shape) =>
        name == "cls.predictions.bias" ? Run.Vocabulary.Tokens.ToArray()
        : name == "cls.seq_relationship.bias" ? ["NotNext", "IsNext"]
        : Indices((int)shape[^1]);

    private static string[] Indices(int count) => Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
}
