using System.Text;
using Spectre.Console;

namespace BertGen.Cli.Rendering;

/// <summary>A piece of a line of output and its Spectre style ("yellow", "black on #aabbcc"), or no style.</summary>
internal readonly record struct Segment(string Text, string? Style = null);

/// <summary>One line of output as styled segments, so that it can be measured, padded and set beside another line.</summary>
internal sealed class StyledLine
{
    private readonly List<Segment> _segments = [];

    /// <summary>Characters on the line.</summary>
    public int Length { get; private set; }

    /// <summary>Appends <paramref name="text"/> in <paramref name="style"/>.</summary>
    public StyledLine Add(string text, string? style = null)
    {
        if (text.Length > 0)
        {
            _segments.Add(new Segment(text, style));
            Length += text.Length;
        }

        return this;
    }

    /// <summary>Appends the segments of <paramref name="other"/>.</summary>
    public StyledLine Add(StyledLine other)
    {
        foreach (var s in other._segments)
        {
            Add(s.Text, s.Style);
        }

        return this;
    }

    /// <summary>Appends spaces up to <paramref name="width"/> characters.</summary>
    public StyledLine PadTo(int width) => Length < width ? Add(new string(' ', width - Length)) : this;

    /// <summary>The line without styles.</summary>
    public string Plain()
    {
        var text = new StringBuilder(Length);
        foreach (var s in _segments)
        {
            text.Append(s.Text);
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>The line as Spectre markup.</summary>
    public string Markup()
    {
        var text = new StringBuilder();
        int end = _segments.FindLastIndex(s => s.Style is not null || s.Text.Trim().Length > 0);
        for (int i = 0; i <= end; i++)
        {
            var s = _segments[i];
            string escaped = Spectre.Console.Markup.Escape(i == end && s.Style is null ? s.Text.TrimEnd() : s.Text);
            text.Append(s.Style is null ? escaped : $"[{s.Style}]{escaped}[/]");
        }

        return text.ToString();
    }
}
