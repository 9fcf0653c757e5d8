namespace BertGen.Training;

/// <summary>One row of metrics.csv: the losses and accuracies of an epoch's forward passes.</summary>
/// <param name="Epoch">The epoch (1 is the first training step's forward pass).</param>
/// <param name="Loss">MLM loss plus NSP loss.</param>
/// <param name="MlmLoss">Mean cross-entropy over the real masked slots.</param>
/// <param name="NspLoss">Mean cross-entropy of the IsNext classifier.</param>
/// <param name="MlmAccuracy">The share of masked words predicted right.</param>
/// <param name="NspAccuracy">The share of IsNext flags predicted right.</param>
public readonly record struct EpochMetrics(int Epoch, double Loss, double MlmLoss, double NspLoss, double MlmAccuracy, double NspAccuracy)
{
    /// <summary>The header of metrics.csv.</summary>
    public const string CsvHeader = "epoch,loss,mlm_loss,nsp_loss,mlm_accuracy,nsp_accuracy";

    /// <summary>This row as metrics.csv writes it (round-trip precision, invariant culture).</summary>
    public string ToCsv() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{Epoch},{Loss:R},{MlmLoss:R},{NspLoss:R},{MlmAccuracy:R},{NspAccuracy:R}");

    /// <summary>Reads a row that <see cref="ToCsv"/> wrote.</summary>
    /// <exception cref="FormatException">The line is not a row of six numbers.</exception>
    public static EpochMetrics FromCsv(string line)
    {
        var f = line.Split(',');
        if (f.Length != 6)
        {
            throw new FormatException($"a row has 6 fields, not {f.Length}");
        }

        double D(int i) => double.Parse(f[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        return new EpochMetrics(int.Parse(f[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture), D(1), D(2), D(3), D(4), D(5));
    }

    /// <summary>Whether every masked word and every IsNext flag was predicted right.</summary>
    public bool AllCorrect => MlmAccuracy == 1.0 && NspAccuracy == 1.0;
}

/// <summary>Right predictions and their totals over an epoch's forward passes.</summary>
/// <param name="MlmCorrect">Masked slots whose argmax is the masked word.</param>
/// <param name="MlmCount">Real (not padded) masked slots.</param>
/// <param name="NspCorrect">Samples whose IsNext argmax is the label.</param>
/// <param name="NspCount">Samples.</param>
public readonly record struct PredictionCounts(int MlmCorrect, int MlmCount, int NspCorrect, int NspCount);
