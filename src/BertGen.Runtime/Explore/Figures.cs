using System.Globalization;
using BertGen.Captures;
using BertGen.Data;
using BertGen.Runs;

namespace BertGen.Explore;

/// <summary>A figure of the article, by its number and caption.</summary>
/// <param name="Number">The figure's number in the article.</param>
/// <param name="Caption">The article's caption.</param>
/// <param name="Shows">What BertGen shows for it.</param>
public sealed record FigureInfo(int Number, string Caption, string Shows);

/// <summary>Which sample and epoch a figure shows, and with how many decimals.</summary>
/// <param name="Sample">The sample of Figures 12 to 14 (default 1, as the article) and 16 (default 0).</param>
/// <param name="Epoch">The epoch of Figures 12, 15, 16 and 17 (default: the first captured for 12, the last for the others).</param>
/// <param name="Decimals">Decimals of the tensors shown.</param>
public sealed record FigureOptions(int? Sample = null, int? Epoch = null, int Decimals = 2);

/// <summary>
/// The article's Figures 4 to 17 for a run, each as a <see cref="Document"/>: the configuration, the samples and their
/// masks, the vocabulary, the inputs, the embeddings, what flows through the encoder and output layers, the prediction
/// walk-through and the summary of the predictions. (Figures 1 to 3 are the article's drawings of the model.)
/// </summary>
public static class Figures
{
    /// <summary>The figures BertGen shows, with the article's captions.</summary>
    public static IReadOnlyList<FigureInfo> All { get; } =
    [
        new(4, "BERT Configuration", "the model's sizes"),
        new(5, "Input Samples (sentence pairs)", "the sentence pairs and their IsNext labels"),
        new(6, "Masked Input Samples (Sentence pairs)", "each pair as the model reads it, its masks marked"),
        new(7, "Number Dictionary", "the vocabulary: every token and its id"),
        new(8, "Masked Word Indices and IsNext Values", "the words behind the masks, and the labels"),
        new(9, "Input Ids", "input_ids of every sample"),
        new(10, "Segment Ids", "segment_ids of every sample"),
        new(11, "Masked Positions", "masked_positions of every sample"),
        new(12, "Input Embedding", "tok_embed + pos_embed + seg_embed = embedding of one sample, and the attention mask"),
        new(13, "Embeddings Vectors for Input Sample 1 — Initial (Epoch 0) Values", "embedding of one sample at the first captured epoch"),
        new(14, "Embeddings Vectors for Input Sample 1 — Fully trained (Epoch 5000) Values", "embedding of one sample at the last captured epoch"),
        new(15, "BERT Encoder; The Output Layer", "every tensor that flows through the encoder layers and both heads, with its shape"),
        new(16, "The Prediction Layer", "softmax, top words and argmax of each mask; the IsNext logits, max and Boolean"),
        new(17, "Summary of BERT's predictions", "every sample's predicted and actual masked words and IsNext flag"),
    ];

    /// <summary>Figure <paramref name="number"/> for the explorer's run.</summary>
    /// <exception cref="InputException">There is no such figure, or the sample or epoch it needs does not exist.</exception>
    public static Document Create(int number, Explorer explorer, FigureOptions? options = null)
    {
        options ??= new FigureOptions();
        var info = All.FirstOrDefault(f => f.Number == number)
            ?? throw new InputException($"there is no figure {number}; figures are {All[0].Number} to {All[^1].Number} (figures 1 to 3 are drawings).");
        var run = explorer.Run;
        var blocks = number switch
        {
            4 => Configuration(run),
            5 => Samples(run),
            6 => MaskedSamples(run),
            7 => Dictionary(run),
            8 => MaskedWords(run),
            9 => Inputs(run, "input_ids", s => s.InputIds, run.Config.MaxLen),
            10 => Inputs(run, "segment_ids", s => s.SegmentIds, run.Config.MaxLen),
            11 => Inputs(run, "masked_positions", s => s.MaskedPositions, run.Config.MaxPred),
            12 => Embedding(explorer, options.Sample ?? 1, options.Epoch ?? First(run)),
            13 => [new TensorBlock(explorer.Tensor(new TensorQuery(options.Sample ?? 1, options.Epoch ?? First(run), "embedding")))],
            14 => [new TensorBlock(explorer.Tensor(new TensorQuery(options.Sample ?? 1, options.Epoch ?? Last(run), "embedding")))],
            15 => Flow(explorer, options.Epoch ?? Last(run)),
            16 => Walkthrough.Create(explorer, options.Sample ?? 0, options.Epoch ?? Last(run)).ToBlocks(options.Decimals),
            _ => WithLegend(Summary(Predictions(explorer, options.Epoch ?? Last(run)), run.Vocabulary)),
        };
        return new Document($"Figure {number}: {info.Caption}", blocks);
    }

    /// <summary>The list of figures, with captions.</summary>
    public static Document List() => new(
        "Figures of the article",
        [new TableBlock(["figure", "caption", "shows"], All.Select(f => (IReadOnlyList<Cell>)[f.Number.ToString(CultureInfo.InvariantCulture), f.Caption, f.Shows]).ToList())]);

    /// <summary>
    /// The summary of predictions (Figure 17): per sample (the list's order) the masked input, predicted and actual words,
    /// and IsNext.
    /// </summary>
    public static TableBlock Summary(IReadOnlyList<SamplePrediction> predictions, Vocabulary vocabulary) => new(
        ["sample", "masked input", "predicted", "actual", "IsNext predicted", "IsNext actual"],
        predictions.Select((p, sample) => (IReadOnlyList<Cell>)
        [
            sample.ToString(CultureInfo.InvariantCulture),
            new Cell(p.Input.Where(t => t.Mark != TokenMark.Padding).ToList()),
            Words(p.Masks.Select(m => m.PredictedId).ToArray(), vocabulary),
            Words(p.Masks.Select(m => m.ActualId ?? Vocabulary.Pad).ToArray(), vocabulary),
            p.IsNext.Predicted ? "True" : "False",
            p.IsNext.Actual is { } actual ? (actual ? "True" : "False") : "",
        ]).ToList());

    /// <summary>Every captured sample's predictions in the capture of <paramref name="epoch"/>.</summary>
    public static IReadOnlyList<SamplePrediction> Predictions(Explorer explorer, int epoch) =>
        Enumerable.Range(0, explorer.Run.Capture(epoch).SampleCount).Select(s => explorer.Prediction(s, epoch)).ToList();

    private static List<Block> Configuration(Captures.IRunRecord run)
    {
        var c = run.Config;
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        int batches = (run.Samples.Count + c.BatchSize - 1) / c.BatchSize;
        return
        [
            new TableBlock(["setting", "value", "meaning"],
            [
                ["maxLen", I(c.MaxLen), "tokens per sample, [CLS], [SEP] and [PAD] included"],
                ["batchSize", I(c.BatchSize), $"samples per batch ({run.Samples.Count} samples: {batches} batch{(batches == 1 ? "" : "es")})"],
                ["maxPred", I(c.MaxPred), "most masked words per sample"],
                ["layers", I(c.Layers), "encoder layers"],
                ["dModel", I(c.DModel), "width of the embedding space"],
                ["dFF", I(c.DFF), "width of the feed-forward layers"],
                ["dK", I(c.DK), "width of q, k and v per head"],
                ["heads", I(c.Heads), "attention heads"],
                ["segments", I(c.Segments), "segment (sentence) ids per sample"],
                ["vocabSize", I(c.VocabSize), "tokens in the vocabulary, the 4 special ones included"],
                ["ffnAddNorm", c.FfnAddNorm ? "true" : "false", "Add & Norm after the feed-forward sub-layer"],
                ["embeddingLayerNorm", c.EmbeddingLayerNorm ? "true" : "false", "LayerNorm over the summed embeddings"],
                ["layerNormEps", c.LayerNormEps.ToString("R", CultureInfo.InvariantCulture), "epsilon of every LayerNorm"],
            ]),
        ];
    }

    private static List<Block> Samples(Captures.IRunRecord run) =>
    [
        new TableBlock(["sample", "sentence pair", "IsNext"], run.Samples.Select((s, i) => (IReadOnlyList<Cell>)
            [i.ToString(CultureInfo.InvariantCulture), s.Text, s.IsNext ? "IsNext" : "NotNext"]).ToList()),
    ];

    private static List<Block> MaskedSamples(Captures.IRunRecord run) =>
        WithLegend(new TableBlock(["sample", "masked input"], run.Samples.Select((s, i) => (IReadOnlyList<Cell>)
            [i.ToString(CultureInfo.InvariantCulture), new Cell(MaskedInput.Of(s, run.Vocabulary))]).ToList()));

    /// <summary>The table, and the legend of the marks when it has replaced or kept words.</summary>
    internal static List<Block> WithLegend(TableBlock table) =>
        table.Rows.SelectMany(r => r).Any(c => MaskedInput.HasPlainMarks(c.Tokens)) ? [table, new TextBlock(MaskedInput.Legend)] : [table];

    private static List<Block> Dictionary(Captures.IRunRecord run) =>
    [
        new TableBlock(["id", "token"], run.Vocabulary.Tokens.Select((t, id) => (IReadOnlyList<Cell>)[id.ToString(CultureInfo.InvariantCulture), t]).ToList(), Flow: true),
    ];

    private static List<Block> MaskedWords(Captures.IRunRecord run) =>
    [
        new TableBlock(["sample", "masked word ids", "masked words", "IsNext"], run.Samples.Select((s, i) =>
        {
            var ids = s.MaskedTokens.Where(t => t != Vocabulary.Pad).ToArray();
            return (IReadOnlyList<Cell>)
            [
                i.ToString(CultureInfo.InvariantCulture), string.Join(", ", ids), string.Join(", ", ids.Select(id => run.Vocabulary[id])),
                s.IsNext ? "True" : "False",
            ];
        }).ToList()),
    ];

    /// <summary>One input of every sample as a matrix, a row per sample (Figures 9 to 11).</summary>
    private static List<Block> Inputs(Captures.IRunRecord run, string name, Func<EncodedSample, int[]> values, int width)
    {
        var source = new TensorSource(name, null, null, null, -1, [run.Samples.Count, width], run.Config);
        var view = new TensorView(
            source,
            run.Samples.SelectMany(s => values(s).Select(v => (float)v)).ToArray(),
            Enumerable.Range(0, run.Samples.Count).Select(s => $"sample {s}").ToArray(),
            Enumerable.Range(0, width).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            heatmap: false,
            integers: true);
        return [new TensorBlock(view), new TextBlock("The samples as the run first masked them (samples.json).")];
    }

    private static List<Block> Embedding(Explorer explorer, int sample, int epoch)
    {
        TensorBlock Show(string name) => new(explorer.Tensor(new TensorQuery(sample, epoch, name)));
        var c = explorer.Run.Config;
        string x = $"[{c.MaxLen}, {c.DModel}]";
        var blocks = new List<Block>
        {
            new TextBlock(
                $"input_ids [{c.MaxLen}] and segment_ids [{c.MaxLen}] -> tok_embed {x} + pos_embed {x} + seg_embed {x} = embedding {x}" +
                (c.EmbeddingLayerNorm ? $" -> LayerNorm = embedding_norm {x}" : "") + $"; the [PAD] keys give attn_mask [{c.MaxLen}, {c.MaxLen}]."),
            Show("input_ids"), Show("segment_ids"), Show("tok_embed"), Show("pos_embed"), Show("seg_embed"), Show("embedding"),
        };
        return blocks;
    }

    /// <summary>What flows through the encoder layers and both heads (the article's two Figures 15), with shapes.</summary>
    private static List<Block> Flow(Explorer explorer, int epoch)
    {
        var c = explorer.Run.Config;
        var shapes = explorer.Catalog(epoch).GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.First().ShapeText);
        string S(string name) => shapes.TryGetValue(name, out var shape) ? shape : "-";
        var rows = new List<IReadOnlyList<Cell>>();
        void Row(string part, string tensor, string how, string weight = "")
        {
            // A layer's weights are shown without the "bert.encoder.layer.L." that every one of them starts with.
            string shown = weight.StartsWith("bert.encoder.layer.", StringComparison.Ordinal) ? weight[(weight.IndexOf('.', 19) + 1)..] : weight;
            rows.Add([part, tensor, Cell.Whole(S(tensor)), how, weight == "" ? "" : $"{shown} {S(weight)}"]);
        }

        Row("input", "embedding", "tok_embed + pos_embed + seg_embed");
        if (c.EmbeddingLayerNorm)
        {
            Row("input", "embedding_norm", "LayerNorm(embedding)", "bert.embeddings.LayerNorm.weight");
        }

        string x = c.EmbeddingLayerNorm ? "embedding_norm" : "embedding";
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"bert.encoder.layer.{l}.";
            string layer = $"layer {l}";
            Row(layer, "q", $"W_Q {x} + b_Q", p + "attention.self.query.weight");
            Row(layer, "k", $"W_K {x} + b_K", p + "attention.self.key.weight");
            Row(layer, "v", $"W_V {x} + b_V", p + "attention.self.value.weight");
            string heads = $"heads h0..h{c.Heads - 1}";
            Row(heads, "q_s", $"head h's {c.DK} columns of q; k_s, v_s of k, v");
            Row(heads, "scores", $"q_s k_s^T / sqrt({c.DK}) + attn_mask");
            Row(heads, "attn", "softmax(scores) over the keys");
            Row(heads, "ctx", "attn v_s");
            Row(layer, "context", $"the {c.Heads} heads' ctx side by side");
            Row(layer, "attn_output", "W_O context + b_O", p + "attention.output.dense.weight");
            Row(layer, "mha", $"LayerNorm(attn_output + {x}): Add & Norm", p + "attention.output.LayerNorm.weight");
            Row(layer, "ffn_hidden", "W_1 mha + b_1", p + "intermediate.dense.weight");
            Row(layer, "ffn_gelu", "GELU(ffn_hidden)");
            Row(layer, "ffn_output", "W_2 ffn_gelu + b_2", p + "output.dense.weight");
            Row(layer, "enc_output", c.FfnAddNorm ? "LayerNorm(ffn_output + mha): Add & Norm" : "ffn_output", c.FfnAddNorm ? p + "output.LayerNorm.weight" : "");
            x = $"enc_output (layer {l})";
        }

        Row("IsNext", "h_cls", "the last enc_output's row 0 ([CLS])");
        Row("IsNext", "h_pooled", "tanh(W_p h_cls + b_p)", "bert.pooler.dense.weight");
        Row("IsNext", "logits_clsf", "W_c h_pooled + b_c", "cls.seq_relationship.weight");
        Row("IsNext", "probs_clsf", "softmax(logits_clsf)");
        Row("IsNext", "pred_clsf", "argmax: 1 is IsNext");
        Row("MLM", "h_masked", "the last enc_output's rows at masked_positions");
        Row("MLM", "mlm_dense", "W_t h_masked + b_t", "cls.predictions.transform.dense.weight");
        Row("MLM", "mlm_gelu", "GELU(mlm_dense)");
        Row("MLM", "mlm_norm", "LayerNorm(mlm_gelu)", "cls.predictions.transform.LayerNorm.weight");
        Row("MLM", "logits_lm", "mlm_norm tok_embed^T + bias (the decoder shares the token embedding)", "bert.embeddings.word_embeddings.weight");
        Row("MLM", "probs_lm", "softmax(logits_lm) over the vocabulary");
        Row("MLM", "pred_lm", "argmax: the predicted word ids");
        return
        [
            new TableBlock(["part", "tensor", "shape", "computed as", "weight and its shape"], rows),
            new TextBlock(
                "Shapes are one sample's. A layer's weights are named bert.encoder.layer.L. and the name shown. Each tensor can be shown by its " +
                "name (with its layer and head), a weight by its Hugging Face name, and its gradient as that name and .grad."),
        ];
    }

    private static string Words(int[] ids, Vocabulary vocabulary) =>
        string.Join(", ", ids) + " (" + string.Join(", ", ids.Select(id => vocabulary[id])) + ")";

    private static int First(Captures.IRunRecord run) =>
        run.CapturedEpochs.Count > 0 ? run.CapturedEpochs[0] : throw CaptureFile.NoCaptures(run.Name);

    private static int Last(Captures.IRunRecord run) =>
        run.CapturedEpochs.Count > 0 ? run.CapturedEpochs[^1] : throw CaptureFile.NoCaptures(run.Name);
}
