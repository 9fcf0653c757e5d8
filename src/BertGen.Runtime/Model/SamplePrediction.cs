using BertGen.Data;

namespace BertGen;

/// <summary>A word ranked for a masked slot: its id, its probability (softmax of logits_lm) and its logit.</summary>
/// <param name="Id">The word's id.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Logit">Its logit.</param>
public readonly record struct RankedWord(int Id, float Probability, float Logit);

/// <summary>What the model says about one masked slot: its top words, the argmax, and the word behind the mask when known.</summary>
/// <param name="Slot">The slot's index among the sample's masked slots.</param>
/// <param name="Position">The token position it masks.</param>
/// <param name="PredictedId">The argmax of its probabilities (pred_lm).</param>
/// <param name="ActualId">The word behind the mask, or null when there is none to compare with (a [MASK] of a new pair).</param>
/// <param name="Top">The likeliest words, most probable first (ties by id).</param>
public sealed record MaskedWordPrediction(int Slot, int Position, int PredictedId, int? ActualId, IReadOnlyList<RankedWord> Top)
{
    /// <summary>Whether the argmax is the word behind the mask (null when that word is not known).</summary>
    public bool? Right => ActualId is { } actual ? PredictedId == actual : null;
}

/// <summary>What the model says about IsNext: both logits, the probability of IsNext, the decision and the label when known.</summary>
/// <param name="NotNextLogit">logits_clsf[0].</param>
/// <param name="IsNextLogit">logits_clsf[1].</param>
/// <param name="Probability">probs_clsf[1], the probability that the second sentence follows the first.</param>
/// <param name="Predicted">pred_clsf: whether the model says it follows.</param>
/// <param name="Actual">The label, or null for a new pair.</param>
public sealed record IsNextPrediction(float NotNextLogit, float IsNextLogit, float Probability, bool Predicted, bool? Actual)
{
    /// <summary>The larger of the two logits.</summary>
    public float Max => Math.Max(NotNextLogit, IsNextLogit);

    /// <summary>0 for NotNext, 1 for IsNext: the argmax (ties go to 0).</summary>
    public int Index => Predicted ? 1 : 0;

    /// <summary>Whether the prediction is the label (null when there is no label).</summary>
    public bool? Right => Actual is { } actual ? Predicted == actual : null;
}

/// <summary>
/// What the model predicts for one sample, read from its forward pass's outputs: each real masked slot's top words and
/// argmax, and the IsNext decision, with the words and label behind them when they are known. One record serves the
/// training summary (the article's Figure 17), the prediction walk-through (Figure 16) and the predictions of new pairs.
/// </summary>
/// <param name="Input">The input as the model read it, its masked slots marked.</param>
/// <param name="Masks">The real masked slots, in order.</param>
/// <param name="IsNext">The IsNext prediction.</param>
public sealed record SamplePrediction(IReadOnlyList<MarkedToken> Input, IReadOnlyList<MaskedWordPrediction> Masks, IsNextPrediction IsNext)
{
    /// <summary>Words kept per masked slot unless asked otherwise.</summary>
    public const int DefaultTop = 5;

    /// <summary>Whether every masked word and the IsNext flag are right (false when any is not known).</summary>
    public bool AllCorrect => Masks.All(m => m.Right == true) && IsNext.Right == true;

    /// <summary>
    /// Reads one sample's prediction from the outputs of its forward pass.
    /// </summary>
    /// <param name="outputs">The sample's logits, probabilities and predictions.</param>
    /// <param name="inputIds">Its input_ids.</param>
    /// <param name="maskedPositions">Its masked_positions.</param>
    /// <param name="maskedTokens">Its masked_tokens: the words behind the masks; [PAD] marks a padded slot.</param>
    /// <param name="isNext">Its label, or null for a new pair.</param>
    /// <param name="vocabulary">The run's vocabulary.</param>
    /// <param name="wordsKnown">Whether maskedTokens are the words behind the masks (false for a new pair, whose slots hold only [MASK]).</param>
    /// <param name="top">Words ranked per slot.</param>
    public static SamplePrediction Read(
        HeadOutputs outputs, ReadOnlySpan<int> inputIds, ReadOnlySpan<int> maskedPositions, ReadOnlySpan<int> maskedTokens, bool? isNext,
        Vocabulary vocabulary, bool wordsKnown = true, int top = DefaultTop)
    {
        int vocab = vocabulary.Count;
        var masks = new List<MaskedWordPrediction>();
        for (int m = 0; m < maskedPositions.Length; m++)
        {
            if (maskedTokens[m] == Vocabulary.Pad)
            {
                continue;
            }

            var probs = outputs.ProbsLm.Slice(m * vocab, vocab);
            var logits = outputs.LogitsLm.Slice(m * vocab, vocab);
            masks.Add(new MaskedWordPrediction(m, maskedPositions[m], (int)outputs.PredLm[m], wordsKnown ? maskedTokens[m] : null, Rank(probs, logits, top)));
        }

        var next = new IsNextPrediction(outputs.LogitsClsf[0], outputs.LogitsClsf[1], outputs.ProbsClsf[1], outputs.PredClsf[0] == 1f, isNext);
        return new SamplePrediction(MaskedInput.Of(inputIds, maskedPositions, maskedTokens, vocabulary), masks, next);
    }

    /// <summary>The <paramref name="top"/> most probable words (ties by id), without sorting the whole vocabulary.</summary>
    public static IReadOnlyList<RankedWord> Rank(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> logits, int top)
    {
        var best = new List<RankedWord>(Math.Min(top, probabilities.Length) + 1);
        for (int id = 0; id < probabilities.Length; id++)
        {
            float p = probabilities[id];
            if (best.Count == top && !(p > best[^1].Probability))
            {
                continue;
            }

            int at = best.Count;
            while (at > 0 && p > best[at - 1].Probability)
            {
                at--;
            }

            best.Insert(at, new RankedWord(id, p, logits[id]));
            if (best.Count > top)
            {
                best.RemoveAt(best.Count - 1);
            }
        }

        return best;
    }
}

/// <summary>One sample's outputs of the two heads, as its forward pass left them (or as a capture holds them).</summary>
public readonly ref struct HeadOutputs
{
    /// <summary>The outputs, tensor by tensor.</summary>
    public HeadOutputs(
        ReadOnlySpan<float> logitsLm, ReadOnlySpan<float> probsLm, ReadOnlySpan<float> predLm, ReadOnlySpan<float> logitsClsf, ReadOnlySpan<float> probsClsf, ReadOnlySpan<float> predClsf)
    {
        LogitsLm = logitsLm;
        ProbsLm = probsLm;
        PredLm = predLm;
        LogitsClsf = logitsClsf;
        ProbsClsf = probsClsf;
        PredClsf = predClsf;
    }

    /// <summary>logits_lm: [maxPred, vocabulary].</summary>
    public ReadOnlySpan<float> LogitsLm { get; }

    /// <summary>probs_lm: [maxPred, vocabulary].</summary>
    public ReadOnlySpan<float> ProbsLm { get; }

    /// <summary>pred_lm: [maxPred], the argmax of each slot.</summary>
    public ReadOnlySpan<float> PredLm { get; }

    /// <summary>logits_clsf: [2], NotNext and IsNext.</summary>
    public ReadOnlySpan<float> LogitsClsf { get; }

    /// <summary>probs_clsf: [2].</summary>
    public ReadOnlySpan<float> ProbsClsf { get; }

    /// <summary>pred_clsf: [1], 1 for IsNext.</summary>
    public ReadOnlySpan<float> PredClsf { get; }

    /// <summary>The outputs in one sample's activations, laid out as one sample by <paramref name="layout"/>.</summary>
    public static HeadOutputs Of(TensorLayout layout, ReadOnlySpan<float> activations) => new(
        layout["logits_lm"].Of(activations), layout["probs_lm"].Of(activations), layout["pred_lm"].Of(activations),
        layout["logits_clsf"].Of(activations), layout["probs_clsf"].Of(activations), layout["pred_clsf"].Of(activations));
}
