using System.Diagnostics;

namespace BertGen.IO;

/// <summary>Whether a process that left a file behind is still running.</summary>
public static class ProcessIds
{
    /// <summary>Whether a process with this id runs now (this process included).</summary>
    public static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes the temporary files (<c>.NAME.PID.tmp</c>) that writers killed mid-write left in <paramref name="directory"/>
    /// and its subfolders; files of processes still running are left alone.
    /// </summary>
    public static void DeleteStaleTemporaryFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(directory, ".*.tmp", SearchOption.AllDirectories))
        {
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length >= 4 && int.TryParse(parts[^2], out int pid) && !IsRunning(pid))
            {
                try
                {
                    File.Delete(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left for another time: it does no harm but take space.
                }
            }
        }
    }
}
