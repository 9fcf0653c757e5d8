using System.Globalization;
using System.Text;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>One masked slot's prediction: the top words of softmax(logits_lm), the argmax, and the word behind the mask.</summary>
public sealed record SlotPrediction(int Slot, int Position, int ActualId, IReadOnlyList<(int Id, float Probability)> Top, int PredictedId)
{
    /// <summary>Whether the argmax is the word behind the mask.</summary>
    public bool Right => PredictedId == ActualId;
}

/// <summary>The IsNext prediction: both logits, the larger, its index and what it means.</summary>
public sealed record NextPrediction(float NotNextLogit, float IsNextLogit, bool Predicted, bool Actual)
{
    /// <summary>The larger of the two logits.</summary>
    public float Max => Math.Max(NotNextLogit, IsNextLogit);

    /// <summary>0 for NotNext, 1 for IsNext (ties go to 0, as the argmax does).</summary>
    public int Index => IsNextLogit > NotNextLogit ? 1 : 0;

    /// <summary>Whether the prediction is the label.</summary>
    public bool Right => Predicted == Actual;
}

/// <summary>
/// The article's prediction walk (its Figure 16 and text) for one sample at one captured epoch: per masked slot the
/// softmax over the vocabulary, its top words, the argmax and the word it maps to, against the actual word; then the
/// two IsNext logits, their max, its index and the Boolean, against the label.
/// </summary>
/// <param name="Sample">The sample.</param>
/// <param name="Epoch">The captured epoch.</param>
/// <param name="Input">The sample's input as the model read it, masks marked.</param>
/// <param name="Slots">Each real masked slot's prediction.</param>
/// <param name="IsNext">The IsNext prediction.</param>
/// <param name="Vocabulary">The run's vocabulary.</param>
public sealed record Walkthrough(int Sample, int Epoch, IReadOnlyList<MarkedToken> Input, IReadOnlyList<SlotPrediction> Slots, NextPrediction IsNext, Vocabulary Vocabulary)
{
    /// <summary>Words shown per masked slot.</summary>
    public const int TopCount = 5;

    /// <summary>Reads the walk from a capture.</summary>
    public static Walkthrough Create(Explorer explorer, int sample, int epoch)
    {
        var run = explorer.Run;
        var capture = run.Capture(epoch);
        explorer.Tokens(sample, epoch); // checks the sample
        var positions = capture.Input("masked_positions", sample);
        var tokens = capture.Input("masked_tokens", sample);
        var input = MaskedInput.Of(capture.Input("input_ids", sample), positions, tokens, run.Vocabulary);
        var probs = capture.Activation("probs_lm", -1, sample);
        var predicted = capture.Activation("pred_lm", -1, sample);
        int vocab = run.Vocabulary.Count;
        var slots = new List<SlotPrediction>();
        for (int m = 0; m < positions.Length; m++)
        {
            if (tokens[m] == Vocabulary.Pad)
            {
                continue;
            }

            var row = probs.AsSpan(m * vocab, vocab).ToArray();
            var top = row.Select((p, id) => (Id: id, Probability: p)).OrderByDescending(x => x.Probability).ThenBy(x => x.Id).Take(TopCount).ToList();
            slots.Add(new SlotPrediction(m, positions[m], tokens[m], top, (int)predicted[m]));
        }

        var logits = capture.Activation("logits_clsf", -1, sample);
        var isNext = new NextPrediction(logits[0], logits[1], capture.Activation("pred_clsf", -1, sample)[0] == 1f, capture.Input("is_next", sample)[0] == 1);
        return new Walkthrough(sample, epoch, input, slots, isNext, run.Vocabulary);
    }

    /// <summary>The walk as a document's blocks: the input, each slot's top words and argmax, the IsNext decision.</summary>
    public IReadOnlyList<Block> ToBlocks(int decimals = 4)
    {
        var format = new NumberFormat(0, decimals, false);
        var blocks = new List<Block>
        {
            new TableBlock(["sample", "epoch", "input"], [[Sample.ToString(CultureInfo.InvariantCulture), Epoch.ToString(CultureInfo.InvariantCulture), new Cell(Input)]]),
        };
        foreach (var slot in Slots)
        {
            blocks.Add(new TableBlock(
                ["rank", "id", "word", "probability"],
                slot.Top.Select((t, rank) => (IReadOnlyList<Cell>)
                    [(rank + 1).ToString(CultureInfo.InvariantCulture), t.Id.ToString(CultureInfo.InvariantCulture), Vocabulary[t.Id], format.Format(t.Probability)]).ToList(),
                Title: $"Masked word {slot.Slot} at position {slot.Position}: softmax(logits_lm) over {Vocabulary.Count} words, top {slot.Top.Count}"));
            blocks.Add(new TextBlock(
                $"argmax = {slot.PredictedId} -> \"{Vocabulary[slot.PredictedId]}\"; actual {slot.ActualId} \"{Vocabulary[slot.ActualId]}\": {(slot.Right ? "right" : "wrong")}"));
        }

        var n = IsNext;
        var logits = new NumberFormat(0, 2, false);
        blocks.Add(new TextBlock($"IsNext: logits_clsf = [NotNext {logits.Format(n.NotNextLogit)}, IsNext {logits.Format(n.IsNextLogit)}]"));
        blocks.Add(new TextBlock(
            $"max = {logits.Format(n.Max)} at index {n.Index} -> IsNext = {(n.Predicted ? "True" : "False")}; actual {(n.Actual ? "True" : "False")}: {(n.Right ? "right" : "wrong")}"));
        return blocks;
    }
}
