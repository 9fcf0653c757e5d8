using System.Collections.Generic;

namespace BertGen.Generator.Json;

/// <summary>A JSON value with the character range it was read from.</summary>
internal abstract class JsonNode
{
    protected JsonNode(int start, int end)
    {
        Start = start;
        End = end;
    }

    /// <summary>Offset of the value's first character.</summary>
    public int Start { get; }

    /// <summary>Offset just past the value's last character.</summary>
    public int End { get; }

    /// <summary>The JSON type's name as a message shows it ("a number", "a string", ...).</summary>
    public abstract string Kind { get; }
}

/// <summary>A JSON object; members keep their order and their key's range.</summary>
internal sealed class JsonObject : JsonNode
{
    public JsonObject(int start, int end, IReadOnlyList<JsonMember> members)
        : base(start, end) => Members = members;

    public IReadOnlyList<JsonMember> Members { get; }

    public override string Kind => "an object";
}

/// <summary>One "key": value pair of an object.</summary>
internal sealed class JsonMember
{
    public JsonMember(string key, int keyStart, int keyEnd, JsonNode value)
    {
        Key = key;
        KeyStart = keyStart;
        KeyEnd = keyEnd;
        Value = value;
    }

    public string Key { get; }

    public int KeyStart { get; }

    public int KeyEnd { get; }

    public JsonNode Value { get; }
}

internal sealed class JsonArray : JsonNode
{
    public JsonArray(int start, int end, IReadOnlyList<JsonNode> items)
        : base(start, end) => Items = items;

    public IReadOnlyList<JsonNode> Items { get; }

    public override string Kind => "an array";
}

internal sealed class JsonString : JsonNode
{
    public JsonString(int start, int end, string value)
        : base(start, end) => Value = value;

    public string Value { get; }

    public override string Kind => "a string";
}

/// <summary>A number, kept as written so that integers and decimals can be told apart.</summary>
internal sealed class JsonNumber : JsonNode
{
    public JsonNumber(int start, int end, string text, double value, bool isInteger)
        : base(start, end)
    {
        Text = text;
        Value = value;
        IsInteger = isInteger;
    }

    public string Text { get; }

    public double Value { get; }

    /// <summary>True when written without a fraction or exponent.</summary>
    public bool IsInteger { get; }

    public override string Kind => IsInteger ? "an integer" : "a number";
}

internal sealed class JsonBool : JsonNode
{
    public JsonBool(int start, int end, bool value)
        : base(start, end) => Value = value;

    public bool Value { get; }

    public override string Kind => Value ? "true" : "false";
}

internal sealed class JsonNull : JsonNode
{
    public JsonNull(int start, int end)
        : base(start, end)
    {
    }

    public override string Kind => "null";
}
