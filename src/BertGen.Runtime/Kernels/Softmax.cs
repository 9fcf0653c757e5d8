using System.Numerics;
using System.Numerics.Tensors;

namespace BertGen.Kernels;

/// <summary>Numerically stable softmax over one row, shared by the loss and the predictor.</summary>
public static class Softmax
{
    /// <summary>
    /// Writes softmax(<paramref name="logits"/>) to <paramref name="probs"/> and returns log(sum(exp(logits))),
    /// so that a cross-entropy is <c>logSumExp - logits[target]</c> without taking the log of a tiny probability.
    /// </summary>
    public static T Row<T>(ReadOnlySpan<T> logits, Span<T> probs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, probs);
        TensorPrimitives.Exp(probs, probs);
        T sum = TensorPrimitives.Sum<T>(probs);
        TensorPrimitives.Divide(probs, sum, probs);
        return max + T.Log(sum);
    }
}
