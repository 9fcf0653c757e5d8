using BertGen.Data;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>What the model predicts for one training sample: the masked words and the IsNext flag (the article's Figure 17).</summary>
/// <param name="Sample">The sample's index.</param>
/// <param name="Input">The masked input, token by token.</param>
/// <param name="PredictedIds">The argmax of each real masked slot.</param>
/// <param name="ActualIds">The word behind each real masked slot.</param>
/// <param name="PredictedIsNext">Whether the model says the second sentence follows the first.</param>
/// <param name="ActualIsNext">The label.</param>
public sealed record SamplePrediction(int Sample, IReadOnlyList<MarkedToken> Input, int[] PredictedIds, int[] ActualIds, bool PredictedIsNext, bool ActualIsNext)
{
    /// <summary>Whether every masked word and the IsNext flag are right.</summary>
    public bool AllCorrect => PredictedIds.SequenceEqual(ActualIds) && PredictedIsNext == ActualIsNext;

    /// <summary>Reads every sample's predictions from the trainer's last forward pass.</summary>
    public static IReadOnlyList<SamplePrediction> FromTrainer(Trainer trainer, IReadOnlyList<EncodedSample> samples, Vocabulary vocabulary)
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
                MaskedInput.Of(sample, vocabulary),
                predicted,
                sample.MaskedTokens.Take(real).ToArray(),
                predClsf.Of(activations)[0] == 1f,
                sample.IsNext));
        }

        return result;
    }
}
