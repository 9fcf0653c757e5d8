using BertGen.Training;

namespace BertGen.Runs;

/// <summary>How to train, with the seed run's defaults.</summary>
public sealed record TrainingOptions
{
    /// <summary>The most epochs a run may train (a metrics row each).</summary>
    public const int MaxEpochs = 10_000_000;

    /// <summary>The most threads a batch may be shared by.</summary>
    public const int MaxThreads = 256;

    /// <summary>The most epochs a run may capture (a file each).</summary>
    public const int MaxCaptures = 10_000;

    /// <summary>Epochs to train; one epoch is one pass (forward, backward, Adam) over every batch.</summary>
    public int Epochs { get; init; } = 5000;

    /// <summary>Adam's hyper-parameters (PyTorch's defaults).</summary>
    public AdamSettings Adam { get; init; } = new();

    /// <summary>Seeds the initial weights and the masks.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Draw new masks every epoch instead of training on one fixed masking.</summary>
    public bool DynamicMasking { get; init; }

    /// <summary>Also write a checkpoint every this many epochs (0: only the initial and the last).</summary>
    public int SaveEvery { get; init; }

    /// <summary>Threads that share each batch (1: deterministic on any machine; more: deterministic for that count).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Epochs whose tensors to capture; null for the default (see <see cref="CaptureSchedule"/>).</summary>
    public IReadOnlyList<int>? CaptureEpochs { get; init; }

    /// <summary>Also capture every this many epochs (0: none besides <see cref="CaptureEpochs"/>).</summary>
    public int CaptureEvery { get; init; }

    /// <summary>
    /// The samples a capture holds, the first this many; null for as many as 64 MB of activations holds (at least one
    /// batch, at most all), so that a large corpus's captures stay small.
    /// </summary>
    public int? CaptureSamples { get; init; }

    /// <summary>Checks every setting's range.</summary>
    /// <exception cref="SettingException">A setting is out of its range; the message names it.</exception>
    public void Validate()
    {
        if (Epochs is < 0 or > MaxEpochs)
        {
            throw new SettingException(SettingNames.Epochs, name => $"{name} is {Epochs}; give 0 to {MaxEpochs}.");
        }

        if (!(Adam.LearningRate > 0) || double.IsInfinity(Adam.LearningRate))
        {
            throw new SettingException(SettingNames.LearningRate, name => $"{name} is {Adam.LearningRate}; give a positive number such as 0.001.");
        }

        if (Threads is < 1 or > MaxThreads)
        {
            throw new SettingException(SettingNames.Threads, name => $"{name} is {Threads}; give 1 to {MaxThreads}.");
        }

        if (CaptureSamples is < 1)
        {
            throw new SettingException(SettingNames.CaptureSamples, name => $"{name} is {CaptureSamples}; give 1 or more.");
        }

        if (SaveEvery < 0)
        {
            throw new SettingException(SettingNames.SaveEvery, name => $"{name} is {SaveEvery}; give 0 (only the first and last) or more.");
        }

        _ = CaptureSchedule.Resolve(this);
    }
}

/// <summary>What a resumed run may change: how far it trains, how often it saves, what it captures, its threads.</summary>
public sealed record ResumeOptions
{
    /// <summary>The total number of epochs to reach, or null for the run's own.</summary>
    public int? Epochs { get; init; }

    /// <summary>Also write a checkpoint every this many epochs (0: only on stopping and at the end).</summary>
    public int SaveEvery { get; init; }

    /// <summary>Epochs whose tensors to capture; null for the default schedule.</summary>
    public IReadOnlyList<int>? CaptureEpochs { get; init; }

    /// <summary>Also capture every this many epochs.</summary>
    public int CaptureEvery { get; init; }

    /// <summary>Threads that share each batch.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The samples a capture holds; null for the default (see <see cref="TrainingOptions.CaptureSamples"/>).</summary>
    public int? CaptureSamples { get; init; }
}
