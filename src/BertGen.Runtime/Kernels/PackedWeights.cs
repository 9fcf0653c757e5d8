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
/// the garbage collector moving the array does not matter. With <see cref="Threads"/> above 1, a product over the
/// rows of one sample is split by rows over that many threads: each row is the same sum as on one thread, so the bits
/// are the same too. One thread at a time may use an instance: threads that predict at once each need their own.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class PackedWeights<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static PackedWeights<T>? t_current;

    // In the order first asked for. A pass asks for its weights in the same order every time, so each search starts
    // after the last one found and ends at once (a dictionary's hashing of the key was 2.4% of a seed inference pass).
    private readonly List<Entry> _packed = [];
    private int _next;
    private readonly Action<int> _multiplyPart;
    private PartRunner? _runner;
    private int _threads = 1;
    private Product _product;

    /// <summary>Packed forms of the weights in <paramref name="parameters"/> (kept, not copied).</summary>
    public PackedWeights(T[] parameters)
    {
        Parameters = parameters;
        _multiplyPart = MultiplyPart;
    }

    /// <summary>The parameters whose weights are packed.</summary>
    public T[] Parameters { get; }

    /// <summary>
    /// Threads a product over one sample's rows is split over (1 by default): 2 for a sample of hundreds of rows on two
    /// cores. A product of fewer than <see cref="WorkPerThread"/> multiply-adds a thread stays on one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 or more than 64.</exception>
    public int Threads
    {
        get => _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 64);
            _threads = value;
            _runner = value == 1 ? null : new PartRunner(value);
        }
    }

    /// <summary>
    /// The fewest multiply-adds a thread takes of a split product (2^18, some 5 µs here): below, waking a thread costs
    /// about what it saves. Settable for tests, which split small products to check the bits.
    /// </summary>
    internal long WorkPerThread { get; set; } = 1 << 18;

    /// <summary>The scope in use on this thread, or null.</summary>
    internal static PackedWeights<T>? Current => t_current;

    /// <summary>How many weight matrices are packed so far.</summary>
    public int Count => _packed.Count;

    /// <summary>Makes the products on this thread use these packed weights until the result is disposed.</summary>
    public Scope Use() => new(this);

    /// <summary>The packed form of <paramref name="w"/> (packing it now if need be), or empty when it does not lie in <see cref="Parameters"/>.</summary>
    internal ReadOnlySpan<T> Find(ReadOnlySpan<T> w, int inputs, int outputs)
    {
        if (w.IsEmpty)
        {
            return default;
        }

        ref T start = ref MemoryMarshal.GetArrayDataReference(Parameters);
        nint offset = Unsafe.ByteOffset(ref start, ref MemoryMarshal.GetReference(w)) / Unsafe.SizeOf<T>();
        if (offset < 0 || offset + w.Length > Parameters.Length)
        {
            return default;
        }

        var entries = CollectionsMarshal.AsSpan(_packed);
        for (int i = 0, at = _next; i < entries.Length; i++, at = at + 1 == entries.Length ? 0 : at + 1)
        {
            ref readonly var entry = ref entries[at];
            if (entry.Offset == offset && entry.Inputs == inputs && entry.Outputs == outputs)
            {
                _next = at + 1 == entries.Length ? 0 : at + 1;
                return entry.Packed;
            }
        }

        var packed = new T[inputs * Gemm.PaddedWidth(outputs)];
        Gemm.PackColumns(w, inputs, inputs, outputs, packed);
        _packed.Add(new Entry(offset, inputs, outputs, packed));
        _next = 0;
        return packed;
    }

    /// <summary>Whether a product of one sample's <paramref name="rows"/> rows, k inputs and n outputs is split over threads.</summary>
    internal bool Splits(int samples, int rows, int k, int n) =>
        _runner is not null && samples == 1 && rows >= 2 && (long)rows * k * n >= 2 * WorkPerThread;

    /// <summary>
    /// C = A B + bias over <paramref name="rows"/> rows (A [rows, k] and C [rows, n], rows contiguous; B packed), the rows
    /// split over <see cref="Threads"/> threads, each part one <see cref="Gemm.Multiply{T}(ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, Span{T}, int, int, T, bool, ReadOnlySpan{T})"/>.
    /// </summary>
    internal unsafe void MultiplyInParts(ReadOnlySpan<T> a, ReadOnlySpan<T> packedB, int k, int n, Span<T> c, int rows, ReadOnlySpan<T> bias)
    {
        int parts = (int)Math.Clamp((long)rows * k * n / WorkPerThread, 2, Math.Min(_threads, rows));
        fixed (T* pa = a, pb = packedB, pc = c, pbias = bias)
        {
            // The spans are pinned for the run, which returns only when every part has ended.
            _product = new Product((nint)pa, (nint)pb, packedB.Length, (nint)pc, (nint)pbias, bias.Length, k, n, rows, parts);
            _runner!.Run(parts, _multiplyPart);
            _product = default;
        }
    }

    private unsafe void MultiplyPart(int part)
    {
        var p = _product;
        int first = (int)((long)part * p.Rows / p.Parts), end = (int)((long)(part + 1) * p.Rows / p.Parts);
        var a = new ReadOnlySpan<T>((T*)p.A + ((nint)first * p.K), (end - first) * p.K);
        var c = new Span<T>((T*)p.C + ((nint)first * p.N), (end - first) * p.N);
        var bias = p.BiasLength == 0 ? default : new ReadOnlySpan<T>((T*)p.Bias, p.BiasLength);
        Gemm.Multiply(a, p.K, 1, new ReadOnlySpan<T>((T*)p.B, p.BLength), p.K, p.N, c, p.N, end - first, T.One, false, bias);
    }

    /// <summary>A weight matrix's place in the parameters, its widths, and its packed form.</summary>
    private readonly record struct Entry(nint Offset, int Inputs, int Outputs, T[] Packed);

    /// <summary>The product a split run computes: where its pinned operands are, and its sizes.</summary>
    private readonly record struct Product(nint A, nint B, int BLength, nint C, nint Bias, int BiasLength, int K, int N, int Rows, int Parts);

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
