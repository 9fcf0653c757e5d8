using BertGen.Data;
using BertGen.Training;

namespace BertGen.Captures;

/// <summary>
/// What a training run recorded, to look at: its configuration, vocabulary, samples, metrics and captured epochs. A run
/// folder read back from disk is one; so is a run trained in memory.
/// </summary>
public interface IRunRecord
{
    /// <summary>Where the run is: its folder's full path, or "in memory".</summary>
    string Name { get; }

    /// <summary>The model's configuration, with the vocabulary size.</summary>
    ModelConfig Config { get; }

    /// <summary>The vocabulary; token i has id i.</summary>
    Vocabulary Vocabulary { get; }

    /// <summary>The samples as first masked.</summary>
    IReadOnlyList<EncodedSample> Samples { get; }

    /// <summary>One row per epoch trained, in order.</summary>
    IReadOnlyList<EpochMetrics> Metrics { get; }

    /// <summary>Epochs with a capture, in order.</summary>
    IReadOnlyList<int> CapturedEpochs { get; }

    /// <summary>The capture of <paramref name="epoch"/>.</summary>
    /// <exception cref="InputException">That epoch was not captured; the message lists those that were.</exception>
    CaptureFile Capture(int epoch);
}
