using System.Numerics;

namespace BertGen;

/// <summary>
/// A model the generator emitted from a bertgen.json: its passes call the runtime's kernels with the model's shapes as
/// compile-time constants of the implementing type; only the vocabulary size is chosen when it is created.
/// </summary>
/// <remarks>
/// Parameters, gradients and Adam state are flat arrays laid out by <see cref="Parameters"/>. An activation arena
/// holds a whole number C of samples, <see cref="Activations"/>.Length values each, batch-major: each tensor of every
/// sample is one matrix, tensor t of sample s at t.Offset * C + s * t.Length
/// (<see cref="TensorInfo.Of{T}(Span{T}, int, int)"/>; <see cref="TensorLayout.CopySample{T}"/> copies one sample out
/// in the layout of <see cref="Activations"/>). The passes run layer by layer over a range of a batch's samples, each
/// tensor of the range one run of rows, so that each weight matrix is prepared once for all of them and every product
/// and row operation covers all their rows; separate ranges of one arena can run on separate threads.
/// </remarks>
public interface IBertModel
{
    /// <summary>The configuration the model was generated from, with its vocabulary size.</summary>
    ModelConfig Config { get; }

    /// <summary>Every parameter tensor with its Hugging Face name, shape and offset in the flat buffer.</summary>
    TensorLayout Parameters { get; }

    /// <summary>
    /// Every activation of one sample with its name, shape and offset in one sample's layout. Its
    /// <see cref="TensorLayout.Length"/> also counts working values that the forward pass keeps for the backward pass
    /// and no tensor names (each layer's erf(ffn_hidden / sqrt 2), for GELU's derivative).
    /// </summary>
    TensorLayout Activations { get; }

    /// <summary>
    /// Runs samples <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 of the batch
    /// through embeddings, encoder layers and both heads, up to the probabilities and predictions (probs_lm, pred_lm,
    /// probs_clsf, pred_clsf). <paramref name="activations"/> is the batch's arena (at least first + count samples).
    /// </summary>
    void ForwardSamples<T>(ReadOnlySpan<T> parameters, Batch batch, int first, int count, Span<T> activations)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// <see cref="ForwardSamples"/> for a training step: the same calls, number for number, except that the activations
    /// neither <see cref="Loss"/> nor <see cref="BackwardSamples"/> reads, each layer's attention scores, are not written
    /// (they keep what the arena held). The trainer's steps run it; captures and the explorer run
    /// <see cref="ForwardSamples"/>, which writes every activation. A model that does not implement it runs
    /// <see cref="ForwardSamples"/>.
    /// </summary>
    void ForwardSamplesForTraining<T>(ReadOnlySpan<T> parameters, Batch batch, int first, int count, Span<T> activations)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ForwardSamples(parameters, batch, first, count, activations);

    /// <summary>
    /// What <see cref="InferSamples"/> leaves of one sample: the output layer's activations (h_cls to probs_lm), with
    /// their offsets in a sample's inference layout of <see cref="TensorLayout.Length"/> values, fewer than
    /// <see cref="Activations"/> has when there is more than one layer.
    /// </summary>
    TensorLayout Outputs { get; }

    /// <summary>
    /// The forward pass for predicting: the same calls as <see cref="ForwardSamplesForTraining"/>, number for number, with each
    /// encoder layer written over the one before, so that each sample of the arena <paramref name="work"/> (laid out
    /// batch-major by <see cref="Outputs"/>) holds one layer's activations and the output layer's
    /// (<see cref="Outputs"/>.Length values), not every layer's for a backward pass.
    /// </summary>
    void InferSamples<T>(ReadOnlySpan<T> parameters, Batch batch, int first, int count, Span<T> work)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The cross-entropy of both heads over the batch, and how many predictions are right, from the activations every
    /// sample's forward pass left in the arena <paramref name="activations"/>.
    /// </summary>
    ForwardResult Loss<T>(Batch batch, Span<T> activations)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Adds the share of the batch's loss gradient that samples <paramref name="first"/> to <paramref name="first"/> +
    /// <paramref name="count"/> - 1 carry to <paramref name="gradients"/>. <paramref name="scratch"/> is an arena of as
    /// many samples as <paramref name="activations"/> and receives the gradients of the activations.
    /// </summary>
    void BackwardSamples<T>(ReadOnlySpan<T> parameters, Batch batch, int first, int count, ReadOnlySpan<T> activations, Span<T> gradients, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
