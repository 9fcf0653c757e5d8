using BertGen.Data;

namespace BertGen.Explore;

/// <summary>
/// What a view or figure shows, as data: a title and blocks of text, tables and tensors. The command line renders it
/// to fit the terminal (or as JSON); tests read it directly.
/// </summary>
/// <param name="Title">E.g. "Figure 4: BERT Configuration".</param>
/// <param name="Blocks">The content, in order.</param>
public sealed record Document(string Title, IReadOnlyList<Block> Blocks);

/// <summary>A piece of a document.</summary>
public abstract record Block;

/// <summary>A paragraph.</summary>
/// <param name="Text">Its text.</param>
public sealed record TextBlock(string Text) : Block;

/// <summary>A table of cells under column headers.</summary>
/// <param name="Headers">One header per column.</param>
/// <param name="Rows">The rows, one cell per column.</param>
/// <param name="Title">A line above the table, or null.</param>
/// <param name="Flow">Whether a tall, narrow table may be laid out in several groups of rows side by side.</param>
public sealed record TableBlock(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<Cell>> Rows, string? Title = null, bool Flow = false) : Block;

/// <summary>A tensor as a labelled matrix.</summary>
/// <param name="View">The tensor.</param>
/// <param name="Top">When set, each row shows only its largest values this many, with their column labels.</param>
public sealed record TensorBlock(TensorView View, int? Top = null) : Block;

/// <summary>A table cell: text, or tokens with their masks (a masked input).</summary>
/// <param name="Tokens">The cell's pieces: one unmarked piece for plain text.</param>
/// <param name="Wraps">Whether a narrow column may break the cell's text between words (not a shape such as [14, 7]).</param>
public sealed record Cell(IReadOnlyList<MarkedToken> Tokens, bool Wraps = true)
{
    /// <summary>A cell that stays on one line.</summary>
    public static Cell Whole(string text) => new([new MarkedToken(text, TokenMark.Word)], Wraps: false);

    /// <summary>The cell's text, with plain-text marks.</summary>
    public string Text => Tokens is [{ Mark: TokenMark.Word } only] ? only.Text : MaskedInput.Plain(Tokens);

    /// <summary>Whether the cell is one number (right-aligned in a table).</summary>
    public bool IsNumber =>
        Tokens is [{ Mark: TokenMark.Word } only]
        && double.TryParse(only.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>A cell of plain text.</summary>
    public static implicit operator Cell(string text) => new([new MarkedToken(text, TokenMark.Word)]);
}
