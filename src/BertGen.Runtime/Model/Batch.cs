using BertGen.Data;

namespace BertGen;

/// <summary>
/// The inputs of up to <see cref="Capacity"/> samples, flat and fixed-size as the kernels read them:
/// <c>InputIds[s * MaxLen + t]</c>, <c>MaskedPositions[s * MaxPred + p]</c>. A masked slot whose token is
/// [PAD] (0) is padding: the loss ignores it.
/// </summary>
public sealed class Batch
{
    /// <summary>Creates an empty batch for <paramref name="capacity"/> samples.</summary>
    public Batch(int capacity, int maxLen, int maxPred)
    {
        Capacity = capacity;
        MaxLen = maxLen;
        MaxPred = maxPred;
        InputIds = new int[capacity * maxLen];
        SegmentIds = new int[capacity * maxLen];
        MaskedPositions = new int[capacity * maxPred];
        MaskedTokens = new int[capacity * maxPred];
        IsNext = new int[capacity];
    }

    /// <summary>The most samples the batch holds.</summary>
    public int Capacity { get; }

    /// <summary>Tokens per sample.</summary>
    public int MaxLen { get; }

    /// <summary>Masked slots per sample.</summary>
    public int MaxPred { get; }

    /// <summary>Samples in the batch; the kernels read only these.</summary>
    public int Count { get; private set; }

    /// <summary>Masked slots of the batch that hold a real word (the MLM loss's denominator).</summary>
    public int MaskedCount { get; private set; }

    /// <summary>Token ids, MaxLen per sample.</summary>
    public int[] InputIds { get; }

    /// <summary>Segment ids (0 for the first sentence, 1 for the second), MaxLen per sample.</summary>
    public int[] SegmentIds { get; }

    /// <summary>Positions of the masked slots, MaxPred per sample.</summary>
    public int[] MaskedPositions { get; }

    /// <summary>The words behind the masks; 0 ([PAD]) marks a padded slot.</summary>
    public int[] MaskedTokens { get; }

    /// <summary>1 when the second sentence continues the first (IsNext), 0 otherwise.</summary>
    public int[] IsNext { get; }

    /// <summary>Refills the batch from <paramref name="samples"/> without allocating.</summary>
    public void Load(ReadOnlySpan<EncodedSample> samples)
    {
        if (samples.Length > Capacity)
        {
            throw new ArgumentException($"{samples.Length} samples do not fit a batch of {Capacity}.", nameof(samples));
        }

        Count = samples.Length;
        MaskedCount = 0;
        for (int s = 0; s < samples.Length; s++)
        {
            var sample = samples[s];
            if (sample.InputIds.Length != MaxLen || sample.MaskedPositions.Length != MaxPred)
            {
                throw new ArgumentException(
                    $"sample {s} has {sample.InputIds.Length} tokens and {sample.MaskedPositions.Length} masked slots; the model takes {MaxLen} and {MaxPred}.",
                    nameof(samples));
            }

            sample.InputIds.CopyTo(InputIds.AsSpan(s * MaxLen, MaxLen));
            sample.SegmentIds.CopyTo(SegmentIds.AsSpan(s * MaxLen, MaxLen));
            sample.MaskedPositions.CopyTo(MaskedPositions.AsSpan(s * MaxPred, MaxPred));
            sample.MaskedTokens.CopyTo(MaskedTokens.AsSpan(s * MaxPred, MaxPred));
            IsNext[s] = sample.IsNext ? 1 : 0;
            foreach (int token in sample.MaskedTokens)
            {
                if (token != Vocabulary.Pad)
                {
                    MaskedCount++;
                }
            }
        }
    }
}
