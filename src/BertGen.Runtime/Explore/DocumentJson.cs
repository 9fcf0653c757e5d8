using System.Text;
using System.Text.Json;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>
/// Documents and tensor views as JSON, for scripts: the same content the command line prints. A value that is not
/// finite is written as the string "NaN", "Infinity" or "-Infinity".
/// </summary>
public static class DocumentJson
{
    /// <summary>A document as indented JSON: its title and blocks.</summary>
    public static string Serialize(Document document) => Write(json => Write(json, document));

    /// <summary>A tensor view as indented JSON.</summary>
    public static string Serialize(TensorView view) => Write(json => Write(json, view));

    /// <summary>Writes a document: <c>{ "title", "blocks": [ { "kind": "text" | "table" | "tensor", ... } ] }</c>.</summary>
    public static void Write(Utf8JsonWriter json, Document document)
    {
        json.WriteStartObject();
        json.WriteString("title", document.Title);
        json.WriteStartArray("blocks");
        foreach (var block in document.Blocks)
        {
            Write(json, block);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes a tensor view: its name, layer, head, sample, epoch, shape, row and column labels, and values row by row.
    /// </summary>
    public static void Write(Utf8JsonWriter json, TensorView view)
    {
        var s = view.Source;
        json.WriteStartObject();
        json.WriteString("kind", "tensor");
        json.WriteString("name", s.Name);
        WriteOptional(json, "layer", s.Layer);
        WriteOptional(json, "head", s.Head);
        WriteOptional(json, "sample", s.Sample);
        if (s.Epoch >= 0)
        {
            json.WriteNumber("epoch", s.Epoch);
        }

        json.WriteStartArray("shape");
        foreach (long d in s.Shape)
        {
            json.WriteNumberValue(d);
        }

        json.WriteEndArray();
        Strings(json, "rows", view.RowLabels);
        Strings(json, "columns", view.ColumnLabels);
        json.WriteStartArray("values");
        for (int r = 0; r < view.Rows; r++)
        {
            json.WriteStartArray();
            for (int c = 0; c < view.Columns; c++)
            {
                Number(json, view[r, c]);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes a float, or its name when it is not finite.</summary>
    public static void Number(Utf8JsonWriter json, float value)
    {
        if (float.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void Write(Utf8JsonWriter json, Block block)
    {
        switch (block)
        {
            case TextBlock text:
                json.WriteStartObject();
                json.WriteString("kind", "text");
                json.WriteString("text", text.Text);
                json.WriteEndObject();
                break;
            case TableBlock table:
                json.WriteStartObject();
                json.WriteString("kind", "table");
                if (table.Title is { } title)
                {
                    json.WriteString("title", title);
                }

                Strings(json, "headers", table.Headers);
                json.WriteStartArray("rows");
                foreach (var row in table.Rows)
                {
                    json.WriteStartArray();
                    foreach (var cell in row)
                    {
                        Write(json, cell);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case TensorBlock tensor:
                Write(json, tensor.View);
                break;
        }
    }

    /// <summary>A cell: a string, or for a masked input its tokens with their marks and the words behind masked slots.</summary>
    private static void Write(Utf8JsonWriter json, Cell cell)
    {
        if (cell.Tokens is [{ Mark: TokenMark.Word } only])
        {
            json.WriteStringValue(only.Text);
            return;
        }

        json.WriteStartArray();
        foreach (var token in cell.Tokens)
        {
            json.WriteStartObject();
            json.WriteString("token", token.Text);
            json.WriteString("mark", JsonNamingPolicy.CamelCase.ConvertName(token.Mark.ToString()));
            if (token.Original is { } original)
            {
                json.WriteString("original", original);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteStringValue(v);
        }

        json.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
