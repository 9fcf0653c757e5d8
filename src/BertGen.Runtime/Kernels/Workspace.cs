namespace BertGen.Kernels;

/// <summary>
/// Scratch buffers for packed matrix panels, one set per thread and element type, grown on first use and then reused:
/// a training step allocates nothing once every buffer has reached its size.
/// </summary>
public static class Workspace<T>
    where T : unmanaged
{
    /// <summary>Buffers a kernel may hold at once.</summary>
    public const int Slots = 3;

    [ThreadStatic]
    private static T[][]? _buffers;

    /// <summary>Buffer <paramref name="slot"/> of this thread, at least <paramref name="length"/> long (contents undefined).</summary>
    public static Span<T> Get(int slot, int length)
    {
        var buffers = _buffers ??= new T[Slots][];
        var buffer = buffers[slot];
        if (buffer is null || buffer.Length < length)
        {
            buffer = buffers[slot] = new T[length];
        }

        return buffer.AsSpan(0, length);
    }
}
