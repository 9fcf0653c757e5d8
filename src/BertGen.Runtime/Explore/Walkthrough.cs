using System.Globalization;
using System.Text;
using BertGen.Data;
using BertGen.Formatting;

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
public sealed record Walkthrough(int Sample, int Epoch, string Input, IReadOnlyList<SlotPrediction> Slots, NextPrediction IsNext, Vocabulary Vocabulary)
{
    /// <summary>Words shown per masked slot.</summary>
    public const int TopCount = 5;

    /// <summary>Reads the walk from a capture.</summary>
    public static Walkthrough Create(Explorer explorer, int sample, int epoch)
    {
        var run = explorer.Run;
        var capture = run.Capture(epoch);
        string input = string.Join(' ', explorer.Tokens(sample, epoch));
        var positions = capture.Input("masked_positions", sample);
        var tokens = capture.Input("masked_tokens", sample);
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

    /// <summary>The walk as text.</summary>
    public string ToText(int decimals = 4)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Sample {Sample} at epoch {Epoch}: {Input}\n");
        foreach (var slot in Slots)
        {
            text.Append('\n');
            text.Append(CultureInfo.InvariantCulture, $"Masked word {slot.Slot} at position {slot.Position}: softmax(logits_lm) over {Vocabulary.Count} words, top {slot.Top.Count}\n");
            var table = new TextTable("rank", "id", "word", "probability");
            int rank = 1;
            foreach (var (id, p) in slot.Top)
            {
                table.Add((rank++).ToString(CultureInfo.InvariantCulture), id.ToString(CultureInfo.InvariantCulture), Vocabulary[id], TensorText.Number(p, decimals));
            }

            text.Append(Indent(table.ToString()));
            text.Append(CultureInfo.InvariantCulture,
                $"  argmax = {slot.PredictedId} -> \"{Vocabulary[slot.PredictedId]}\"; actual {slot.ActualId} \"{Vocabulary[slot.ActualId]}\": {(slot.Right ? "right" : "wrong")}\n");
        }

        var n = IsNext;
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture,
            $"IsNext: logits_clsf = [NotNext {TensorText.Number(n.NotNextLogit, 2)}, IsNext {TensorText.Number(n.IsNextLogit, 2)}]\n");
        text.Append(CultureInfo.InvariantCulture,
            $"  max = {TensorText.Number(n.Max, 2)} at index {n.Index} -> IsNext = {(n.Predicted ? "True" : "False")}; actual {(n.Actual ? "True" : "False")}: {(n.Right ? "right" : "wrong")}\n");
        return text.ToString();
    }

    private static string Indent(string block) => string.Concat(block.Split('\n').Select(l => l.Length == 0 ? string.Empty : "  " + l + "\n"));
}
