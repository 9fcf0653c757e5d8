namespace BertGen.Training;

/// <summary>One row of metrics.csv: the losses and accuracies of an epoch's forward passes.</summary>
public readonly record struct EpochMetrics(int Epoch, double Loss, double MlmLoss, double NspLoss, double MlmAccuracy, double NspAccuracy)
{
    /// <summary>The header of metrics.csv.</summary>
    public const string CsvHeader = "epoch,loss,mlm_loss,nsp_loss,mlm_accuracy,nsp_accuracy";

    /// <summary>This row as metrics.csv writes it (round-trip precision, invariant culture).</summary>
    public string ToCsv() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{Epoch},{Loss:R},{MlmLoss:R},{NspLoss:R},{MlmAccuracy:R},{NspAccuracy:R}");

    /// <summary>Whether every masked word and every IsNext flag was predicted right.</summary>
    public bool AllCorrect => MlmAccuracy == 1.0 && NspAccuracy == 1.0;
}
