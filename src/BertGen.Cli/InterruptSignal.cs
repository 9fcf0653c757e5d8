using System.Runtime.InteropServices;

namespace BertGen.Cli;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM during training: the first asks training to stop after the current epoch and save a
/// checkpoint; a second stops the process at once. Files are written whole or not at all, so the last checkpoint
/// survives either way.
/// </summary>
internal sealed class InterruptSignal : IDisposable
{
    /// <summary>The exit code of a run stopped by a signal (128 + SIGINT).</summary>
    public const int ExitCode = 130;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _output;

    public InterruptSignal(TextWriter output)
    {
        _output = output;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        if (_stop.IsCancellationRequested)
        {
            Environment.Exit(ExitCode); // the second signal: stop now
        }

        context.Cancel = true;
        _output.WriteLine("Stopping after this epoch to save a checkpoint (press Ctrl+C again to stop at once).");
        _stop.Cancel();
    }
}
