using Microsoft.CodeAnalysis;

namespace BertGen.Generator.Tests;

public sealed class GeneratedModelTests
{
    [Fact]
    public void Seed_configuration_generates_TinyBert_with_its_shape_constants()
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config()));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompileProblems);
        var type = result.Compilation.GetTypeByMetadataName($"{GeneratorHarness.Namespace}.TinyBert");
        Assert.NotNull(type);
        Assert.Contains(type.AllInterfaces, i => i.ToDisplayString() == "BertGen.IBertModel");
        var expected = new Dictionary<string, object>
        {
            ["MaxLen"] = 14,
            ["BatchSize"] = 6,
            ["MaxPred"] = 2,
            ["Layers"] = 2,
            ["Heads"] = 5,
            ["DModel"] = 7,
            ["DFF"] = 28,
            ["DK"] = 4,
            ["DAttn"] = 20,
            ["Segments"] = 2,
            ["FfnAddNorm"] = true,
            ["EmbeddingLayerNorm"] = true,
            ["LayerNormEps"] = 1e-5,
            ["ConfiguredVocabSize"] = 0,
        };
        foreach (var (name, value) in expected)
        {
            var field = Assert.Single(type.GetMembers(name).OfType<IFieldSymbol>());
            Assert.True(field.IsConst, name);
            Assert.Equal(value, field.ConstantValue);
        }
    }

    public static TheoryData<string, (string, string?)[]> ValidShapes => new()
    {
        { "odd sizes", [("maxLen", "9"), ("dModel", "5"), ("heads", "3"), ("dK", "2"), ("dFF", "11"), ("layers", "1"), ("batchSize", "3")] },
        { "no Add & Norm after the FFN, no embedding LayerNorm", [("ffnAddNorm", "false"), ("embeddingLayerNorm", "false")] },
        { "heads*dK != dModel, a fixed vocabulary", [("dModel", "16"), ("heads", "2"), ("dK", "8"), ("layers", "3"), ("vocabSize", "41")] },
        { "widths past the unroll limit", [("maxLen", "40"), ("dModel", "33"), ("heads", "3"), ("dK", "17"), ("dFF", "65")] },
        { "dModel 256 with maxLen 128", [("maxLen", "128"), ("batchSize", "8"), ("maxPred", "20"), ("layers", "4"), ("heads", "4"), ("dModel", "256"), ("dFF", "1024"), ("dK", "64")] },
        { "one of everything", [("maxLen", "5"), ("batchSize", "1"), ("maxPred", "1"), ("layers", "1"), ("heads", "1"), ("dModel", "1"), ("dFF", "1"), ("dK", "1")] },
    };

    [Theory]
    [MemberData(nameof(ValidShapes))]
    public void Any_valid_configuration_generates_code_that_compiles_without_warnings(string what, (string, string?)[] edits)
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config(edits)));

        Assert.Empty(result.Diagnostics);
        Assert.True(result.CompileProblems.Count == 0, $"{what}:\n{string.Join("\n", result.CompileProblems)}");
        using var assembly = new MemoryStream();
        var emitted = result.Compilation.Emit(assembly);
        Assert.True(emitted.Success, what);
        var longLines = result.Sources.SelectMany(source => source.Value.Split('\n').Select(line => (source.Key, line)))
            .Where(x => x.line.Length > MaxLineLength).ToList();
        Assert.True(longLines.Count == 0, $"{what}: lines over {MaxLineLength} characters:\n{string.Join("\n", longLines.Take(5))}");
    }

    /// <summary>The longest line the emitted source may have, so that it reads on a screen.</summary>
    private const int MaxLineLength = 150;

    [Theory]
    [InlineData("14", "6", "GatheredRows")]
    [InlineData("33", "8", "PerSample")]
    public void Weight_gradients_are_gathered_over_a_short_batch_and_summed_per_sample_over_a_long_one(string maxLen, string batchSize, string expected)
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config(("maxLen", maxLen), ("batchSize", batchSize))));

        Assert.Empty(result.CompileProblems);
        Assert.Contains($"WeightGradients = WeightGradientSum.{expected};", result.Sources[$"{GeneratorHarness.Namespace}.TinyBert.g.cs"]);
    }

    [Fact]
    public void Two_configuration_files_give_two_model_types()
    {
        var result = GeneratorHarness.Run(
            ("/p/bertgen.json", GeneratorHarness.Config()),
            ("/p/models/wide.bertgen.json", GeneratorHarness.Config(("name", "\"WideBert\""), ("dModel", "32"))));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompileProblems);
        Assert.NotNull(result.Compilation.GetTypeByMetadataName($"{GeneratorHarness.Namespace}.TinyBert"));
        var wide = result.Compilation.GetTypeByMetadataName($"{GeneratorHarness.Namespace}.WideBert");
        Assert.NotNull(wide);
        Assert.Equal(32, wide.GetMembers("DModel").OfType<IFieldSymbol>().Single().ConstantValue);
    }

    [Fact]
    public void Other_additional_files_are_left_alone()
    {
        var result = GeneratorHarness.Run(("/p/appsettings.json", "{ \"not\": \"a model\" }"), ("/p/bertgen.json.bak", "{"));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void Rerunning_with_an_unchanged_configuration_reuses_the_cached_output()
    {
        var first = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config()));
        var again = first.Driver.RunGenerators(first.Compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(first.Compilation.SyntaxTrees.First()));

        var steps = again.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs);
        Assert.All(steps, output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output was {output.Reason}"));
    }
}
