using System.Numerics;

namespace BertGen.Tests.Support;

/// <summary>Whole-batch forward and backward passes through a model's kernels.</summary>
internal static class Passes
{
    /// <summary>Runs every sample's forward pass and the loss; returns the loss and leaves the activations in the arena.</summary>
    public static ForwardResult Forward<T>(IBertModel model, ReadOnlySpan<T> parameters, Batch batch, T[] arena)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        model.ForwardSamples(parameters, batch, 0, batch.Count, arena);
        return model.Loss<T>(batch, arena);
    }

    /// <summary>The gradient of the batch's loss with respect to every parameter.</summary>
    public static T[] Gradients<T>(IBertModel model, ReadOnlySpan<T> parameters, Batch batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int stride = model.Activations.Length;
        var arena = new T[batch.Capacity * stride];
        Forward(model, parameters, batch, arena);
        var gradients = new T[model.Parameters.Length];
        var scratch = new T[batch.Capacity * stride];
        scratch.AsSpan().Fill(T.NaN); // a gradient read before it is written shows up as NaN
        model.BackwardSamples<T>(parameters, batch, 0, batch.Count, arena, gradients, scratch);
        return gradients;
    }
}
