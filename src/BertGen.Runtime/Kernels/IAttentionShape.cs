namespace BertGen.Kernels;

/// <summary>
/// The fixed shape of a model's attention, as compile-time constants: a kernel generic over a struct that implements this
/// is compiled once per shape, so its loop bounds and offsets are constants to the JIT.
/// </summary>
public interface IAttentionShape
{
    /// <summary>Rows of the sequence: queries and keys.</summary>
    static abstract int MaxLen { get; }

    /// <summary>Attention heads.</summary>
    static abstract int Heads { get; }

    /// <summary>Width of one head (dK = dV).</summary>
    static abstract int HeadWidth { get; }
}
