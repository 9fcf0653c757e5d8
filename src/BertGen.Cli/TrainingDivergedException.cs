namespace BertGen.Cli;

/// <summary>Training stopped because the loss stopped being finite: exit code 3.</summary>
internal sealed class TrainingDivergedException(string message) : Exception(message)
{
    public const int ExitCode = 3;
}
