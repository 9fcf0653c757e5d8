using System.Linq;
using Microsoft.CodeAnalysis;

namespace BertGen.Generator;

/// <summary>Every diagnostic the generator reports. Each message says what is wrong and what to write instead.</summary>
internal static class Diagnostics
{
    private const string Category = "BertGen";

    public static readonly DiagnosticDescriptor InvalidJson = Make(
        "BG0001", "bertgen.json is not valid JSON", "bertgen.json is not valid JSON: {0}");

    public static readonly DiagnosticDescriptor MissingKey = Make(
        "BG0002", "A required configuration key is missing", "{0}");

    public static readonly DiagnosticDescriptor UnknownKey = Make(
        "BG0003", "Unknown configuration key", "{0}");

    public static readonly DiagnosticDescriptor WrongType = Make(
        "BG0004", "A configuration value has the wrong type", "{0}");

    public static readonly DiagnosticDescriptor OutOfRange = Make(
        "BG0005", "A configuration size is out of range", "{0}");

    public static readonly DiagnosticDescriptor InvalidName = Make(
        "BG0006", "The model name is not a C# type name", "{0}");

    public static readonly DiagnosticDescriptor DuplicateName = Make(
        "BG0007", "Two configuration files name the same model", "{0}");

    public static readonly DiagnosticDescriptor DuplicateKey = Make(
        "BG0008", "A configuration key appears twice", "{0}");

    public static readonly DiagnosticDescriptor NotAnObject = Make(
        "BG0009", "The configuration is not a JSON object", "{0}");

    public static readonly DiagnosticDescriptor InvalidNamespace = Make(
        "BG0010", "The namespace is not a C# namespace", "{0}");

    private static readonly DiagnosticDescriptor[] All =
    {
        InvalidJson, MissingKey, UnknownKey, WrongType, OutOfRange, InvalidName, DuplicateName, DuplicateKey, NotAnObject, InvalidNamespace,
    };

    public static DiagnosticDescriptor ById(string id) => All.First(d => d.Id == id);

    private static DiagnosticDescriptor Make(string id, string title, string format) =>
        new(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
