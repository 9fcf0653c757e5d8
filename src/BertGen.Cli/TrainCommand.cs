using System.CommandLine;
using System.Globalization;
using BertGen.Cli.Rendering;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Runs;
using BertGen.Training;
using Spectre.Console;

namespace BertGen.Cli;

/// <summary><c>bertgen train</c>: trains, shows the loss as it goes, then prints the predictions (the article's Figure 17).</summary>
internal static class TrainCommand
{
    /// <summary>Predictions shown at the end of training; the totals count every sample.</summary>
    private const int ShownPredictions = 20;

    /// <summary>Adds the training options and action to <paramref name="command"/>.</summary>
    public static void Configure(Command command, ModelChoice models, Func<Terminal> terminal, string program)
    {
        var defaults = new TrainingOptions();
        var epochs = OptionParsers.Int("--epochs", "Epochs to train", defaults.Epochs, 0, TrainingOptions.MaxEpochs);
        var lr = OptionParsers.Positive("--lr", "Adam's learning rate", defaults.Adam.LearningRate);
        var seed = OptionParsers.Seed("--seed", "Seeds the initial weights and the masks", defaults.Seed);
        var corpus = new Option<string?>("--corpus") { Description = "A corpus file: one 'first sentence | second sentence | IsNext or NotNext [| words to mask]' per line. Default: the article's six pairs." };
        var output_ = new Option<string?>("--out") { Description = "The run folder to create. Default: a new folder under runs/." };
        var dynamic = new Option<bool>("--dynamic-masking") { Description = "Draw new masks every epoch (pinned words stay pinned) instead of training on one masking." };
        var saveEvery = OptionParsers.Int("--save-every", "Also write a checkpoint every N epochs; 0: only the first and the last", defaults.SaveEvery, 0, int.MaxValue);
        var captureEpochs = new Option<int[]>("--capture-epochs") { Description = "Capture every tensor at these epochs, e.g. 0,1,10,100,1000,5000. Default: 0, 1, 3, 10, 30, ... and the last.", CustomParser = ParseEpochs };
        var captureEvery = OptionParsers.Int("--capture-every", "Capture every N epochs (with epoch 0 and the last); 0: none besides --capture-epochs", 0, 0, int.MaxValue);
        var captureSamples = OptionParsers.OptionalInt("--capture-samples", "Samples a capture holds, the first N. Default: as many as 64 MB of activations holds", 1, int.MaxValue, "6");
        var threads = OptionParsers.Int("--threads", "Threads sharing each batch; 0 for every core. Results are reproducible for a given count", 1, 0, TrainingOptions.MaxThreads);
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its newest checkpoint, up to --epochs in all." };
        foreach (var option in new Option[] { epochs, lr, seed, corpus, output_, dynamic, saveEvery, captureEpochs, captureEvery, captureSamples, threads, resume })
        {
            command.Options.Add(option);
        }

        command.SetAction(parsed =>
        {
            // Ctrl+C from the first moment: a signal while the run starts stops it after its first epoch, saved.
            var output = terminal();
            using var stop = new InterruptSignal(output.Output);
            TrainingRun run;
            if (parsed.GetValue(resume) is { } path)
            {
                var fixedByRun = new Option[] { lr, seed, corpus, output_, dynamic }.FirstOrDefault(o => Given(parsed, o));
                if (fixedByRun is not null)
                {
                    throw new InputException($"{fixedByRun.Name} cannot be changed when resuming; the run keeps the settings in its config.json.");
                }

                var definition = models.ForRun(RunArchive.Open(path).Config.Name);
                run = TrainingRun.Resume(definition, path, new ResumeOptions
                {
                    Epochs = Given(parsed, epochs) ? parsed.GetValue(epochs) : null,
                    SaveEvery = parsed.GetValue(saveEvery),
                    CaptureEpochs = Given(parsed, captureEpochs) ? parsed.GetValue(captureEpochs) : null,
                    CaptureEvery = parsed.GetValue(captureEvery),
                    CaptureSamples = parsed.GetValue(captureSamples),
                    Threads = Threads(parsed.GetValue(threads)),
                });
            }
            else
            {
                var options = defaults with
                {
                    Epochs = parsed.GetValue(epochs),
                    Adam = defaults.Adam with { LearningRate = parsed.GetValue(lr) },
                    Seed = parsed.GetValue(seed),
                    DynamicMasking = parsed.GetValue(dynamic),
                    SaveEvery = parsed.GetValue(saveEvery),
                    CaptureEpochs = Given(parsed, captureEpochs) ? parsed.GetValue(captureEpochs) : null,
                    CaptureEvery = parsed.GetValue(captureEvery),
                    CaptureSamples = parsed.GetValue(captureSamples),
                    Threads = Threads(parsed.GetValue(threads)),
                };
                var model = models.ForTraining();
                string? corpusPath = parsed.GetValue(corpus);
                var pairs = corpusPath is null ? Corpus.Default : Corpus.Load(corpusPath);
                string folder = parsed.GetValue(output_) ?? RunFolder.DefaultPath();
                run = TrainingRun.Start(model, pairs, options, folder, corpusPath ?? TrainingRun.DefaultCorpusName);
            }

            using (run)
            {
                return Train(run, output, program, stop);
            }
        });
    }

    private static int Threads(int asked) => asked == 0 ? Environment.ProcessorCount : asked;

    /// <summary>Whether the option was written on the command line (not merely defaulted).</summary>
    private static bool Given(ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };

    /// <summary>Reads "0,1,10,100" (or "0 1 10") into epochs.</summary>
    private static int[] ParseEpochs(System.CommandLine.Parsing.ArgumentResult result)
    {
        var epochs = new List<int>();
        foreach (var token in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
            {
                result.AddError($"--capture-epochs: '{token}' is not an epoch; write whole numbers separated by commas, such as 0,1,10,100.");
                return [];
            }

            epochs.Add(epoch);
        }

        return epochs.ToArray();
    }

    private static int Train(TrainingRun run, Terminal terminal, string program, InterruptSignal stop)
    {
        var output = terminal.Output;
        var console = terminal.Console;
        var folder = run.Folder!;
        var c = run.Model.Config;
        var o = run.Options;
        int epochs = o.Epochs;
        output.WriteLine($"Training {c.Name} ({c.Layers} layers, {c.Heads} heads of {c.DK}, dModel {c.DModel}, dFF {c.DFF}, vocabulary {c.VocabSize}) " +
            $"on {run.Data.Samples.Count} sentence pairs " + (run.Trainer.Epoch == 0 ? $"for {epochs} epochs." : $"from epoch {run.Trainer.Epoch} to {epochs}."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Settings: learning rate {o.Adam.LearningRate:R} (Adam, betas {o.Adam.Beta1:R} and {o.Adam.Beta2:R}, epsilon {o.Adam.Epsilon:R}), seed {o.Seed}, " +
            $"{run.Trainer.Batches.Count} batch{(run.Trainer.Batches.Count == 1 ? "" : "es")} of up to {c.BatchSize}, {run.Trainer.Threads} thread{(run.Trainer.Threads == 1 ? "" : "s")}, " +
            $"{(o.DynamicMasking ? "new masks every epoch" : "one masking")}, " +
            $"{(o.SaveEvery > 0 ? $"a checkpoint every {o.SaveEvery} epochs" : "checkpoints at the start and the end")}."));
        output.WriteLine($"Run folder: {Display(folder.Path)}");
        output.WriteLine(run.CaptureEpochs.Count == 0
            ? "Capturing no epochs."
            : $"Capturing epochs {string.Join(", ", run.CaptureEpochs)}" + (run.CaptureSamples < run.Data.Samples.Count ? $", samples 0 to {run.CaptureSamples - 1}." : "."));

        var result = console.Profile.Capabilities.Interactive
            ? TrainWithProgressBar(run, epochs, console, stop.Token)
            : TrainWithLogLines(run, epochs, output, stop.Token);
        foreach (var problem in result.Problems.Take(result.Outcome == TrainingOutcome.WriteFailed ? result.Problems.Count - 1 : result.Problems.Count))
        {
            terminal.Error.WriteLine($"{program}: warning: {problem}.");
        }

        switch (result.Outcome)
        {
            case TrainingOutcome.Interrupted:
                output.WriteLine($"Interrupted after epoch {result.LastEpoch}; saved {Display(result.Checkpoint!)}.");
                output.WriteLine($"Resume with: {program} train --resume {Display(folder.Path)} --epochs {epochs}");
                return InterruptSignal.ExitCode;
            case TrainingOutcome.Diverged:
                throw new TrainingDivergedException(
                    $"the loss is not finite at epoch {result.LastEpoch} ({result.Final.Loss.ToString(CultureInfo.InvariantCulture)}); training stopped. " +
                    (result.Checkpoint is { } good
                        ? $"The last good checkpoint is {Display(good)} (those of the weights that diverged are set aside as *.diverged.safetensors); try a smaller --lr."
                        : "No checkpoint of good weights was saved; try a smaller --lr."));
            case TrainingOutcome.WriteFailed:
                throw new IOException(
                    $"{result.Problems[^1]}; training stopped. The newest checkpoint is {(result.Checkpoint is { } saved ? Display(saved) : "none")}; " +
                    $"free some space, then resume with: {program} train --resume {Display(folder.Path)} --epochs {epochs}");
        }

        output.WriteLine();
        var shown = result.Predictions.Take(ShownPredictions).ToList();
        terminal.Write(terminal.Renderer().Table(Figures.Summary(shown, run.Data.Vocabulary)));
        if (run.Data.Samples.Count > shown.Count)
        {
            output.WriteLine($"(the first {shown.Count} of {run.Data.Samples.Count} samples; 'explore --figure 17' shows the captured ones)");
        }

        if (!terminal.Color && shown.Any(p => MaskedInput.HasPlainMarks(p.Input)))
        {
            output.WriteLine(MaskedInput.Legend);
        }

        var n = result.FinalCounts;
        output.WriteLine();
        output.WriteLine($"Masked words right: {n.MlmCorrect}/{n.MlmCount}. IsNext right: {n.NspCorrect}/{n.NspCount}. Loss {result.Final.Loss.ToString("F4", CultureInfo.InvariantCulture)}.");
        output.WriteLine(result.Steps == 0
            ? "Trained 0 epochs: the weights are those the run started from."
            : string.Create(
                CultureInfo.InvariantCulture,
                $"Trained {result.Epochs} epochs ({result.Steps} steps) in {result.Elapsed.TotalSeconds:F3} s: {result.MicrosecondsPerStep:F1} µs per step."));
        output.WriteLine($"Checkpoint: {Display(result.Checkpoint!)}");
        return result.Problems.Count > 0 ? BertGenApp.ResourceError : 0;
    }

    /// <summary>A path relative to the current directory when it lies inside it, else as it is.</summary>
    internal static string Display(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static TrainingResult TrainWithProgressBar(TrainingRun run, int epochs, IAnsiConsole console, CancellationToken stop)
    {
        TrainingResult? result = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("loss", maxValue: Math.Max(1, epochs));
                task.Value = run.Trainer.Epoch;
                int every = Math.Max(1, epochs / 200);
                result = run.Train(m =>
                {
                    if (m.Epoch % every == 0 || m.Epoch == epochs)
                    {
                        task.Value = m.Epoch;
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {m.Epoch,5}  loss {m.Loss:F4}");
                    }
                }, stop);
                task.Value = run.Trainer.Epoch;
            });
        return result!;
    }

    private static TrainingResult TrainWithLogLines(TrainingRun run, int epochs, TextWriter output, CancellationToken stop)
    {
        int every = Math.Max(1, epochs / 10);
        return run.Train(m =>
        {
            if (m.Epoch % every == 0 || m.Epoch == epochs)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {m.Epoch,5}/{epochs}  loss {m.Loss:F4}  mlm {m.MlmLoss:F4}  nsp {m.NspLoss:F4}"));
            }
        }, stop);
    }
}
