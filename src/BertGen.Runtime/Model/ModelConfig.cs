namespace BertGen;

/// <summary>The shape of a model (its bertgen.json) and the vocabulary it was created for.</summary>
public sealed record ModelConfig(
    string Name,
    int MaxLen,
    int BatchSize,
    int MaxPred,
    int Layers,
    int Heads,
    int DModel,
    int DFF,
    int DK,
    int Segments,
    bool FfnAddNorm,
    bool EmbeddingLayerNorm,
    double LayerNormEps,
    int VocabSize)
{
    /// <summary>Width of q, k, v and the context: heads * dK.</summary>
    public int DAttn => Heads * DK;

    /// <summary>Whether two configurations describe the same model, whatever its type is called.</summary>
    public bool SameShape(ModelConfig other) => this with { Name = other.Name } == other;
}
