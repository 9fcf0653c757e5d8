using System.CommandLine;
using BertGen.Explore;
using BertGen.Report;
using BertGen.Runs;

namespace BertGen.Cli;

/// <summary><c>bertgen report [RUN] [--out FILE]</c>: the visual explorer as one self-contained HTML file.</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter output)
    {
        var run = new Argument<string?>("run") { Description = "The run folder. Default: the newest run under runs/.", Arity = ArgumentArity.ZeroOrOne };
        var outFile = new Option<string?>("--out") { Description = "The HTML file to write. Default: RUN/explorer.html." };
        var command = new Command("report", "Write the visual explorer: one HTML page that works offline, to click through the model epoch by epoch.") { run, outFile };
        command.SetAction(parsed =>
        {
            var archive = RunArchive.Open(parsed.GetValue(run));
            string path = Path.GetFullPath(parsed.GetValue(outFile) ?? ExplorerPage.DefaultPath(archive.Folder));
            ExplorerPage.Write(archive, path);
            output.WriteLine($"Wrote {TrainCommand.Display(path)} ({new FileInfo(path).Length / 1024.0 / 1024.0:F1} MB); open it in a browser.");
            return 0;
        });
        return command;
    }
}
