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

    /// <summary>
    /// Adds the predictions of the samples of batch <paramref name="batch"/> that are among the first
    /// <paramref name="most"/>, read from the trainer's arena after that batch's forward pass.
    /// </summary>
    public static void FromBatch(Trainer trainer, int batch, IReadOnlyList<EncodedSample> samples, Vocabulary vocabulary, int most, List<SamplePrediction> into)
    {
        var layout = trainer.Model.Activations;
        var predLm = layout["pred_lm"];
        var predClsf = layout["pred_clsf"];
        int first = batch * trainer.Model.Config.BatchSize;
        for (int s = 0; s < trainer.Batches[batch].Count && first + s < most; s++)
        {
            var sample = samples[first + s];
            var activations = trainer.BatchActivations(s);
            int real = sample.MaskedTokens.Count(t => t != Vocabulary.Pad);
            var predicted = predLm.Of(activations).ToArray().Take(real).Select(v => (int)v).ToArray();
            into.Add(new SamplePrediction(
                first + s,
                MaskedInput.Of(sample, vocabulary),
                predicted,
                sample.MaskedTokens.Take(real).ToArray(),
                predClsf.Of(activations)[0] == 1f,
                sample.IsNext));
        }
    }
}
