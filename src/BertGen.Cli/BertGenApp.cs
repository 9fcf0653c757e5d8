using System.CommandLine;
using System.Globalization;
using System.Reflection;
using BertGen.Cli.Rendering;

namespace BertGen.Cli;

/// <summary>
/// The bertgen commands (train, explore, predict, report, export) for the models a program's project generated from its
/// bertgen.json. With no command, the program trains its model. A mistake in the arguments or in the input is one line
/// on standard error and exit code 2.
/// </summary>
/// <example>
/// A whole host program:
/// <code>
/// return BertGen.Cli.BertGenApp.Run(args);
/// </code>
/// </example>
public static class BertGenApp
{
    /// <summary>Exit code for a bad argument, corpus, checkpoint or run folder, or a run folder in use.</summary>
    public const int InputError = 2;

    /// <summary>Exit code for a file that cannot be read or written (a full disk, a folder that refuses) or too little memory.</summary>
    public const int ResourceError = 4;

    /// <summary>
    /// Runs the command <paramref name="args"/> name for the models of the program's own project (those the generator
    /// emitted into the entry assembly), writing to the console.
    /// </summary>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args)
    {
        var entry = Assembly.GetEntryAssembly();
        return Run(args, entry is null ? [] : ModelDefinition.In(entry), Console.Out, Console.Error, entry?.GetName().Name ?? "bertgen");
    }

    /// <summary>Runs the command <paramref name="args"/> name for <paramref name="models"/>, writing to the given streams.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="models">The models the program offers; with several, <c>--model NAME</c> picks one to train.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="program">The program's name, for messages.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, IReadOnlyList<ModelDefinition> models, TextWriter output, TextWriter error, string program = "bertgen")
    {
        Terminal? terminal = null;
        ParseResult? parsed = null;
        var color = new Option<string>("--color") { Description = "Colours in tables and heatmaps: auto, always or never.", DefaultValueFactory = _ => "auto", Recursive = true };
        color.AcceptOnlyFromAmong("auto", "always", "never");
        var model = new Option<string?>("--model")
        {
            Description = $"The model to train, when the program holds several ({string.Join(", ", models.Select(m => m.Name))}); a run's own commands use the run's model.",
            Recursive = true,
        };
        var width = OptionParsers.OptionalInt("--width", "Columns to fit tables and heatmaps to. Default: the terminal's width, else COLUMNS, else 80", Rendering.Terminal.MinWidth, 10_000, "80");
        width.Recursive = true;
        var choice = new ModelChoice(models, () => parsed?.GetValue(model));
        var root = new RootCommand(Describe(models, program));
        root.Options.Add(color);
        root.Options.Add(model);
        root.Options.Add(width);
        TrainCommand.Configure(root, choice, Terminal, program);
        var train = new Command("train", "Train the model (the default command).");
        TrainCommand.Configure(train, choice, Terminal, program);
        root.Subcommands.Add(train);
        root.Subcommands.Add(ExploreCommand.Create(choice, Terminal));
        root.Subcommands.Add(PredictCommand.Create(choice, Terminal));
        root.Subcommands.Add(ExportCommand.Create(choice, output));
        root.Subcommands.Add(ReportCommand.Create(output));

        parsed = root.Parse(args);
        Rendering.Terminal Terminal() => terminal ??= Rendering.Terminal.For(output, error, parsed?.GetValue(color) ?? "auto", parsed?.GetValue(width));
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"{program}: {parsed.Errors[0].Message} (see '{program} --help')");
            return InputError;
        }

        var culture = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            // Numbers read and written the same on every machine, whatever its culture.
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (SettingException e)
        {
            error.WriteLine($"{program}: {e.Describe(Flag)}");
            return InputError;
        }
        catch (InputException e)
        {
            error.WriteLine($"{program}: {e.Message}");
            return InputError;
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine($"{program}: {e.Message}");
            return TrainingDivergedException.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{program}: {e.Message}");
            return ResourceError;
        }
        catch (OutOfMemoryException)
        {
            error.WriteLine($"{program}: there is not enough memory for this model and corpus; nothing of the run was left half-made.");
            return ResourceError;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("BERTGEN_DEBUG") is null)
        {
            error.WriteLine($"{program}: unexpected {e.GetType().Name}: {e.Message} (set BERTGEN_DEBUG=1 to see where)");
            return 1;
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = culture;
        }
    }

    /// <summary>The option that gives each setting of the runtime, for its messages.</summary>
    internal static IReadOnlyDictionary<string, string> Flags { get; } = new Dictionary<string, string>
    {
        [SettingNames.Epochs] = "--epochs",
        [SettingNames.LearningRate] = "--lr",
        [SettingNames.Threads] = "--threads",
        [SettingNames.SaveEvery] = "--save-every",
        [SettingNames.CaptureEpochs] = "--capture-epochs",
        [SettingNames.CaptureEvery] = "--capture-every",
        [SettingNames.CaptureSamples] = "--capture-samples",
        [SettingNames.RunFolder] = "--out",
        [SettingNames.ExportFolder] = "--out",
        [SettingNames.Layer] = "--layer",
        [SettingNames.Head] = "--head",
    };

    private static string Flag(string setting) => Flags.TryGetValue(setting, out var flag) ? flag : setting;

    private static string Describe(IReadOnlyList<ModelDefinition> models, string program) => models.Count switch
    {
        0 => $"{program}: this program holds no BertGen model; add a bertgen.json to its project and rebuild.",
        1 => $"Train and look inside the {models[0].Shape.Layers}-layer BERT \"{models[0].Name}\" whose kernels are generated from bertgen.json.",
        _ => $"Train and look inside the BERT models {string.Join(", ", models.Select(m => $"\"{m.Name}\""))}, whose kernels are generated from their bertgen.json files.",
    };
}
