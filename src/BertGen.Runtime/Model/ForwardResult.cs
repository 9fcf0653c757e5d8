namespace BertGen;

/// <summary>Losses and accuracies of one batch's forward pass.</summary>
/// <param name="MlmLoss">Mean cross-entropy over the batch's real masked slots.</param>
/// <param name="NspLoss">Mean cross-entropy of the IsNext classifier over the batch.</param>
/// <param name="MlmCorrect">Masked slots whose argmax is the masked word.</param>
/// <param name="MlmCount">Real (not padded) masked slots.</param>
/// <param name="NspCorrect">Samples whose IsNext argmax is the label.</param>
/// <param name="NspCount">Samples in the batch.</param>
public readonly record struct ForwardResult(double MlmLoss, double NspLoss, int MlmCorrect, int MlmCount, int NspCorrect, int NspCount)
{
    /// <summary>The training objective: MLM loss plus NSP loss.</summary>
    public double Loss => MlmLoss + NspLoss;
}
