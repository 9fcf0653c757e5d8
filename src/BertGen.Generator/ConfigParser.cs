using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Generator.Json;
using BertGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace BertGen.Generator;

/// <summary>
/// Turns the text of one bertgen.json into a <see cref="ModelSpec"/>, or into diagnostics that point at
/// the line at fault and say what to write instead. Every problem in the file is reported, not only the first.
/// </summary>
internal sealed class ConfigParser
{
    /// <summary>Parameters live in one array of floats indexed by int.</summary>
    internal const long MaxParameters = 1L << 30;

    private static readonly KeyRule[] Rules =
    {
        new("name", KeyKind.Name, Required: true, Example: "\"TinyBert\""),
        new("maxLen", KeyKind.Integer, Required: true, Example: "14", Min: 5, Max: 4096, Meaning: "tokens per sample, [CLS] and two [SEP] included"),
        new("batchSize", KeyKind.Integer, Required: true, Example: "6", Min: 1, Max: 65536, Meaning: "samples per batch"),
        new("maxPred", KeyKind.Integer, Required: true, Example: "2", Min: 1, Max: 4093, Meaning: "most masked tokens per sample"),
        new("layers", KeyKind.Integer, Required: true, Example: "2", Min: 1, Max: 128, Meaning: "encoder layers"),
        new("heads", KeyKind.Integer, Required: true, Example: "5", Min: 1, Max: 1024, Meaning: "attention heads"),
        new("dModel", KeyKind.Integer, Required: true, Example: "7", Min: 1, Max: 16384, Meaning: "embedding width"),
        new("dFF", KeyKind.Integer, Required: true, Example: "28", Min: 1, Max: 65536, Meaning: "feed-forward width"),
        new("dK", KeyKind.Integer, Required: true, Example: "4", Min: 1, Max: 4096, Meaning: "width of q, k and v per head"),
        new("segments", KeyKind.Integer, Required: false, Example: "2", Min: 2, Max: 64, Meaning: "segment ids (a pair needs 2)"),
        new("ffnAddNorm", KeyKind.Boolean, Required: false, Example: "true"),
        new("embeddingLayerNorm", KeyKind.Boolean, Required: false, Example: "true"),
        new("layerNormEps", KeyKind.Number, Required: false, Example: "1e-5", Meaning: "LayerNorm epsilon"),
        new("vocabSize", KeyKind.Integer, Required: false, Example: "41", Min: 5, Max: 1_000_000, Meaning: "vocabulary size, special tokens included"),
        new("namespace", KeyKind.Namespace, Required: false, Example: "\"MyProject.Models\"", Meaning: "namespace of the generated type"),
    };

    private readonly string _path;
    private readonly string _text;
    private readonly int[] _lineStarts;
    private readonly List<DiagnosticInfo> _diagnostics = new();

    private ConfigParser(string path, string text)
    {
        _path = path;
        _text = text;
        _lineStarts = LineStarts(text);
    }

    /// <summary>The keys a configuration may hold, in the order the README documents them.</summary>
    public static IEnumerable<string> Keys => Rules.Select(r => r.Key);

    /// <summary>Parses one configuration file; <paramref name="ns"/> is the namespace of the generated type.</summary>
    public static ConfigParseResult Parse(string path, string text, string ns) => new ConfigParser(path, text).Run(ns);

    private ConfigParseResult Run(string ns)
    {
        JsonNode root;
        try
        {
            root = JsonParser.Parse(_text);
        }
        catch (JsonSyntaxException e)
        {
            Report(Diagnostics.InvalidJson, e.Position, Math.Min(1, _text.Length - e.Position), e.Message);
            return Result(null, null);
        }

        if (root is not JsonObject obj)
        {
            Report(Diagnostics.NotAnObject, root, $"the configuration must be a JSON object, not {root.Kind}; write {{ \"name\": \"TinyBert\", \"maxLen\": 14, ... }}");
            return Result(null, null);
        }

        var values = new Dictionary<string, JsonMember>(StringComparer.Ordinal);
        foreach (var member in obj.Members)
        {
            var rule = Rules.FirstOrDefault(r => r.Key == member.Key);
            if (rule is null)
            {
                if (member.Key != "$schema")
                {
                    ReportUnknownKey(member);
                }

                continue;
            }

            if (values.ContainsKey(member.Key))
            {
                Report(Diagnostics.DuplicateKey, member.KeyStart, member.KeyEnd - member.KeyStart,
                    $"'{member.Key}' is given twice; keep one of them");
                continue;
            }

            values[member.Key] = member;
        }

        foreach (var rule in Rules.Where(r => r.Required && !values.ContainsKey(r.Key)))
        {
            Report(Diagnostics.MissingKey, obj.Start, 1,
                $"'{rule.Key}' is missing; add \"{rule.Key}\": {rule.Example}" + (rule.Meaning is null ? string.Empty : $" ({rule.Meaning})"));
        }

        string? name = ReadName(values);
        int maxLen = ReadInt(values, "maxLen");
        int batchSize = ReadInt(values, "batchSize");
        int maxPred = ReadInt(values, "maxPred");
        int layers = ReadInt(values, "layers");
        int heads = ReadInt(values, "heads");
        int dModel = ReadInt(values, "dModel");
        int dFF = ReadInt(values, "dFF");
        int dK = ReadInt(values, "dK");
        int segments = ReadInt(values, "segments", 2);
        bool ffnAddNorm = ReadBool(values, "ffnAddNorm", true);
        bool embeddingLayerNorm = ReadBool(values, "embeddingLayerNorm", true);
        double eps = ReadEps(values);
        int vocabSize = ReadInt(values, "vocabSize", 0);
        ns = ReadNamespace(values) ?? ns;

        if (maxLen > 0 && maxPred > maxLen - 3 && values.TryGetValue("maxPred", out var maxPredMember))
        {
            Report(Diagnostics.OutOfRange, maxPredMember.Value,
                $"'maxPred' is {maxPred}, but a sample of maxLen {maxLen} holds at most {maxLen - 3} words besides [CLS] and two [SEP]; write a value from 1 to {maxLen - 3}");
        }

        var nameSite = values.TryGetValue("name", out var nameMember) ? Site(nameMember.Value.Start, nameMember.Value.End - nameMember.Value.Start) : null;
        if (_diagnostics.Count > 0 || name is null)
        {
            return Result(null, nameSite);
        }

        var spec = new ModelSpec(ns, name, System.IO.Path.GetFileName(_path), maxLen, batchSize, maxPred, layers, heads, dModel, dFF, dK,
            segments, ffnAddNorm, embeddingLayerNorm, eps, vocabSize);
        long parameters = ParameterCount(spec);
        if (parameters > MaxParameters)
        {
            Report(Diagnostics.OutOfRange, obj.Start, 1,
                $"these sizes give {parameters:N0} parameters before the vocabulary; BertGen keeps them in one array of at most {MaxParameters:N0}: make dModel, dFF, heads*dK or layers smaller");
            return Result(null, nameSite);
        }

        return Result(spec, nameSite);
    }

    /// <summary>Parameters that do not depend on the vocabulary (positions, segments, layers, heads).</summary>
    internal static long ParameterCount(ModelSpec s)
    {
        long d = s.DModel, a = s.DAttn, f = s.DFF;
        long layer = (3 * ((a * d) + a)) + ((d * a) + d) + (2 * d) + ((f * d) + f) + ((d * f) + d) + (s.FfnAddNorm ? 2 * d : 0);
        return (s.MaxLen * d) + (s.Segments * d) + (s.EmbeddingLayerNorm ? 2 * d : 0) + (s.Layers * layer)
            + ((d * d) + d) + ((d * d) + d) + (2 * d) + ((2 * d) + 2);
    }

    private string? ReadName(Dictionary<string, JsonMember> values)
    {
        if (!values.TryGetValue("name", out var member))
        {
            return null;
        }

        if (member.Value is not JsonString s)
        {
            Report(Diagnostics.WrongType, member.Value, $"'name' must be a string such as \"TinyBert\", not {member.Value.Kind}");
            return null;
        }

        if (!SyntaxFacts.IsValidIdentifier(s.Value) || SyntaxFacts.GetKeywordKind(s.Value) != SyntaxKind.None || s.Value.StartsWith("@", StringComparison.Ordinal))
        {
            Report(Diagnostics.InvalidName, member.Value,
                $"'name' is \"{s.Value}\", which is not a C# type name; use letters, digits and '_', starting with a letter, such as \"TinyBert\"");
            return null;
        }

        return s.Value;
    }

    private string? ReadNamespace(Dictionary<string, JsonMember> values)
    {
        if (!values.TryGetValue("namespace", out var member))
        {
            return null;
        }

        if (member.Value is not JsonString s)
        {
            Report(Diagnostics.WrongType, member.Value, $"'namespace' must be a string such as \"MyProject.Models\", not {member.Value.Kind}");
            return null;
        }

        if (!BertGenGenerator.IsNamespace(s.Value))
        {
            Report(Diagnostics.InvalidNamespace, member.Value,
                $"'namespace' is \"{s.Value}\", which is not a C# namespace; write names of letters, digits and '_' joined by dots, such as \"MyProject.Models\"");
            return null;
        }

        return s.Value;
    }

    private int ReadInt(Dictionary<string, JsonMember> values, string key, int fallback = -1)
    {
        var rule = Rules.First(r => r.Key == key);
        if (!values.TryGetValue(key, out var member))
        {
            return fallback;
        }

        if (member.Value is not JsonNumber n)
        {
            string hint = member.Value is JsonString str && int.TryParse(str.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                ? $"write {str.Value} without quotes"
                : $"write a whole number such as {rule.Example}";
            Report(Diagnostics.WrongType, member.Value, $"'{key}' must be an integer, not {member.Value.Kind}; {hint}");
            return fallback;
        }

        if (!n.IsInteger)
        {
            Report(Diagnostics.WrongType, member.Value,
                $"'{key}' must be a whole number, not {n.Text}; write it without a fraction or exponent, such as {rule.Example}");
            return fallback;
        }

        if (n.Value < rule.Min || n.Value > rule.Max)
        {
            string what = n.Value <= 0 ? "must be positive" : n.Value < rule.Min ? "is too small" : "is too large";
            Report(Diagnostics.OutOfRange, member.Value,
                $"'{key}' ({rule.Meaning}) is {n.Text} and {what}; write a value from {rule.Min} to {rule.Max}, such as {rule.Example}");
            return fallback;
        }

        return (int)n.Value;
    }

    private bool ReadBool(Dictionary<string, JsonMember> values, string key, bool fallback)
    {
        if (!values.TryGetValue(key, out var member))
        {
            return fallback;
        }

        if (member.Value is JsonBool b)
        {
            return b.Value;
        }

        string hint = member.Value is JsonString s && (s.Value == "true" || s.Value == "false")
            ? $"write {s.Value} without quotes"
            : "write true or false";
        Report(Diagnostics.WrongType, member.Value, $"'{key}' must be true or false, not {member.Value.Kind}; {hint}");
        return fallback;
    }

    private double ReadEps(Dictionary<string, JsonMember> values)
    {
        const double fallback = 1e-5;
        if (!values.TryGetValue("layerNormEps", out var member))
        {
            return fallback;
        }

        if (member.Value is not JsonNumber n)
        {
            Report(Diagnostics.WrongType, member.Value, $"'layerNormEps' must be a number such as 1e-5, not {member.Value.Kind}");
            return fallback;
        }

        if (!(n.Value > 0 && n.Value <= 0.1))
        {
            Report(Diagnostics.OutOfRange, member.Value,
                $"'layerNormEps' is {n.Text}; it must be greater than 0 and at most 0.1, such as 1e-5 or 1e-12");
            return fallback;
        }

        return n.Value;
    }

    private void ReportUnknownKey(JsonMember member)
    {
        string? near = Rules.Select(r => r.Key)
            .OrderBy(k => Distance(k.ToLowerInvariant(), member.Key.ToLowerInvariant()))
            .FirstOrDefault(k => Distance(k.ToLowerInvariant(), member.Key.ToLowerInvariant()) <= Math.Max(2, k.Length / 3));
        string advice = near is null
            ? $"the keys are {string.Join(", ", Rules.Select(r => r.Key))}"
            : $"did you mean '{near}'?";
        Report(Diagnostics.UnknownKey, member.KeyStart, member.KeyEnd - member.KeyStart, $"'{member.Key}' is not a configuration key; {advice}");
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }

    private ConfigParseResult Result(ModelSpec? spec, SourceSite? nameSite) =>
        new(_path, spec, new EquatableArray<DiagnosticInfo>(_diagnostics), nameSite);

    private void Report(DiagnosticDescriptor descriptor, JsonNode node, string message) =>
        Report(descriptor, node.Start, node.End - node.Start, message);

    private void Report(DiagnosticDescriptor descriptor, int start, int length, string message) =>
        _diagnostics.Add(new DiagnosticInfo(descriptor.Id, Site(start, length), message));

    private SourceSite Site(int start, int length)
    {
        start = Math.Max(0, Math.Min(start, _text.Length));
        length = Math.Max(0, Math.Min(length, _text.Length - start));
        var (startLine, startColumn) = LineColumn(start);
        var (endLine, endColumn) = LineColumn(start + length);
        return new SourceSite(_path, start, length, startLine, startColumn, endLine, endColumn);
    }

    private (int Line, int Column) LineColumn(int offset)
    {
        int line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return (line, offset - _lineStarts[line]);
    }

    private static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts.ToArray();
    }

    private enum KeyKind
    {
        Name,
        Namespace,
        Integer,
        Boolean,
        Number,
    }

    private sealed record KeyRule(string Key, KeyKind Kind, bool Required, string Example, int Min = 0, int Max = 0, string? Meaning = null);
}
