using System.CommandLine;
using Spectre.Console;

namespace BertGen.Demo.Cli;

/// <summary>
/// The command line of <c>bertgen</c>: with no command it trains the default model. A mistake in the arguments or in
/// the input is one line on standard error and exit code 2.
/// </summary>
public static class BertGenCli
{
    /// <summary>Exit code for a bad argument, corpus, checkpoint or run folder.</summary>
    public const int InputError = 2;

    /// <summary>Parses <paramref name="args"/> and runs the command, writing to the given streams.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        IAnsiConsole? console = null;
        ParseResult? parsed = null;
        var color = new Option<string>("--color") { Description = "Colours in tables and heatmaps: auto, always or never.", DefaultValueFactory = _ => "auto", Recursive = true };
        color.AcceptOnlyFromAmong("auto", "always", "never");
        var root = new RootCommand($"Train and look inside the {TinyBert.Layers}-layer BERT \"{nameof(TinyBert)}\" whose kernels are generated from bertgen.json.");
        root.Options.Add(color);
        TrainCommand.Configure(root, Console, output);
        var train = new Command("train", "Train the model (the default command).");
        TrainCommand.Configure(train, Console, output);
        root.Subcommands.Add(train);
        root.Subcommands.Add(ExploreCommand.Create(Console, output));
        root.Subcommands.Add(PredictCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        root.Subcommands.Add(ReportCommand.Create(output));

        parsed = root.Parse(args);
        IAnsiConsole Console() => console ??= CreateConsole(output, parsed?.GetValue(color) ?? "auto");
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"bertgen: {parsed.Errors[0].Message} (see 'bertgen --help')");
            return InputError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (InputException e)
        {
            error.WriteLine($"bertgen: {e.Message}");
            return InputError;
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine($"bertgen: {e.Message}");
            return TrainingDivergedException.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"bertgen: {e.Message}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("BERTGEN_DEBUG") is null)
        {
            error.WriteLine($"bertgen: unexpected {e.GetType().Name}: {e.Message} (set BERTGEN_DEBUG=1 to see where)");
            return 1;
        }
    }

    private static IAnsiConsole CreateConsole(TextWriter output, string color)
    {
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        bool colors = color == "always" || (color == "auto" && terminal);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = colors ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colors ? (terminal ? ColorSystemSupport.Detect : ColorSystemSupport.TrueColor) : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // A file or pipe has no width to wrap at; tables keep their rows whole.
            console.Profile.Width = 4000;
        }

        return console;
    }
}
