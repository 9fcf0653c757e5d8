using System.CommandLine;
using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;

namespace BertGen.Cli;

/// <summary><c>bertgen export [RUN] --out DIR</c>: a Hugging Face model folder (model.safetensors, config.json, vocab.txt).</summary>
internal static class ExportCommand
{
    public static Command Create(ModelChoice models, TextWriter output)
    {
        var run = new Argument<string?>("run") { Description = "The run folder. Default: the newest run under runs/.", Arity = ArgumentArity.ZeroOrOne };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint file. Default: the run's newest." };
        var outDir = new Option<string>("--out") { Description = "The folder to write (new or empty).", Required = true };
        var command = new Command("export", "Write a run's weights as a Hugging Face BertForPreTraining folder.") { run, checkpoint, outDir };
        command.SetAction(parsed =>
        {
            string target = parsed.GetValue(outDir)!;
            var archive = RunArchive.Open(parsed.GetValue(run));
            HuggingFaceExport.Export(archive, models.ForRun(archive.Config.Name), parsed.GetValue(checkpoint), target);
            output.WriteLine($"Wrote {TrainCommand.Display(Path.GetFullPath(target))}: model.safetensors, config.json, vocab.txt.");
            return 0;
        });
        return command;
    }
}
