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
        var console = CreateConsole(output);
        var root = new RootCommand($"Train and look inside the {TinyBert.Layers}-layer BERT \"{nameof(TinyBert)}\" whose kernels are generated from bertgen.json.");
        TrainCommand.Configure(root, console, output);
        var train = new Command("train", "Train the model (the default command).");
        TrainCommand.Configure(train, console, output);
        root.Subcommands.Add(train);

        var parsed = root.Parse(args);
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
    }

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }
}
