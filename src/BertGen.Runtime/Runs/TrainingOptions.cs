using BertGen.Training;

namespace BertGen.Runs;

/// <summary>How to train: the console program's options, with the seed run's defaults.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to train; one epoch is one pass (forward, backward, Adam) over every batch.</summary>
    public int Epochs { get; init; } = 5000;

    public AdamSettings Adam { get; init; } = new();

    /// <summary>Seeds the initial weights and the masks.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>A corpus file (see <see cref="Data.Corpus"/>), or null for the six pairs of the default corpus.</summary>
    public string? CorpusPath { get; init; }

    /// <summary>Draw new masks every epoch instead of training on one fixed masking.</summary>
    public bool DynamicMasking { get; init; }

    /// <summary>Also write a checkpoint every this many epochs (0: only the initial and the last).</summary>
    public int SaveEvery { get; init; }

    /// <summary>The run folder to create, or null for a new folder under runs/.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Threads that share each batch (1: deterministic on any machine; more: deterministic for that count).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Epochs whose tensors to capture; null for the default (see <see cref="CaptureSchedule"/>).</summary>
    public IReadOnlyList<int>? CaptureEpochs { get; init; }

    /// <summary>Also capture every this many epochs (0: none besides <see cref="CaptureEpochs"/>).</summary>
    public int CaptureEvery { get; init; }
}
