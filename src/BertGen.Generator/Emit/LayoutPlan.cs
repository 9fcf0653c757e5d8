using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// Where every parameter and activation lives, computed in one place: the emitter turns it into constants
/// and into the runtime's tensor lists. Tensors whose size depends on the vocabulary come last, so every
/// other offset is a compile-time constant.
/// </summary>
internal sealed class LayoutPlan
{
    private LayoutPlan(string kind)
    {
        Kind = kind;
    }

    /// <summary>"Param" or "Act": the name of the emitted class of offsets.</summary>
    public string Kind { get; }

    /// <summary>Tensors before the encoder layers.</summary>
    public List<Slot> Head { get; } = new();

    /// <summary>One encoder layer's tensors, at offsets relative to the layer's start.</summary>
    public List<Slot> Layer { get; } = new();

    /// <summary>Tensors after the encoder layers and before the vocabulary-sized ones.</summary>
    public List<Slot> Tail { get; } = new();

    /// <summary>Vocabulary-sized tensors, at <see cref="FixedLength"/> and after.</summary>
    public List<Slot> Vocab { get; } = new();

    public int LayerStart { get; private set; }

    public int LayerSize { get; private set; }

    /// <summary>Values before the first vocabulary-sized tensor.</summary>
    public int FixedLength { get; private set; }

    /// <summary>The parameters of the model with their Hugging Face names (docs/ARCHITECTURE.md, "The model").</summary>
    public static LayoutPlan Parameters(ModelSpec s)
    {
        var plan = new LayoutPlan("Param");
        plan.Head.Add(new("PositionEmbeddings", "bert.embeddings.position_embeddings.weight", new[] { "MaxLen", "DModel" }, "Normal"));
        plan.Head.Add(new("TokenTypeEmbeddings", "bert.embeddings.token_type_embeddings.weight", new[] { "Segments", "DModel" }, "Normal"));
        if (s.EmbeddingLayerNorm)
        {
            AddNorm(plan.Head, "EmbeddingsNorm", "bert.embeddings.LayerNorm");
        }

        const string layer = "bert.encoder.layer.{0}.";
        AddLinear(plan.Layer, "Query", layer + "attention.self.query", "DAttn", "DModel");
        AddLinear(plan.Layer, "Key", layer + "attention.self.key", "DAttn", "DModel");
        AddLinear(plan.Layer, "Value", layer + "attention.self.value", "DAttn", "DModel");
        AddLinear(plan.Layer, "AttnOutput", layer + "attention.output.dense", "DModel", "DAttn");
        AddNorm(plan.Layer, "AttnNorm", layer + "attention.output.LayerNorm");
        AddLinear(plan.Layer, "Intermediate", layer + "intermediate.dense", "DFF", "DModel");
        AddLinear(plan.Layer, "Output", layer + "output.dense", "DModel", "DFF");
        if (s.FfnAddNorm)
        {
            AddNorm(plan.Layer, "OutputNorm", layer + "output.LayerNorm");
        }

        AddLinear(plan.Tail, "Pooler", "bert.pooler.dense", "DModel", "DModel");
        AddLinear(plan.Tail, "Transform", "cls.predictions.transform.dense", "DModel", "DModel");
        AddNorm(plan.Tail, "TransformNorm", "cls.predictions.transform.LayerNorm");
        AddLinear(plan.Tail, "SeqRelationship", "cls.seq_relationship", "2", "DModel");

        plan.Vocab.Add(new("WordEmbeddings", "bert.embeddings.word_embeddings.weight", new[] { "V", "DModel" }, "Normal"));
        plan.Vocab.Add(new("DecoderBias", "cls.predictions.bias", new[] { "V" }, "Zeros"));
        plan.Place(s);
        return plan;
    }

    /// <summary>The activations of one sample, named as the article names them (docs/ARCHITECTURE.md, "The model").</summary>
    public static LayoutPlan Activations(ModelSpec s)
    {
        var plan = new LayoutPlan("Act");
        string[] td = { "MaxLen", "DModel" }, t = { "MaxLen" };
        plan.Head.Add(new("TokEmbed", "tok_embed", td));
        plan.Head.Add(new("PosEmbed", "pos_embed", td));
        plan.Head.Add(new("SegEmbed", "seg_embed", td));
        plan.Head.Add(new("Embedding", "embedding", td));
        plan.Head.Add(new("AttnMask", "attn_mask", t));
        if (s.EmbeddingLayerNorm)
        {
            plan.Head.Add(new("EmbeddingNorm", "embedding_norm", td));
            plan.Head.Add(new("EmbeddingNormMean", "embedding_norm_mean", t));
            plan.Head.Add(new("EmbeddingNormRstd", "embedding_norm_rstd", t));
        }

        string[] ta = { "MaxLen", "DAttn" }, htt = { "Heads", "MaxLen", "MaxLen" }, tf = { "MaxLen", "DFF" };
        plan.Layer.Add(new("Q", "q", ta));
        plan.Layer.Add(new("K", "k", ta));
        plan.Layer.Add(new("V", "v", ta));
        plan.Layer.Add(new("Scores", "scores", htt));
        plan.Layer.Add(new("Attn", "attn", htt));
        plan.Layer.Add(new("Context", "context", ta));
        plan.Layer.Add(new("AttnOutput", "attn_output", td));
        plan.Layer.Add(new("Mha", "mha", td));
        plan.Layer.Add(new("MhaMean", "mha_mean", t));
        plan.Layer.Add(new("MhaRstd", "mha_rstd", t));
        plan.Layer.Add(new("FfnHidden", "ffn_hidden", tf));
        plan.Layer.Add(new("FfnGelu", "ffn_gelu", tf));
        if (s.FfnAddNorm)
        {
            plan.Layer.Add(new("FfnOutput", "ffn_output", td));
            plan.Layer.Add(new("EncOutput", "enc_output", td));
            plan.Layer.Add(new("EncOutputMean", "enc_output_mean", t));
            plan.Layer.Add(new("EncOutputRstd", "enc_output_rstd", t));
        }
        else
        {
            plan.Layer.Add(new("EncOutput", "enc_output", td));
        }

        // Kept for the backward pass only, not a tensor of the layout: erf(ffn_hidden / sqrt 2), which GELU's derivative
        // would otherwise work out again (about half of its operations).
        plan.Layer.Add(new("FfnErf", "ffn_erf", tf) { Hidden = true });

        string[] d = { "DModel" }, pd = { "MaxPred", "DModel" }, p = { "MaxPred" }, two = { "2" };
        plan.Tail.Add(new("HCls", "h_cls", d));
        plan.Tail.Add(new("HPooled", "h_pooled", d));
        plan.Tail.Add(new("LogitsClsf", "logits_clsf", two));
        plan.Tail.Add(new("ProbsClsf", "probs_clsf", two));
        plan.Tail.Add(new("PredClsf", "pred_clsf", new[] { "1" }));
        plan.Tail.Add(new("HMasked", "h_masked", pd));
        plan.Tail.Add(new("MlmDense", "mlm_dense", pd));
        plan.Tail.Add(new("MlmGelu", "mlm_gelu", pd));
        plan.Tail.Add(new("MlmNorm", "mlm_norm", pd));
        plan.Tail.Add(new("MlmNormMean", "mlm_norm_mean", p));
        plan.Tail.Add(new("MlmNormRstd", "mlm_norm_rstd", p));
        plan.Tail.Add(new("PredLm", "pred_lm", p));

        plan.Vocab.Add(new("LogitsLm", "logits_lm", new[] { "MaxPred", "V" }));
        plan.Vocab.Add(new("ProbsLm", "probs_lm", new[] { "MaxPred", "V" }));
        plan.Place(s);
        return plan;
    }

    /// <summary>Every constant that appears in a shape, with its value.</summary>
    public static int Dimension(ModelSpec s, string name) => name switch
    {
        "MaxLen" => s.MaxLen,
        "DModel" => s.DModel,
        "DAttn" => s.DAttn,
        "DFF" => s.DFF,
        "Heads" => s.Heads,
        "MaxPred" => s.MaxPred,
        "Segments" => s.Segments,
        _ => int.Parse(name, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static void AddLinear(List<Slot> slots, string name, string hf, string outputs, string inputs)
    {
        slots.Add(new(name + "Weight", hf + ".weight", new[] { outputs, inputs }, "Uniform(" + inputs + ")"));
        slots.Add(new(name + "Bias", hf + ".bias", new[] { outputs }, "Uniform(" + inputs + ")"));
    }

    private static void AddNorm(List<Slot> slots, string name, string hf)
    {
        slots.Add(new(name + "Weight", hf + ".weight", new[] { "DModel" }, "Ones"));
        slots.Add(new(name + "Bias", hf + ".bias", new[] { "DModel" }, "Zeros"));
    }

    private void Place(ModelSpec s)
    {
        int at = 0;
        foreach (var slot in Head)
        {
            at = slot.Place(s, at);
        }

        LayerStart = at;
        int inLayer = 0;
        foreach (var slot in Layer)
        {
            inLayer = slot.Place(s, inLayer);
        }

        LayerSize = inLayer;
        at += s.Layers * LayerSize;
        foreach (var slot in Tail)
        {
            at = slot.Place(s, at);
        }

        FixedLength = at;
    }

    /// <summary>One tensor: the constant naming its offset, its runtime name, its shape and (for parameters) its initialisation.</summary>
    internal sealed class Slot
    {
        public Slot(string constant, string name, string[] shape, string? init = null)
        {
            Constant = constant;
            Name = name;
            Shape = shape;
            Init = init;
        }

        public string Constant { get; }

        /// <summary>The runtime name; "{0}" stands for the layer index in Hugging Face names.</summary>
        public string Name { get; }

        /// <summary>Dimension names ("MaxLen", "DModel", "V", or a number).</summary>
        public string[] Shape { get; }

        public string? Init { get; }

        /// <summary>
        /// Working values a pass keeps for a later one, not a tensor: they have an offset and a place in a sample's
        /// length, but no entry in the runtime's layout (so captures, the explorer and predictions never see them).
        /// </summary>
        public bool Hidden { get; init; }

        public int Offset { get; private set; }

        /// <summary>The number of values as a C# expression of the shape constants.</summary>
        public string LengthExpression => string.Join(" * ", Shape.Select(d => d == "V" ? "_vocabSize" : d));

        public int Place(ModelSpec s, int at)
        {
            Offset = at;
            return at + Shape.Aggregate(1, (n, d) => n * Dimension(s, d));
        }

        /// <summary>The shape as a comment shows it, e.g. [MaxLen, DModel] = [14, 7].</summary>
        public string ShapeComment(ModelSpec s) =>
            Shape.Any(d => d == "V")
                ? "[" + string.Join(", ", Shape) + "]"
                : "[" + string.Join(", ", Shape) + "] = [" + string.Join(", ", Shape.Select(d => Dimension(s, d))) + "]";
    }
}
