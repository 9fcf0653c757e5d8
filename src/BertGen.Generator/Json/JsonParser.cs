using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace BertGen.Generator.Json;

/// <summary>Raised for text that is not JSON; <see cref="Position"/> is where reading stopped.</summary>
internal sealed class JsonSyntaxException : Exception
{
    public JsonSyntaxException(string message, int position)
        : base(message) => Position = position;

    public int Position { get; }
}

/// <summary>
/// A small strict JSON reader (RFC 8259 plus // and /* */ comments) that remembers where every value
/// starts and ends, so a configuration problem can be reported at its line. The generator targets
/// netstandard2.0 and must not carry System.Text.Json into the compiler's process.
/// </summary>
internal sealed class JsonParser
{
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _pos;
    private int _depth;

    private JsonParser(string text) => _text = text;

    /// <summary>Parses a whole document; anything after the top-level value is an error.</summary>
    public static JsonNode Parse(string text)
    {
        var parser = new JsonParser(text);
        parser.SkipTrivia();
        if (parser._pos >= text.Length)
        {
            throw new JsonSyntaxException("the file is empty; write a JSON object such as { \"name\": \"TinyBert\", ... }", 0);
        }

        var root = parser.ParseValue();
        parser.SkipTrivia();
        if (parser._pos < text.Length)
        {
            throw new JsonSyntaxException($"unexpected '{text[parser._pos]}' after the end of the JSON value", parser._pos);
        }

        return root;
    }

    private JsonNode ParseValue()
    {
        SkipTrivia();
        if (_pos >= _text.Length)
        {
            throw new JsonSyntaxException("the file ends where a value was expected", _pos);
        }

        char c = _text[_pos];
        switch (c)
        {
            case '{':
                return ParseObject();
            case '[':
                return ParseArray();
            case '"':
                int start = _pos;
                string s = ParseString();
                return new JsonString(start, _pos, s);
            case 't':
                return ParseLiteral("true", (a, b) => new JsonBool(a, b, true));
            case 'f':
                return ParseLiteral("false", (a, b) => new JsonBool(a, b, false));
            case 'n':
                return ParseLiteral("null", (a, b) => new JsonNull(a, b));
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber();
                }

                throw new JsonSyntaxException($"unexpected '{c}' where a value was expected", _pos);
        }
    }

    private JsonObject ParseObject()
    {
        int start = _pos;
        Enter();
        _pos++; // '{'
        var members = new List<JsonMember>();
        SkipTrivia();
        if (Peek() == '}')
        {
            _pos++;
            Leave();
            return new JsonObject(start, _pos, members);
        }

        while (true)
        {
            SkipTrivia();
            if (Peek() != '"')
            {
                throw new JsonSyntaxException(
                    Peek() == '}' ? "a trailing comma before '}' is not allowed" : "expected a quoted key",
                    _pos);
            }

            int keyStart = _pos;
            string key = ParseString();
            int keyEnd = _pos;
            SkipTrivia();
            Expect(':', "expected ':' after the key");
            var value = ParseValue();
            members.Add(new JsonMember(key, keyStart, keyEnd, value));
            SkipTrivia();
            char next = Peek();
            if (next == ',')
            {
                _pos++;
                continue;
            }

            if (next == '}')
            {
                _pos++;
                Leave();
                return new JsonObject(start, _pos, members);
            }

            throw new JsonSyntaxException("expected ',' or '}' after a value (is a comma missing?)", _pos);
        }
    }

    private JsonArray ParseArray()
    {
        int start = _pos;
        Enter();
        _pos++; // '['
        var items = new List<JsonNode>();
        SkipTrivia();
        if (Peek() == ']')
        {
            _pos++;
            Leave();
            return new JsonArray(start, _pos, items);
        }

        while (true)
        {
            items.Add(ParseValue());
            SkipTrivia();
            char next = Peek();
            if (next == ',')
            {
                _pos++;
                continue;
            }

            if (next == ']')
            {
                _pos++;
                Leave();
                return new JsonArray(start, _pos, items);
            }

            throw new JsonSyntaxException("expected ',' or ']' in an array", _pos);
        }
    }

    private string ParseString()
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new JsonSyntaxException("a string is not closed", _pos);
            }

            char c = _text[_pos++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c < ' ')
            {
                throw new JsonSyntaxException("a string may not contain a line break or control character", _pos - 1);
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                throw new JsonSyntaxException("a string is not closed", _pos);
            }

            char e = _text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw new JsonSyntaxException("\\u must be followed by four hex digits", _pos);
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw new JsonSyntaxException($"unknown escape '\\{e}' in a string", _pos - 2);
            }
        }
    }

    private JsonNumber ParseNumber()
    {
        int start = _pos;
        bool isInteger = true;
        if (Peek() == '-')
        {
            _pos++;
        }

        if (!IsDigit(Peek()))
        {
            throw new JsonSyntaxException("a number needs a digit after '-'", _pos);
        }

        if (Peek() == '0' && IsDigit(PeekAt(1)))
        {
            throw new JsonSyntaxException("a number may not have a leading zero", _pos);
        }

        SkipDigits();
        if (Peek() == '.')
        {
            isInteger = false;
            _pos++;
            if (!IsDigit(Peek()))
            {
                throw new JsonSyntaxException("a number needs a digit after '.'", _pos);
            }

            SkipDigits();
        }

        if (Peek() == 'e' || Peek() == 'E')
        {
            isInteger = false;
            _pos++;
            if (Peek() == '+' || Peek() == '-')
            {
                _pos++;
            }

            if (!IsDigit(Peek()))
            {
                throw new JsonSyntaxException("a number needs a digit in its exponent", _pos);
            }

            SkipDigits();
        }

        string text = _text.Substring(start, _pos - start);
        double value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return new JsonNumber(start, _pos, text, value, isInteger);
    }

    private JsonNode ParseLiteral(string word, Func<int, int, JsonNode> make)
    {
        int start = _pos;
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
        {
            throw new JsonSyntaxException("unexpected word; strings must be quoted", _pos);
        }

        _pos += word.Length;
        return make(start, _pos);
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\uFEFF')
            {
                _pos++;
            }
            else if (c == '/' && PeekAt(1) == '/')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else if (c == '/' && PeekAt(1) == '*')
            {
                int close = _text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new JsonSyntaxException("a /* comment is not closed", _pos);
                }

                _pos = close + 2;
            }
            else
            {
                return;
            }
        }
    }

    private void Expect(char c, string message)
    {
        if (Peek() != c)
        {
            throw new JsonSyntaxException(message, _pos);
        }

        _pos++;
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new JsonSyntaxException("values are nested too deeply", _pos);
        }
    }

    private void Leave() => _depth--;

    private void SkipDigits()
    {
        while (IsDigit(Peek()))
        {
            _pos++;
        }
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private char PeekAt(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private static bool IsDigit(char c) => c >= '0' && c <= '9';
}
