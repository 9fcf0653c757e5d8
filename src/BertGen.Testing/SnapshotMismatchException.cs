namespace BertGen.Testing;

/// <summary>
/// A snapshot failed: the received values differ from the approved ones beyond the tolerance, or there is no approved
/// file. The message says which cells, by label, and where the received file was written. Any test framework reports it
/// as a failure.
/// </summary>
public sealed class SnapshotMismatchException : Exception
{
    /// <summary>A failure whose <paramref name="message"/> says what differs.</summary>
    public SnapshotMismatchException(string message)
        : base(message)
    {
    }
}
