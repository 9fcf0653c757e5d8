namespace BertGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to know about one model, read from one bertgen.json.
/// Sizes are the configuration keys the README lists; <see cref="VocabSize"/> is 0 when the corpus decides it at
/// run time.
/// </summary>
internal sealed record ModelSpec(
    string Namespace,
    string Name,
    string ConfigFileName,
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
}
