using BertGen.Explore;
using Spectre.Console;

namespace BertGen.Cli.Rendering;

/// <summary>
/// Where a command writes: the console (for colour and progress bars), the text writer under it, whether colours are
/// on, and the width output fits: <c>--width</c>, else the terminal's, else the COLUMNS variable, else 80.
/// </summary>
internal sealed class Terminal
{
    /// <summary>The narrowest width output is laid out for.</summary>
    public const int MinWidth = 40;

    private Terminal(IAnsiConsole console, TextWriter output, TextWriter error, bool color, int width, bool terminal)
    {
        Console = console;
        Output = output;
        Error = error;
        Color = color;
        Width = width;
        IsTerminal = terminal;
    }

    /// <summary>The Spectre console over <see cref="Output"/>.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Standard output.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether colours are on.</summary>
    public bool Color { get; }

    /// <summary>Columns output is laid out to fit.</summary>
    public int Width { get; }

    /// <summary>Whether standard output is the process's own console, not redirected.</summary>
    public bool IsTerminal { get; }

    /// <summary>The terminal for <paramref name="output"/> with the <c>--color</c> and <c>--width</c> the user gave.</summary>
    public static Terminal For(TextWriter output, TextWriter error, string color, int? width)
    {
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        bool colors = color == "always" || (color == "auto" && terminal);
        int columns = width
            ?? (terminal && System.Console.WindowWidth > 0 ? System.Console.WindowWidth
                : int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int c) && c > 0 ? c : 80);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = colors ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colors ? (terminal ? ColorSystemSupport.Detect : ColorSystemSupport.TrueColor) : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });

        if (!terminal)
        {
            // A file or pipe has no width of its own: lines are laid out to fit already and must not be wrapped again.
            console.Profile.Width = 4000;
        }

        return new Terminal(console, output, error, colors, Math.Max(MinWidth, columns), terminal);
    }

    /// <summary>A renderer of documents and tensors for this terminal.</summary>
    public TextRenderer Renderer(int decimals = 2) => new(Width, Color, decimals);

    /// <summary>Writes a document to fit.</summary>
    public void Write(Document document, int decimals = 2)
    {
        var renderer = Renderer(decimals);
        renderer.Write(renderer.Document(document), Console, Output);
    }

    /// <summary>Writes lines a renderer made.</summary>
    public void Write(IEnumerable<StyledLine> lines) => Renderer().Write(lines, Console, Output);
}
