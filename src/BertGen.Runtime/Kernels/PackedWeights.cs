using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BertGen.Kernels;

/// <summary>
/// Weight matrices packed once, for passes that do not change them (predicting): inside <see cref="Use"/>, each
/// <see cref="Linear.Forward{T, TShape}"/> on the calling thread whose weight lies in <see cref="Parameters"/> takes its
/// packed form from here, packing it the first time, instead of packing it again at every product as training must
/// (its weights change every step). The packed values are those the product would have packed, so the results are the
/// same bits. The parameters must not change while this is in use; a weight is found by its offset in the array, so
/// the garbage collector moving the array does not matter.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class PackedWeights<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static PackedWeights<T>? t_current;

    private readonly Dictionary<(nint Offset, int Inputs, int Outputs), T[]> _packed = [];

    /// <summary>Packed forms of the weights in <paramref name="parameters"/> (kept, not copied).</summary>
    public PackedWeights(T[] parameters) => Parameters = parameters;

    /// <summary>The parameters whose weights are packed.</summary>
    public T[] Parameters { get; }

    /// <summary>How many weight matrices are packed so far.</summary>
    public int Count => _packed.Count;

    /// <summary>Makes the products on this thread use these packed weights until the result is disposed.</summary>
    public Scope Use() => new(this);

    /// <summary>The packed form of <paramref name="w"/> if a scope of this thread holds it (packing it now if need be), else empty.</summary>
    internal static ReadOnlySpan<T> Find(ReadOnlySpan<T> w, int inputs, int outputs)
    {
        var current = t_current;
        if (current is null || w.IsEmpty)
        {
            return default;
        }

        ref T start = ref MemoryMarshal.GetArrayDataReference(current.Parameters);
        nint offset = Unsafe.ByteOffset(ref start, ref MemoryMarshal.GetReference(w)) / Unsafe.SizeOf<T>();
        if (offset < 0 || offset + w.Length > current.Parameters.Length)
        {
            return default;
        }

        if (!current._packed.TryGetValue((offset, inputs, outputs), out var packed))
        {
            packed = new T[inputs * Gemm.PaddedWidth(outputs)];
            Gemm.PackColumns(w, inputs, inputs, outputs, packed);
            current._packed.Add((offset, inputs, outputs), packed);
        }

        return packed;
    }

    /// <summary>The time a <see cref="PackedWeights{T}"/> is in use on a thread; disposing it restores the one before.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly PackedWeights<T>? _previous;

        internal Scope(PackedWeights<T> weights)
        {
            _previous = t_current;
            t_current = weights;
        }

        /// <summary>Ends the scope.</summary>
        public void Dispose() => t_current = _previous;
    }
}
