using System.Runtime.CompilerServices;

namespace BertGen.Kernels;

/// <summary>
/// Scratch buffers for packed matrix panels, tiles and row offsets, one set per thread and element type, grown on first use and then
/// reused: a training step allocates nothing once every buffer has reached its size. Each buffer starts on a 64-byte
/// boundary (it is pinned, so it stays there), so that a 512-bit row of a tile never straddles two cache lines.
/// </summary>
public static class Workspace<T>
    where T : unmanaged
{
    /// <summary>Buffers a kernel may hold at once.</summary>
    public const int Slots = 3;

    private const int Alignment = 64;

    [ThreadStatic]
    private static Buffer[]? _buffers;

    /// <summary>Buffer <paramref name="slot"/> of this thread, at least <paramref name="length"/> long (contents undefined).</summary>
    /// <remarks>
    /// Inlined into the kernels, with the growing out of line: called once per matrix product, a call of its own measured
    /// 0.3% of the seed step.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> Get(int slot, int length)
    {
        var buffers = _buffers;
        if (buffers is not null)
        {
            ref var buffer = ref buffers[slot];
            if (buffer.Values is not null && buffer.Values.Length - buffer.Start >= length)
            {
                return buffer.Values.AsSpan(buffer.Start, length);
            }
        }

        return Grow(slot, length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Span<T> Grow(int slot, int length)
    {
        var buffers = _buffers ??= new Buffer[Slots];
        ref var buffer = ref buffers[slot];
        buffer = Buffer.Allocate(length);
        return buffer.Values.AsSpan(buffer.Start, length);
    }

    private struct Buffer
    {
        public T[] Values;
        public int Start;

        public static unsafe Buffer Allocate(int length)
        {
            int spare = Alignment / Unsafe.SizeOf<T>();
            var values = GC.AllocateArray<T>(length + spare, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref values[0]);
            int start = (int)((Alignment - (address % Alignment)) % Alignment) / Unsafe.SizeOf<T>();
            return new Buffer { Values = values, Start = start };
        }
    }
}
