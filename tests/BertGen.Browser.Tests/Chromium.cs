using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BertGen.Browser.Tests;

/// <summary>
/// Finds the Chromium the browser tests drive (Playwright cannot download its own browser here): the one
/// <see cref="Variable"/> names, else Debian's at /usr/bin/chromium, which a test run as root installs with apt-get when
/// it is missing. Otherwise every browser test fails with one line that says what to do.
/// </summary>
internal static class Chromium
{
    /// <summary>Environment variable naming a Chromium executable to use instead of Debian's.</summary>
    public const string Variable = "BERTGEN_CHROMIUM";

    private const string Debian = "/usr/bin/chromium";

    private static readonly Lazy<string> Found = new(Find, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The Chromium executable, found (or installed) once per test run.</summary>
    /// <exception cref="ChromiumMissingException">There is none and it cannot be installed.</exception>
    public static string Executable => Found.Value;

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } chosen)
        {
            return File.Exists(chosen)
                ? chosen
                : throw new ChromiumMissingException($"{Variable} is '{chosen}', which is not a file; point it at a Chromium executable.");
        }

        if (File.Exists(Debian))
        {
            return Debian;
        }

        if (OperatingSystem.IsLinux() && geteuid() == 0 && File.Exists("/usr/bin/apt-get"))
        {
            string log = Run("apt-get", "update", "-qq") + Run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium");
            return File.Exists(Debian)
                ? Debian
                : throw new ChromiumMissingException($"'apt-get install chromium' did not install {Debian}: {Last(log)}");
        }

        throw new ChromiumMissingException(
            $"The browser tests need Chromium: install Debian's package ('sudo apt-get install chromium') or set {Variable} to a Chromium executable.");
    }

    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
        }

        return output + error.Result;
    }

    private static string Last(string log) =>
        log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "it printed nothing";

    [DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>No Chromium to drive: the message says what to install or set. It carries no stack trace, which would say nothing more.</summary>
internal sealed class ChromiumMissingException(string message) : Exception(message)
{
    public override string? StackTrace => null;
}
