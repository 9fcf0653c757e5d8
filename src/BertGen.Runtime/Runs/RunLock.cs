using System.Globalization;
using BertGen.IO;

namespace BertGen.Runs;

/// <summary>
/// One trainer at a time per run folder: an exclusive lock on the folder's <c>.lock</c> file, held while training, with
/// the holder's process id and start time in <c>.lock.owner</c>. The operating system releases the lock when the
/// process ends, however it ends, so a lock a dead process left never blocks.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _owner;

    private RunLock(FileStream handle, string owner)
    {
        _lock = handle;
        _owner = owner;
    }

    /// <summary>Takes the lock of the run folder at <paramref name="directory"/>.</summary>
    /// <exception cref="RunInUseException">Another process holds it; the message names it.</exception>
    public static RunLock Acquire(string directory)
    {
        string path = Path.Combine(directory, ".lock");
        string owner = Path.Combine(directory, ".lock.owner");
        FileStream handle;
        try
        {
            handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            string who = File.Exists(owner) ? File.ReadAllText(owner).Trim().ReplaceLineEndings(", ") : "another process";
            throw new RunInUseException($"'{directory}' is being trained by another process ({who}); wait for it to end, or stop it, then try again.");
        }

        try
        {
            AtomicFile.WriteText(owner, string.Create(
                CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}\nstarted {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\nhost {Environment.MachineName}\n"));
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new RunLock(handle, owner);
    }

    /// <summary>Releases the lock; the owner file goes (the lock file stays: deleting it would let two processes lock two files).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(_owner);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An owner file left behind names a process that no longer holds the lock; the next holder writes its own.
        }

        _lock.Dispose();
    }
}

/// <summary>A run folder is being trained by another process.</summary>
public sealed class RunInUseException(string message) : InputException(message);
