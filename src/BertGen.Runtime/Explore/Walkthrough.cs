using System.Globalization;
using System.Text;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>
/// The article's prediction walk (its Figure 16 and text) for one sample at one captured epoch: per masked slot the
/// softmax over the vocabulary, its top words, the argmax and the word it maps to, against the actual word; then the
/// two IsNext logits, their max, its index and the Boolean, against the label.
/// </summary>
/// <param name="Sample">The sample.</param>
/// <param name="Epoch">The captured epoch.</param>
/// <param name="Prediction">What the model predicted for the sample at that epoch.</param>
/// <param name="Vocabulary">The run's vocabulary.</param>
public sealed record Walkthrough(int Sample, int Epoch, SamplePrediction Prediction, Vocabulary Vocabulary)
{
    /// <summary>Reads the walk from a capture.</summary>
    /// <exception cref="InputException">The sample or the epoch was not captured.</exception>
    public static Walkthrough Create(Explorer explorer, int sample, int epoch) =>
        new(sample, epoch, explorer.Prediction(sample, epoch), explorer.Run.Vocabulary);

    /// <summary>The walk as a document's blocks: the input, each slot's top words and argmax, the IsNext decision.</summary>
    public IReadOnlyList<Block> ToBlocks(int decimals = 4)
    {
        var format = new NumberFormat(0, decimals, false);
        var blocks = new List<Block>
        {
            new TableBlock(["sample", "epoch", "input"], [[Sample.ToString(CultureInfo.InvariantCulture), Epoch.ToString(CultureInfo.InvariantCulture), new Cell(Prediction.Input)]]),
        };
        foreach (var slot in Prediction.Masks)
        {
            blocks.Add(new TableBlock(
                ["rank", "id", "word", "probability"],
                slot.Top.Select((t, rank) => (IReadOnlyList<Cell>)
                    [(rank + 1).ToString(CultureInfo.InvariantCulture), t.Id.ToString(CultureInfo.InvariantCulture), Vocabulary[t.Id], format.Format(t.Probability)]).ToList(),
                Title: $"Masked word {slot.Slot} at position {slot.Position}: softmax(logits_lm) over {Vocabulary.Count} words, top {slot.Top.Count}"));
            string actual = slot.ActualId is { } id ? $"actual {id} \"{Vocabulary[id]}\": {(slot.Right == true ? "right" : "wrong")}" : "no word to compare with";
            blocks.Add(new TextBlock($"argmax = {slot.PredictedId} -> \"{Vocabulary[slot.PredictedId]}\"; {actual}"));
        }

        var n = Prediction.IsNext;
        var logits = new NumberFormat(0, 2, false);
        string label = n.Actual is { } a ? $"actual {(a ? "True" : "False")}: {(n.Right == true ? "right" : "wrong")}" : "no label to compare with";
        blocks.Add(new TextBlock($"IsNext: logits_clsf = [NotNext {logits.Format(n.NotNextLogit)}, IsNext {logits.Format(n.IsNextLogit)}]"));
        blocks.Add(new TextBlock($"max = {logits.Format(n.Max)} at index {n.Index} -> IsNext = {(n.Predicted ? "True" : "False")}; {label}"));
        return blocks;
    }
}
