using System.Numerics;

namespace BertGen.Kernels;

/// <summary>The summed cross-entropy of a set of rows: the loss, the rows that counted, and how many of them the argmax got right.</summary>
/// <param name="Loss">The sum over the counted rows of -log softmax(logits)[target].</param>
/// <param name="Count">Rows with a target (not ignored).</param>
/// <param name="Correct">Counted rows whose prediction is the target.</param>
public readonly record struct CrossEntropySum(double Loss, int Count, int Correct)
{
    /// <summary>The mean loss over the counted rows (0 when none counted).</summary>
    public double Mean => Count == 0 ? 0 : Loss / Count;
}

/// <summary>
/// The training objective's loss, over rows of logits with one target class each: -log softmax(logits)[target] =
/// logSumExp(logits) - logits[target], summed in double; a row whose target is the ignored class (a padded masked slot)
/// does not count. The probabilities and the predictions come from the forward pass; only the loss is made here.
/// </summary>
public static class CrossEntropy
{
    /// <summary>
    /// The cross-entropy of every row of every sample: <paramref name="targets"/> holds one class per row, sample after
    /// sample; <paramref name="predictions"/> the forward pass's argmax of each row.
    /// </summary>
    public static CrossEntropySum Sum<T>(ReadOnlyRows<T> logits, ReadOnlyRows<T> predictions, ReadOnlySpan<int> targets, int ignore)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double loss = 0;
        int count = 0, correct = 0, width = logits.Width, rows = logits.RowsPerSample;
        for (int s = 0; s < logits.Count; s++)
        {
            var x = logits.Sample(s);
            var predicted = predictions.Sample(s);
            for (int r = 0; r < rows; r++)
            {
                int target = targets[(s * rows) + r];
                if (target == ignore)
                {
                    continue;
                }

                var row = x.Slice(r * width, width);
                loss += double.CreateTruncating(Elementwise.LogSumExp(row) - row[target]);
                count++;
                correct += int.CreateTruncating(predicted[r]) == target ? 1 : 0;
            }
        }

        return new CrossEntropySum(loss, count, correct);
    }

    /// <summary>
    /// The gradient of <paramref name="scale"/> times the summed loss with respect to the logits: (probs - onehot(target))
    /// * scale for a counted row, 0 for an ignored one; written over <paramref name="dLogits"/>.
    /// </summary>
    public static void Backward<T>(ReadOnlyRows<T> probs, ReadOnlySpan<int> targets, int ignore, T scale, Rows<T> dLogits)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = probs.Width, rows = probs.RowsPerSample;
        for (int s = 0; s < probs.Count; s++)
        {
            var p = probs.Sample(s);
            var d = dLogits.Sample(s);
            for (int r = 0; r < rows; r++)
            {
                int target = targets[(s * rows) + r];
                var row = d.Slice(r * width, width);
                if (target == ignore)
                {
                    row.Clear();
                    continue;
                }

                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Slice(r * width, width), scale, row);
                row[target] -= scale;
            }
        }
    }
}
