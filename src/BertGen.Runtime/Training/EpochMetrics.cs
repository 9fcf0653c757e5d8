namespace BertGen.Training;

/// <summary>The losses and accuracies of an epoch's forward passes (a row of a run's metrics.csv).</summary>
/// <param name="Epoch">The epoch (1 is the first training step's forward pass).</param>
/// <param name="Loss">MLM loss plus NSP loss.</param>
/// <param name="MlmLoss">Mean cross-entropy over the real masked slots.</param>
/// <param name="NspLoss">Mean cross-entropy of the IsNext classifier.</param>
/// <param name="MlmAccuracy">The share of masked words predicted right.</param>
/// <param name="NspAccuracy">The share of IsNext flags predicted right.</param>
public readonly record struct EpochMetrics(int Epoch, double Loss, double MlmLoss, double NspLoss, double MlmAccuracy, double NspAccuracy)
{
    /// <summary>Whether every masked word and every IsNext flag was predicted right.</summary>
    public bool AllCorrect => MlmAccuracy == 1.0 && NspAccuracy == 1.0;
}

/// <summary>Right predictions and their totals over an epoch's forward passes.</summary>
/// <param name="MlmCorrect">Masked slots whose argmax is the masked word.</param>
/// <param name="MlmCount">Real (not padded) masked slots.</param>
/// <param name="NspCorrect">Samples whose IsNext argmax is the label.</param>
/// <param name="NspCount">Samples.</param>
public readonly record struct PredictionCounts(int MlmCorrect, int MlmCount, int NspCorrect, int NspCount);
