namespace BertGen;

/// <summary>How a parameter tensor starts (docs/ARCHITECTURE.md, "The model").</summary>
public enum TensorInitKind
{
    /// <summary>Not a parameter.</summary>
    None,

    /// <summary>N(0, 1): the embedding tables.</summary>
    Normal,

    /// <summary>U(-1/sqrt(fanIn), 1/sqrt(fanIn)): linear weights and biases, as PyTorch's nn.Linear.</summary>
    Uniform,

    /// <summary>LayerNorm gamma.</summary>
    Ones,

    /// <summary>LayerNorm beta and the decoder bias.</summary>
    Zeros,
}

/// <summary>A parameter's initialisation: its kind and, for <see cref="TensorInitKind.Uniform"/>, the layer's fan-in.</summary>
public readonly record struct TensorInit(TensorInitKind Kind, int FanIn)
{
    /// <summary>N(0, 1).</summary>
    public static TensorInit Normal => new(TensorInitKind.Normal, 0);

    /// <summary>All ones.</summary>
    public static TensorInit Ones => new(TensorInitKind.Ones, 0);

    /// <summary>All zeros.</summary>
    public static TensorInit Zeros => new(TensorInitKind.Zeros, 0);

    /// <summary>U(-1/sqrt(fanIn), 1/sqrt(fanIn)).</summary>
    public static TensorInit Uniform(int fanIn) => new(TensorInitKind.Uniform, fanIn);
}
