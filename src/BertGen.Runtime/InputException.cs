namespace BertGen;

/// <summary>
/// Something a person gave (a corpus line, a checkpoint, a run folder, an argument) is wrong. The message says what
/// and where; the console program prints it as one line and exits with code 2.
/// </summary>
public class InputException : Exception
{
    /// <summary>An error whose <paramref name="message"/> says what is wrong and where.</summary>
    public InputException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> says what is wrong and where, caused by <paramref name="inner"/>.</summary>
    public InputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
