using Microsoft.CodeAnalysis;

namespace BertGen.Generator.Tests;

/// <summary>Each kind of bad configuration gives its own id, the file, the line, and a message saying what to write.</summary>
public sealed class DiagnosticTests
{
    public static TheoryData<string, string, string, int, string> BadConfigurations => new()
    {
        // what, file text, id, 1-based line, a phrase the message must hold
        { "malformed JSON", "{\n  \"name\": \"TinyBert\",\n  \"maxLen\": 14\n  \"layers\": 2\n}", "BG0001", 4, "is a comma missing" },
        { "empty file", "", "BG0001", 1, "the file is empty" },
        { "missing key", GeneratorHarness.Config(("dFF", null)), "BG0002", 1, "add \"dFF\": 28" },
        { "unknown key", GeneratorHarness.Config(("dmodel", "7")), "BG0003", 15, "did you mean 'dModel'" },
        { "string for an integer", GeneratorHarness.Config(("heads", "\"5\"")), "BG0004", 7, "write 5 without quotes" },
        { "fraction for an integer", GeneratorHarness.Config(("layers", "2.5")), "BG0004", 6, "whole number" },
        { "string for a flag", GeneratorHarness.Config(("ffnAddNorm", "\"yes\"")), "BG0004", 12, "write true or false" },
        { "zero size", GeneratorHarness.Config(("dModel", "0")), "BG0005", 8, "must be positive" },
        { "negative size", GeneratorHarness.Config(("layers", "-1")), "BG0005", 6, "must be positive" },
        { "absurd size", GeneratorHarness.Config(("dFF", "10000000")), "BG0005", 9, "is too large" },
        { "maxLen below 5", GeneratorHarness.Config(("maxLen", "4")), "BG0005", 3, "from 5 to" },
        { "maxPred that cannot fit", GeneratorHarness.Config(("maxPred", "12")), "BG0005", 5, "write a value from 1 to 11" },
        { "non-positive epsilon", GeneratorHarness.Config(("layerNormEps", "0")), "BG0005", 14, "greater than 0" },
        { "too many parameters", GeneratorHarness.Config(("dModel", "16384"), ("dFF", "65536"), ("layers", "100")), "BG0005", 1, "one array" },
        { "name that is not a C# identifier", GeneratorHarness.Config(("name", "\"Tiny Bert\"")), "BG0006", 2, "not a C# type name" },
        { "keyword as a name", GeneratorHarness.Config(("name", "\"class\"")), "BG0006", 2, "not a C# type name" },
        { "key given twice", "{\n  \"name\": \"A\",\n  \"name\": \"B\"\n}", "BG0008", 3, "given twice" },
        { "array instead of an object", "[1, 2]", "BG0009", 1, "must be a JSON object" },
        { "namespace that is not one", GeneratorHarness.Config(("namespace", "\"My..Models\"")), "BG0010", 15, "not a C# namespace" },
        { "keyword in a namespace", GeneratorHarness.Config(("namespace", "\"My.class\"")), "BG0010", 15, "not a C# namespace" },
        { "number as a namespace", GeneratorHarness.Config(("namespace", "7")), "BG0004", 15, "must be a string" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void A_bad_configuration_is_reported_with_its_id_file_and_line(string what, string text, string id, int line, string phrase)
    {
        var result = GeneratorHarness.Run(("/project/bertgen.json", text));

        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal("/project/bertgen.json", span.Path);
        Assert.True(line == span.StartLinePosition.Line + 1, $"{what}: reported on line {span.StartLinePosition.Line + 1}, expected {line}");
        Assert.Contains(phrase, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void Every_problem_in_a_file_is_reported_not_only_the_first()
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config(("heads", "0"), ("dK", "\"4\""), ("colour", "1"))));

        Assert.Equal(["BG0003", "BG0004", "BG0005"], result.Diagnostics.Select(d => d.Id).Order().ToArray());
    }

    [Fact]
    public void Two_files_naming_the_same_model_are_reported_on_the_second()
    {
        var result = GeneratorHarness.Run(
            ("/p/a/bertgen.json", GeneratorHarness.Config()),
            ("/p/b/bertgen.json", GeneratorHarness.Config(("dModel", "8"))));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("BG0007", diagnostic.Id);
        Assert.Equal("/p/b/bertgen.json", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("/p/a/bertgen.json", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.CompileProblems);
    }
}
