using BertGen.Data;
using BertGen.Formatting;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>What the model predicts for one training sample: the masked words and the IsNext flag (the article's Figure 17).</summary>
public sealed record SamplePrediction(int Sample, string MaskedText, int[] PredictedIds, int[] ActualIds, bool PredictedIsNext, bool ActualIsNext)
{
    /// <summary>Whether every masked word and the IsNext flag are right.</summary>
    public bool AllCorrect => PredictedIds.SequenceEqual(ActualIds) && PredictedIsNext == ActualIsNext;

    /// <summary>Reads every sample's predictions from the trainer's last forward pass.</summary>
    public static IReadOnlyList<SamplePrediction> FromTrainer(Trainer trainer, IReadOnlyList<EncodedSample> samples)
    {
        var layout = trainer.Model.Activations;
        var predLm = layout["pred_lm"];
        var predClsf = layout["pred_clsf"];
        var result = new List<SamplePrediction>(samples.Count);
        for (int s = 0; s < samples.Count; s++)
        {
            var sample = samples[s];
            var activations = trainer.SampleActivations(s);
            int real = sample.MaskedTokens.Count(t => t != Vocabulary.Pad);
            var predicted = predLm.Of(activations).ToArray().Take(real).Select(v => (int)v).ToArray();
            result.Add(new SamplePrediction(
                s,
                sample.MaskedText,
                predicted,
                sample.MaskedTokens.Take(real).ToArray(),
                predClsf.Of(activations)[0] == 1f,
                sample.IsNext));
        }

        return result;
    }

    /// <summary>The summary table: per sample the masked input, predicted and actual word ids and words, and IsNext.</summary>
    public static TextTable Table(IReadOnlyList<SamplePrediction> predictions, Vocabulary vocabulary)
    {
        var table = new TextTable("sample", "masked input", "predicted", "actual", "IsNext predicted", "IsNext actual");
        foreach (var p in predictions)
        {
            table.Add(
                p.Sample.ToString(System.Globalization.CultureInfo.InvariantCulture),
                TrimPadding(p.MaskedText),
                Words(p.PredictedIds, vocabulary),
                Words(p.ActualIds, vocabulary),
                p.PredictedIsNext ? "True" : "False",
                p.ActualIsNext ? "True" : "False");
        }

        return table;
    }

    private static string Words(int[] ids, Vocabulary vocabulary) =>
        string.Join(", ", ids) + " (" + string.Join(", ", ids.Select(id => vocabulary[id])) + ")";

    private static string TrimPadding(string text)
    {
        const string pad = " [PAD]";
        while (text.EndsWith(pad, StringComparison.Ordinal))
        {
            text = text[..^pad.Length];
        }

        return text;
    }
}
