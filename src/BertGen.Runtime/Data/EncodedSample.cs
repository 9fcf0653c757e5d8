namespace BertGen.Data;

/// <summary>
/// A sentence pair as the model reads it (docs/ARCHITECTURE.md, "Data"): [CLS] first [SEP] second [SEP] [PAD]..., its
/// segment ids, the masked positions and the words behind them (padded with 0 up to maxPred), and the IsNext label.
/// </summary>
public sealed record EncodedSample(
    string Text,
    int[] InputIds,
    int[] SegmentIds,
    int[] MaskedPositions,
    int[] MaskedTokens,
    bool IsNext);
