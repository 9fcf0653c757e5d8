namespace BertGen.IO;

/// <summary>Writes a file whole or not at all: into a temporary file beside it, flushed, then renamed over it.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with what <paramref name="write"/> puts in the stream.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        Renamed();
    }

    /// <summary>
    /// A point where a file or folder has just been renamed into place: where the kill tests stop the process. When
    /// the environment variable <see cref="KillAfterRenamesVariable"/> holds a number N, the process kills itself
    /// (SIGKILL, no clean-up) right after its Nth rename. It is read once; without it this does nothing.
    /// </summary>
    public static void Renamed()
    {
        if (KillAfter > 0 && Interlocked.Increment(ref _renames) == KillAfter)
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }

    /// <summary>The fault-injection variable of <see cref="Renamed"/>: kill the process after this many renames.</summary>
    public const string KillAfterRenamesVariable = "BERTGEN_FAULT_KILL_AFTER_RENAMES";

    private static readonly int KillAfter = int.TryParse(Environment.GetEnvironmentVariable(KillAfterRenamesVariable), out int n) ? n : 0;

    private static int _renames;

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark).</summary>
    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes);
        });

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
