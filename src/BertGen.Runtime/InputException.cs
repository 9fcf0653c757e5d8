namespace BertGen;

/// <summary>
/// Something a person gave (a corpus line, a checkpoint, a run folder, an argument) is wrong. The message says what
/// and where; the console program prints it as one line and exits with code 2.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string message)
        : base(message)
    {
    }

    public InputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
