using System.Text;

namespace BertGen.Generator.Emit;

/// <summary>Builds indented C# text, one line at a time.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation (an empty line stays empty).</summary>
    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
            _text.Append(line);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>Writes several lines, each at the current indentation.</summary>
    public CodeWriter Lines(string block)
    {
        foreach (var line in block.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }

        return this;
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, then indents.</summary>
    public CodeWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>Opens a method generic over the element type T (float or double); the signature may take several lines.</summary>
    public CodeWriter OpenKernel(string signature)
    {
        Lines(signature);
        Line("    where T : unmanaged, IFloatingPointIeee754<T>");
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>Outdents and writes a closing brace (with <paramref name="suffix"/>, e.g. ";").</summary>
    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => _text.ToString();
}
